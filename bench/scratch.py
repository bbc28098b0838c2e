"""The scratch database every bench runs in: created afresh, Django set up on it, dropped afterwards.

A bench script (run as `.venv/bin/python bench/<name>.py` from the repo root, so this directory is on sys.path)
does `from scratch import scratch_database` and wraps its work in
`with scratch_database(BENCH_DB, keep=args.keep) as scratch:`. On entry the database is dropped if it exists and
created on the server of $DATABASE_URL (default: the local `amiable` one), DATABASE_URL and DJANGO_SETTINGS_MODULE
point at it, django.setup() runs and then `manage.py migrate_all`. On exit the connections are closed and, unless
`keep`, the database is dropped.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent

# Celery publishes to an in-memory broker no worker reads: nothing is sent, nothing runs in the bench's process.
CELERY_NO_WORKER = {"CELERY_BROKER_URL": "memory://", "CELERY_TASK_ALWAYS_EAGER": "false"}


@dataclass(frozen=True)
class Scratch:
    name: str
    url: str  # DATABASE_URL of the scratch database
    migrated_in: float  # seconds migrate_all took


def server_url() -> str:
    return os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/amiable")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def admin_execute(url: str, sql: str) -> None:
    conninfo = with_database(url, "postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql)


@contextmanager
def scratch_database(name: str, *, keep: bool, env: Mapping[str, str] | None = None) -> Iterator[Scratch]:
    """Database `name`, made afresh and migrated, with Django set up on it; `env` is set before django.setup()."""
    server = server_url()
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    admin_execute(server, drop)
    admin_execute(server, f'CREATE DATABASE "{name}"')
    url = with_database(server, name)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.update(env or {})
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connections

    try:
        started = time.perf_counter()
        call_command("migrate_all", verbosity=0)
        yield Scratch(name=name, url=url, migrated_in=time.perf_counter() - started)
    finally:
        connections.close_all()
        if not keep:
            admin_execute(server, drop)
