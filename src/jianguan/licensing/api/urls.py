from django.urls import path

from jianguan.licensing.api import views

urlpatterns = [
    path("applications/", views.ApplicationListApi.as_view(), name="application-list"),
    path("applications/<int:application_id>/", views.ApplicationDetailApi.as_view(), name="application-detail"),
    path("applications/<int:application_id>/claim/", views.ClaimApi.as_view(), name="application-claim"),
    path("applications/<int:application_id>/decide/", views.DecideApi.as_view(), name="application-decide"),
    path("applications/<int:application_id>/resubmit/", views.ResubmitApi.as_view(), name="application-resubmit"),
    path("queue/", views.QueueApi.as_view(), name="queue"),
    path("permits/", views.PermitListApi.as_view(), name="permit-list"),
    path("permits/<int:permit_id>/revoke/", views.PermitRevokeApi.as_view(), name="permit-revoke"),
    path("verify/<str:token>/", views.VerifyApi.as_view(), name="verify"),
    path("processes/<str:key>/versions/", views.ProcessVersionApi.as_view(), name="process-version-upload"),
    path("rules/<str:name>/versions/", views.RuleVersionApi.as_view(), name="rule-version-upload"),
]
