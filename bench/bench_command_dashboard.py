"""The command centre's dashboard on the demo city: the whole dashboard endpoint and each panel.

Builds the demo city (scale from the command line, default ``city``) in a private database, signs
in as the city command-centre operator, and measures ``GET /api/v1/command/dashboard/`` (every panel
the operator may see, as the page's auto-refresh fetches it) beside ``GET /api/v1/me/`` (the same
server, authentication and JSON rendering, no work) in the same run, then each panel's compute
alone. Target (issue 14): under 500 ms on the city-scale demo.

    .venv/bin/python bench/bench_command_dashboard.py [tiny|city]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_command_dashboard.py

``--reuse`` measures a demo city already built in the database ``DATABASE_URL`` names (e.g. by
``jianguan demo --no-serve``) instead of building one; nothing is written to it but a session.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from common import bench_database


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


@contextmanager
def _existing() -> Iterator[str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianguan.config.settings")
    import django

    django.setup()
    yield f"the existing database ({os.environ.get('DATABASE_URL', 'default')})"


def run(
    scale: str = "city", repeat: int = 20, out: io.TextIOBase | None = None, reuse: bool = False
) -> dict[str, float]:
    write = (out or sys.stdout).write
    with _existing() if reuse else bench_database(f"dashboard_{scale}") as where:
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from jianguan.core.dashboards import panels_for
        from jianguan.core.demo_framework import DEMO_PASSWORD, demo_build
        from jianguan.core.models import User

        if reuse:
            write(f"demo city already built in {where}\n")
        else:
            started = time.perf_counter()
            demo_build(scale=scale, out=io.StringIO(), show_progress=False)
            write(f"demo city ({scale}) built on {where} in {time.perf_counter() - started:.1f} s\n")
        client = Client(HTTP_HOST="127.0.0.1")
        assert client.login(username="command", password=DEMO_PASSWORD)
        user = User.objects.get(username="command")

        def timed(url: str) -> list[float]:
            client.get(url)  # warm: sessions, caches
            samples = []
            for _ in range(repeat):
                begin = time.perf_counter()
                response = client.get(url)
                samples.append(time.perf_counter() - begin)
                assert response.status_code == 200, (url, response.status_code)
            return samples

        baseline = timed("/api/v1/me/")
        dashboard = timed("/api/v1/command/dashboard/")
        b50, b95 = _percentiles(baseline)
        d50, d95 = _percentiles(dashboard)
        with CaptureQueriesContext(connection) as queries:
            client.get("/api/v1/command/dashboard/")
        write(f"{'endpoint':<34}{'p50 ms':>10}{'p95 ms':>10}\n")
        write(f"{'/api/v1/me/ (baseline)':<34}{b50 * 1000:>10.1f}{b95 * 1000:>10.1f}\n")
        write(f"{'/api/v1/command/dashboard/':<34}{d50 * 1000:>10.1f}{d95 * 1000:>10.1f}\n")
        write(
            f"ratio dashboard/baseline (p50): {d50 / b50:.1f}×; queries per dashboard request: "
            f"{len(queries.captured_queries)}\n"
        )
        write("\nper panel (median of the panel's compute alone):\n")
        for panel in panels_for(user):
            samples = []
            for _ in range(max(3, repeat // 4)):
                begin = time.perf_counter()
                panel.compute(user)
                samples.append(time.perf_counter() - begin)
            write(f"  {panel.code:<40}{statistics.median(samples) * 1000:>8.1f} ms\n")
        return {"baseline_p50": b50, "dashboard_p50": d50, "dashboard_p95": d95}


if __name__ == "__main__":
    arguments = sys.argv[1:]
    repeat = 20
    if "--repeat" in arguments:
        at = arguments.index("--repeat")
        repeat = int(arguments[at + 1])
        del arguments[at : at + 2]
    reuse = "--reuse" in arguments
    arguments = [a for a in arguments if a != "--reuse"]
    run(arguments[0] if arguments else "city", repeat=repeat, reuse=reuse)
