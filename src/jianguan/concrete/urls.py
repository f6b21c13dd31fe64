from django.urls import path

from jianguan.concrete import views

urlpatterns = [
    path("", views.verdict_list, name="verdict-list"),
    path("groups/", views.group_list, name="group-list"),
    path("groups/<int:group_id>/", views.group_detail, name="group-detail"),
    path("labs/", views.lab_list, name="lab-list"),
    path("labs/<int:lab_id>/", views.lab_detail, name="lab-detail"),
]
