"""The `jianguan` console script: Django's management commands under the project's name.

`jianguan demo`, `jianguan serve`, `jianguan worker`, `jianguan ledger verify`, `jianguan migrate`,
`jianguan check --deploy`, and whatever commands the modules add.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianguan.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jianguan", *sys.argv[1:]])


if __name__ == "__main__":
    main()
