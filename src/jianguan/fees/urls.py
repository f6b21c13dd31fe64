from django.urls import path

from jianguan.fees import views

urlpatterns = [
    path("", views.city, name="city"),
    path("export.xlsx", views.export, name="export"),
    path("statistics/", views.statistics, name="statistics"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("projects/<int:project_id>/<str:action>/", views.project_action, name="project-action"),
]
