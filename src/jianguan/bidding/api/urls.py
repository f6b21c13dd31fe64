from django.urls import path

from jianguan.bidding.api import views

urlpatterns = [
    path("tenders/import/", views.TendersImportApi.as_view(), name="tender-import"),
    path("leads/", views.LeadListApi.as_view(), name="lead-list"),
]
