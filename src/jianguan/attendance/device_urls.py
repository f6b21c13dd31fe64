"""Fixed paths the ZKTeco terminals use (mounted at the site root)."""

from __future__ import annotations

from django.urls import path

from jianguan.attendance import iclock

urlpatterns = [
    path("iclock/cdata", iclock.cdata, name="attendance-iclock-cdata"),
    path("iclock/cdata.aspx", iclock.cdata),
    path("iclock/getrequest", iclock.getrequest, name="attendance-iclock-getrequest"),
    path("iclock/getrequest.aspx", iclock.getrequest),
    path("iclock/devicecmd", iclock.devicecmd, name="attendance-iclock-devicecmd"),
    path("iclock/ping", iclock.ping, name="attendance-iclock-ping"),
]
