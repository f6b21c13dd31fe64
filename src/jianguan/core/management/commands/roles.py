"""`jianguan roles`: who may do what — every role and its permissions, kernel and modules."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jianguan.core.roles import role_name, role_permissions


class Command(BaseCommand):
    help = "Print every role with the permissions it carries."

    def handle(self, *args: Any, **options: Any) -> None:
        for code, permissions in role_permissions().items():
            self.stdout.write(f"{code}  ({role_name(code)})")
            for permission in sorted(permissions):
                self.stdout.write(f"    {permission}")
