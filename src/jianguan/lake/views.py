"""The lake's status page: tables, latest data per source, the quarantine."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import require_permission
from jianguan.lake.selectors import lake_status
from jianguan.lake.store import lake_uri


@login_required
def status(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "lake.view_lake", action=_("see the data lake"))
    state = lake_status(user=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "lake/status.html",
        {"state": state, "lake_uri": lake_uri(), "quarantined": sum(n for _code, n in state.quarantine_by_reason)},
    )
