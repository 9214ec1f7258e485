"""A real ``celery worker`` subprocess on the machine's Redis, against the test database."""

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def celery_env(**extra: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "contract")]),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "POSTGRES_DB": db["NAME"],  # the test database pytest-django created
        **extra,
    }


def start_celery(role: str, *args: str, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    log = tempfile.NamedTemporaryFile(prefix=f"celery-{role}-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "saleor.celeryconf:app", role, "--loglevel=INFO", *args],
        cwd=ROOT, env=celery_env(**env), stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    return process, log.name


def stop(process: subprocess.Popen[bytes], signal_kill: bool = False) -> None:
    if signal_kill:
        process.kill()
    else:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(predicate: Any, timeout: float = 30.0) -> bool:
    """Poll until ``predicate()`` is true (a subprocess did its work) or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@contextmanager
def celery_beat(sweep_seconds: float = 1.0, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``celery beat`` as Saleor documents it, on its DatabaseScheduler (the plugin registers its entries)."""
    process, _log = start_celery(
        "beat", "--scheduler", "saleor.schedulers.schedulers.DatabaseScheduler", "--max-interval", "1",
        JOURNEY_SWEEP_SECONDS=str(sweep_seconds), **env,
    )
    try:
        yield process
    finally:
        stop(process)


@contextmanager
def celery_worker(queues: str = "celery", timeout: float = 30.0, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """Start a worker bound to the test database; stop it (TERM, then KILL) on exit."""
    from saleor.celeryconf import app

    process, log_name = start_celery(
        "worker", "--pool=solo", "-Q", queues, "--without-gossip", "--without-mingle", "--without-heartbeat", **env
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {process.returncode}; see {log_name}")
            if app.control.ping(timeout=0.5):
                break
        else:
            raise RuntimeError(f"celery worker did not answer a ping in time; see {log_name}")
        yield process
    finally:
        stop(process)
