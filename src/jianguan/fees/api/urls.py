from django.urls import path

from jianguan.fees.api import views

urlpatterns = [
    path("files/", views.FeeFileListApi.as_view(), name="file-list"),
    path("statistics/", views.StatisticsApi.as_view(), name="statistics"),
    path("projects/<int:project_id>/", views.ProjectFeeApi.as_view(), name="project"),
    path("projects/<int:project_id>/areas/", views.AreaRecordApi.as_view(), name="area-record"),
    path("projects/<int:project_id>/assess/", views.AssessApi.as_view(), name="assess"),
    path("projects/<int:project_id>/reliefs/", views.ReliefGrantApi.as_view(), name="relief-grant"),
    path("projects/<int:project_id>/payments/", views.PaymentRecordApi.as_view(), name="payment-record"),
    path("projects/<int:project_id>/recalculate/", views.RecalculateApi.as_view(), name="recalculate"),
]
