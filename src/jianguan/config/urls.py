"""URL map. Each module mounts, when it has them, its pages (``jianguan.<app>.urls``) under its
prefix and its API (``jianguan.<app>.api.urls``) under ``/api/v1/<prefix>/``; device protocols
that need fixed paths (``/iclock/…``) come from ``jianguan.<app>.device_urls`` at the root."""

from __future__ import annotations

import importlib.util

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

# module -> URL prefix of its pages (and of its API under /api/v1/)
PREFIXES = {
    "registry": "registry",
    "lifecycle": "lifecycle",
    "licensing": "licensing",
    "supervision": "supervision",
    "attendance": "attendance",
    "credit": "credit",
    "fees": "fees",
    "bidding": "bidding",
    "lake": "lake",
    "concrete": "concrete",
    "command": "command",
    "portal": "public",
}


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _module_urls() -> tuple[list[URLPattern | URLResolver], list[URLPattern | URLResolver]]:
    pages: list[URLPattern | URLResolver] = []
    api: list[URLPattern | URLResolver] = []
    for app in settings.JIANGUAN_APPS:
        if app == "core" or f"jianguan.{app}" not in settings.INSTALLED_APPS:
            continue
        prefix = PREFIXES[app]
        if _exists(f"jianguan.{app}.device_urls"):
            pages.append(path("", include(f"jianguan.{app}.device_urls")))
        if _exists(f"jianguan.{app}.urls"):
            pages.append(path(f"{prefix}/", include((f"jianguan.{app}.urls", app), namespace=app)))
        if _exists(f"jianguan.{app}.api.urls"):
            api.append(path(f"{prefix}/", include((f"jianguan.{app}.api.urls", app), namespace=app)))
    return pages, api


module_pages, module_api = _module_urls()

api_v1 = [
    path("", include(("jianguan.core.api.urls", "core"), namespace="core")),
    *module_api,
]

urlpatterns = [
    path("", include(("jianguan.core.urls", "core"), namespace="core")),
    *module_pages,
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "jianguan.core.views.bad_request"
handler403 = "jianguan.core.views.permission_denied"
handler404 = "jianguan.core.views.page_not_found"
handler500 = "jianguan.core.views.server_error"
