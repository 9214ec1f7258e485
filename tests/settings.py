"""Django settings for the test suite: Saleor's contract double plus this plugin, on real services.

Connections come from the environment with local defaults: ``DATABASE_URL``-style
pieces (``POSTGRES_HOST`` ...) and ``CELERY_BROKER_URL``.
"""

import os
import sys
from datetime import timedelta
from importlib.metadata import entry_points
from pathlib import Path

import dj_email_url

CONTRACT = Path(__file__).resolve().parent / "contract"
if str(CONTRACT) not in sys.path:
    sys.path.insert(0, str(CONTRACT))

SECRET_KEY = "tests-only-secret-key-not-for-production"  # noqa: S105
# App tokens are stored hashed as in Saleor; a fast hasher keeps the tests quick (Saleor caches the check).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "saleor.urls"
STATIC_URL = "/static/"  # Django's live test server serves static files under it
AUTH_USER_MODEL = "account.User"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SALEOR_VERSION = os.environ.get("SALEOR_VERSION", "3.23")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.sites",
    "django_celery_beat",  # Saleor's beat scheduler stores its schedule here
    "saleor.account.apps.Config",
    "saleor.app.apps.Config",
    "saleor.channel.apps.Config",
    "saleor.product.apps.Config",
    "saleor.warehouse.apps.Config",
    "saleor.checkout.apps.Config",
    "saleor.order.apps.Config",
    "saleor.plugins.apps.Config",
    "saleor.site.apps.Config",
    "saleor.schedulers.apps.Config",
]
SITE_ID = 1
ENABLE_SSL = False
# The double's apps have no migrations (their tables are created from the models); django.contrib.sites and
# django_celery_beat are created the same way, so the double's SiteSettings and CustomPeriodicTask (a
# PeriodicTask child) can point at them.
MIGRATION_MODULES = {"sites": None, "django_celery_beat": None}
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]

# Saleor's plugin discovery (saleor/settings.py:950-959): every installed
# `saleor.plugins` entry point adds its *name* to INSTALLED_APPS and its
# module:attr to PLUGINS. The plugin is found here only if pip installed it.
BUILTIN_PLUGINS: list[str] = []
EXTERNAL_PLUGINS: list[str] = []
for entry_point in entry_points(group="saleor.plugins"):
    plugin_path = f"{entry_point.module}.{entry_point.attr}"
    if plugin_path not in BUILTIN_PLUGINS and plugin_path not in EXTERNAL_PLUGINS:
        if entry_point.name not in INSTALLED_APPS:
            INSTALLED_APPS.append(entry_point.name)
        EXTERNAL_PLUGINS.append(plugin_path)
PLUGINS = BUILTIN_PLUGINS + EXTERNAL_PLUGINS

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("POSTGRES_DB", "saleor_journey"),
        "USER": os.environ.get("POSTGRES_USER", "postgres"),
        "PASSWORD": os.environ.get("POSTGRES_PASSWORD", ""),
        "HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        "PORT": os.environ.get("POSTGRES_PORT", "5432"),
        "TEST": {"NAME": os.environ.get("POSTGRES_TEST_DB", "test_saleor_journey")},
    }
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
JOURNEY_SWEEP_SECONDS = float(os.environ.get("JOURNEY_SWEEP_SECONDS", "30"))
JOURNEY_LEASE_SECONDS = float(os.environ.get("JOURNEY_LEASE_SECONDS", "60"))
if os.environ.get("JOURNEY_FAKE_CLOCK") == "1":
    JOURNEY_CLOCK = "tests.fakeclock.now"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "redis://127.0.0.1:6379/14")
# As Saleor's test settings (saleor/tests/settings.py): a task's query on the writer database outside
# allow_writer() raises UnsafeWriterAccessError (production only logs it).
CELERY_RESTRICT_WRITER_METHOD = "saleor.core.db.connection.restrict_writer"

# Saleor's checkout lifetimes (saleor/settings.py: ANONYMOUS/USER/EMPTY_CHECKOUTS_TIMEDELTA) and the
# completion lock (CHECKOUT_COMPLETION_LOCK_TIME, seconds, "3 minutes" by default).
ANONYMOUS_CHECKOUTS_TIMEDELTA = timedelta(days=30)
USER_CHECKOUTS_TIMEDELTA = timedelta(days=90)
EMPTY_CHECKOUTS_TIMEDELTA = timedelta(hours=6)
CHECKOUT_COMPLETION_LOCK_TIME = 180
CHECKOUT_PRICES_TTL = timedelta(hours=1)

# Saleor's email (saleor/settings.py:166-184): EMAIL_BACKEND comes from EMAIL_URL and is "" without it.
# The suite's Saleor has EMAIL_URL set (Django's in-memory outbox); tests of a Saleor without it clear
# EMAIL_BACKEND.
EMAIL_URL = os.environ.get("EMAIL_URL", "memory://")
_email = dj_email_url.parse(EMAIL_URL or "")
EMAIL_BACKEND = _email.get("EMAIL_BACKEND", "")
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = str(_email.get("EMAIL_PORT", ""))
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@example.com")
# Saleor's PUBLIC_URL (settings.py:202): where customers reach the API; build_absolute_uri uses it.
PUBLIC_URL = os.environ.get("PUBLIC_URL") or None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}, "null": {"class": "logging.NullHandler"}},
    "loggers": {
        "saleor_journey": {"handlers": ["console"], "level": "INFO"},
        # As Saleor: graphql-core 2 logs every resolver exception, expected or not; Saleor drops those logs
        # (saleor/settings.py, LOGGING "graphql.execution.utils" and "graphql.execution.executor").
        "graphql.execution.utils": {"propagate": False, "handlers": ["null"]},
        "graphql.execution.executor": {"propagate": False, "handlers": ["null"]},
    },
}
