"""The project's URLconf, plus the exchange pages and API under the ``registry`` namespaces when
``registry/urls.py`` (which includes them once the registry pages are on the branch) is absent."""

from __future__ import annotations

import importlib.util

from django.urls import include, path

from jianguan.config import urls as root

urlpatterns = list(root.urlpatterns)

if importlib.util.find_spec("jianguan.registry.urls") is None:
    urlpatterns.insert(
        0, path("registry/", include(("jianguan.registry.urls_exchange", "registry"), namespace="registry"))
    )
if importlib.util.find_spec("jianguan.registry.api.urls") is None and (
    importlib.util.find_spec("jianguan.registry.api.urls_exchange") is not None
):
    api = [
        *root.api_v1,
        path("registry/", include(("jianguan.registry.api.urls_exchange", "registry"), namespace="registry")),
    ]
    urlpatterns = [p for p in urlpatterns if str(getattr(p, "pattern", "")) != "api/v1/"]
    urlpatterns.insert(0, path("api/v1/", include((api, "api"), namespace="api")))

handler400 = root.handler400
handler403 = root.handler403
handler404 = root.handler404
handler500 = root.handler500
