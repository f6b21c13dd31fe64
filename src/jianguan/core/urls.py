from django.contrib.auth import views as auth_views
from django.urls import path

from jianguan.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("workbench/", views.workbench, name="workbench"),
    path("system/devices/", views.device_list, name="device-list"),
    path("system/devices/<int:device_id>/", views.device_detail, name="device-detail"),
    path(
        "system/devices/<int:device_id>/suspend/",
        views.device_status_change,
        {"change": "suspend"},
        name="device-suspend",
    ),
    path(
        "system/devices/<int:device_id>/resume/",
        views.device_status_change,
        {"change": "resume"},
        name="device-resume",
    ),
    path("system/ledger/", views.ledger_list, name="ledger-list"),
    path("system/ledger/verify/", views.ledger_verify_view, name="ledger-verify"),
]
