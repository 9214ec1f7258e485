"""Settings for benchmarks/compare_senders.py: the suite's Saleor double, plus django-mailer and a Postmark backend.

The backend is anymail's Postmark backend, pointed at the local peer the benchmark starts (PEER_URL).
"""

import os

from tests.settings import *  # noqa: F403 - a settings module extends the suite's settings

INSTALLED_APPS = [*INSTALLED_APPS, "mailer"]  # noqa: F405
MAILER_EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
ANYMAIL = {"POSTMARK_SERVER_TOKEN": "bench-token", "POSTMARK_API_URL": os.environ.get("PEER_URL", ""),
           "REQUESTS_TIMEOUT": 10}
MAILER_LOCK_PATH = os.environ.get("MAILER_LOCK_PATH", "/tmp/journey-bench-mailer")
LOGGING = {"version": 1, "disable_existing_loggers": False}
JOURNEY_IN_FLIGHT = int(os.environ.get("JOURNEY_IN_FLIGHT", "25"))
JOURNEY_SEND_THREADS = int(os.environ.get("JOURNEY_SEND_THREADS", "1"))
