from __future__ import annotations

from django.urls import path

from jianguan.lake.api import views

urlpatterns = [
    path("batches/<str:data_type>/", views.BatchUploadApi.as_view(), name="batch-upload"),
    path("tables/", views.TableListApi.as_view(), name="table-list"),
]
