"""EnterpriseAccount moves to the registry (it is registry data: which enterprise a user acts for).

The registry's table is created by registry 0003_enterprise_account; this copies every existing
link into it, then drops licensing's table. Reversible: going back recreates licensing's table and
copies the links back."""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_to_registry(apps: Any, schema_editor: Any) -> None:
    old = apps.get_model("licensing", "EnterpriseAccount")
    new = apps.get_model("registry", "EnterpriseAccount")
    taken = set(new.objects.values_list("user_id", flat=True))
    new.objects.bulk_create(
        [
            new(user_id=row.user_id, enterprise_id=row.enterprise_id)
            for row in old.objects.all().order_by("pk")
            if row.user_id not in taken
        ]
    )


def copy_back(apps: Any, schema_editor: Any) -> None:
    old = apps.get_model("licensing", "EnterpriseAccount")
    new = apps.get_model("registry", "EnterpriseAccount")
    old.objects.bulk_create(
        [old(user_id=row.user_id, enterprise_id=row.enterprise_id) for row in new.objects.all().order_by("pk")]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0001_initial"),
        ("registry", "0003_enterprise_account"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(copy_to_registry, copy_back),
        migrations.DeleteModel(name="EnterpriseAccount"),
    ]
