"""URL map. Each module mounts its pages under its own prefix and its API under /api/v1/."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_v1 = [
    path("", include(("jianguan.core.api.urls", "core"), namespace="core")),
]

urlpatterns = [
    path("", include(("jianguan.core.urls", "core"), namespace="core")),
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
