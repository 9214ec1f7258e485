"""Fail early, with a clear message, when PostgreSQL or Redis is not reachable."""

import os
import sys

import psycopg
import redis


def main() -> int:
    host = os.environ.get("POSTGRES_HOST", "127.0.0.1")
    port = os.environ.get("POSTGRES_PORT", "5432")
    user = os.environ.get("POSTGRES_USER", "postgres")
    try:
        psycopg.connect(host=host, port=port, user=user, dbname="postgres", connect_timeout=5).close()
    except psycopg.Error as exc:
        print(f"error: PostgreSQL at {host}:{port} (user {user}) is not reachable: {exc}", file=sys.stderr)
        return 2
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        print(f"error: Redis at {broker} is not reachable: {exc}", file=sys.stderr)
        return 2
    print(f"PostgreSQL {host}:{port} and Redis {broker}: reachable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
