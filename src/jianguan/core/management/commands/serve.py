"""`jianguan serve`: the web application under gunicorn, with the job consumer beside it."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from jianguan.config.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve the web application and API (gunicorn), and run the job consumer beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "3")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
        parser.add_argument("--no-worker", action="store_true", help="do not start the job consumer")

    def handle(self, *args: Any, **options: Any) -> None:
        consumer = None
        if not options["no_worker"]:
            consumer = subprocess.Popen([sys.executable, "-m", "jianguan", "worker"])
        self.stdout.write(
            f"Jianguan serving on http://{options['bind']}/  (database: {settings.DATABASES['default']['NAME']})"
        )
        try:
            _Gunicorn(
                {
                    "bind": options["bind"],
                    "workers": options["workers"],
                    "threads": options["threads"],
                    "worker_class": "gthread",
                    "accesslog": "-",
                    "timeout": 120,
                    "graceful_timeout": 20,
                }
            ).run()
        finally:
            if consumer is not None:
                consumer.terminate()
                consumer.wait(timeout=20)
