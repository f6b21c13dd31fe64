from __future__ import annotations

from django.urls import path

from jianguan.attendance.api import views

urlpatterns = [
    path("checkins/", views.CheckInBatchApi.as_view(), name="checkin-batch"),
]
