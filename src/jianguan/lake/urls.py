from __future__ import annotations

from django.urls import path

from jianguan.lake import views

urlpatterns = [
    path("", views.status, name="status"),
]
