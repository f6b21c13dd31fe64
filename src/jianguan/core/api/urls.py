from django.urls import path

from jianguan.core.api import views

urlpatterns = [
    path("auth/token/", views.TokenObtainApi.as_view(), name="token-obtain"),
    path("me/", views.MeApi.as_view(), name="me"),
    path("jurisdictions/", views.JurisdictionListApi.as_view(), name="jurisdiction-list"),
    path("devices/", views.DeviceListApi.as_view(), name="device-list"),
    path("devices/create/", views.DeviceRegisterApi.as_view(), name="device-register"),
    path("devices/self/", views.DeviceSelfApi.as_view(), name="device-self"),
    path("devices/<int:device_id>/", views.DeviceDetailApi.as_view(), name="device-detail"),
    path("devices/<int:device_id>/suspend/", views.DeviceSuspendApi.as_view(), name="device-suspend"),
    path("devices/<int:device_id>/resume/", views.DeviceResumeApi.as_view(), name="device-resume"),
    path("devices/<int:device_id>/audit/", views.DeviceAuditApi.as_view(), name="device-audit"),
    path("ledger/", views.LedgerListApi.as_view(), name="ledger-list"),
    path("ledger/verify/", views.LedgerVerifyApi.as_view(), name="ledger-verify"),
]
