"""Public pages (no sign-in): the credit lookup, projects and permits, the blacklist, the JSON feed."""

from django.urls import path

from jianguan.portal import views

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("enterprise/<str:uscc>/", views.enterprise_file, name="enterprise"),
    path("person/<int:person_id>/", views.person_file, name="person"),
    path("projects/", views.projects, name="projects"),
    path("projects/<str:code>/", views.project, name="project"),
    path("permits/<str:number>/", views.permit, name="permit"),
    path("blacklist/", views.blacklist, name="blacklist"),
    path("credit/feed.json", views.feed, name="feed"),
]
