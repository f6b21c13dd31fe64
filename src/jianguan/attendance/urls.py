from __future__ import annotations

from django.urls import path

from jianguan.attendance import views

urlpatterns = [
    path("devices/", views.device_list, name="device-list"),
    path("exceptions/", views.exception_list, name="exception-list"),
    path("sections/<int:section_id>/calendar/", views.section_calendar, name="section-calendar"),
]
