from django.urls import path

from jianguan.concrete.api import views

urlpatterns = [
    path("press/readings/", views.PressReadingsApi.as_view(), name="press-readings"),
]
