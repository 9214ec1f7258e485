"""Django settings for the demo: the test suite's Saleor contract double, with the demo's database, clock and pages.

The database comes from ``DATABASE_URL`` (the demo sets it to its embedded
PostgreSQL unless you set your own). Without ``CELERY_BROKER_URL`` the Celery
tasks run in the demo's own process (eager); with it, they go through that
broker to the worker the demo starts.
"""

import os
from urllib.parse import unquote, urlsplit

from tests.settings import *  # noqa: F403 - a settings module extends the suite's settings

_url = urlsplit(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/journey_demo"))
_query = dict(part.split("=", 1) for part in _url.query.split("&") if "=" in part)
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(_url.path.lstrip("/")) or "journey_demo",
        "USER": unquote(_url.username or "postgres"),
        "PASSWORD": unquote(_url.password or ""),
        "HOST": unquote(_query.get("host", _url.hostname or "")),  # pgserver gives a socket directory as ?host=
        "PORT": str(_url.port or ""),
    }
}
SECRET_KEY = os.environ["DEMO_SECRET_KEY"]  # made on the demo's first run, kept in .demo/keys.json
ROOT_URLCONF = "demo.urls"
JOURNEY_CLOCK = "demo.clock.now"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
JOURNEY_SWEEP_SECONDS = 5.0

LOGGING = {
    **LOGGING,  # noqa: F405 - from the suite's settings
    "loggers": {**LOGGING["loggers"],  # noqa: F405 - from the suite's settings
                "saleor_journey": {"handlers": ["console"], "level": os.environ.get("DEMO_LOG_LEVEL", "WARNING")}},
}
