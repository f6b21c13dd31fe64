"""Public pages (no sign-in): the credit lookup, the blacklist, the JSON feed."""

from django.urls import path

from jianguan.portal import views

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("enterprise/<str:uscc>/", views.enterprise_file, name="enterprise"),
    path("person/<int:person_id>/", views.person_file, name="person"),
    path("blacklist/", views.blacklist, name="blacklist"),
    path("credit/feed.json", views.feed, name="feed"),
]
