"""A real ``celery worker`` subprocess on the machine's Redis, against the test database."""

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def celery_worker(queues: str = "celery", timeout: float = 30.0) -> Iterator[subprocess.Popen[bytes]]:
    """Start a worker bound to the test database; stop it (TERM, then KILL) on exit."""
    from saleor.celeryconf import app

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "contract")]),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "POSTGRES_DB": db["NAME"],  # the test database pytest-django created
    }
    log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "saleor.celeryconf:app", "worker", "--pool=solo",
         "--loglevel=INFO", "-Q", queues, "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {process.returncode}; see {log.name}")
            if app.control.ping(timeout=0.5):
                break
        else:
            raise RuntimeError(f"celery worker did not answer a ping in time; see {log.name}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
