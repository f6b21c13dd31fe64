import importlib.util

from django.urls import URLPattern, URLResolver, include, path

from jianguan.registry import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.enterprise_list, name="index"),
    path("enterprises/", views.enterprise_list, name="enterprise-list"),
    path("enterprises/new/", views.enterprise_create, name="enterprise-create"),
    path("enterprises/<int:enterprise_id>/", views.enterprise_detail, name="enterprise-detail"),
    path("enterprises/<int:enterprise_id>/qualifications/new/", views.qualification_add, name="qualification-add"),
    path("enterprises/<int:enterprise_id>/safety-licence/", views.safety_licence_set, name="safety-licence-set"),
    path("enterprises/<int:enterprise_id>/shareholders/new/", views.shareholding_add, name="shareholding-add"),
    path("enterprises/<int:enterprise_id>/management/new/", views.management_add, name="management-add"),
    path("people/", views.person_list, name="person-list"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/<int:person_id>/", views.person_detail, name="person-detail"),
    path("people/<int:person_id>/registrations/new/", views.registration_add, name="registration-add"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<int:project_id>/", views.project_detail, name="project-detail"),
    path("projects/<int:project_id>/sections/new/", views.bid_section_add, name="bid-section-add"),
    path("sections/<int:section_id>/participants/", views.participant_set, name="participant-set"),
    path("sections/<int:section_id>/key-people/", views.key_person_assign, name="key-person-assign"),
    path("certificates/expiring/", views.certificate_expiring, name="certificate-expiring"),
]

# the exchange pages (import, export, provincial sync) live in their own module when present
if importlib.util.find_spec("jianguan.registry.urls_exchange") is not None:
    urlpatterns.append(path("", include("jianguan.registry.urls_exchange")))
