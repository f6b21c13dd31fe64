"""Shared set-up for benchmarks: a private database (never the demo's or the tests'), timing helpers."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


@contextmanager
def bench_database(name: str) -> Iterator[str]:
    """Point Django at a fresh database for this benchmark: on PostgreSQL when DATABASE_URL names
    one (a database `jianguan_bench_<name>` is created and dropped), else a temporary SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlparse(url)
        admin = urlunparse(parts._replace(path="/postgres"))
        database = f"jianguan_bench_{name}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
            conn.execute(f'CREATE DATABASE "{database}"')
        os.environ["DATABASE_URL"] = urlunparse(parts._replace(path=f"/{database}"))
        try:
            _setup_django()
            yield f"postgresql ({database})"
        finally:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
    else:
        with tempfile.TemporaryDirectory() as folder:
            os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
            os.environ["JIANGUAN_VAR"] = folder
            _setup_django()
            yield "sqlite (file)"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianguan.config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def timed(function: Callable[[], object], *, repeat: int = 5) -> float:
    """Median wall time of several runs, in seconds."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)
