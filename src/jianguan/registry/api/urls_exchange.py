"""API of bulk import and the provincial sync; ``registry/api/urls.py`` includes these."""

from django.urls import path

from jianguan.registry.api import exchange

urlpatterns = [
    path("import/", exchange.ImportApi.as_view(), name="import"),
    path("sync-runs/", exchange.SyncRunListApi.as_view(), name="sync-runs"),
]
