import importlib
import importlib.util

from django.urls import URLPattern, URLResolver, include, path

from jianguan.registry.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("enterprises/", views.EnterpriseListApi.as_view(), name="enterprise-list"),
    path("enterprises/<int:enterprise_id>/", views.EnterpriseDetailApi.as_view(), name="enterprise-detail"),
    path(
        "enterprises/<int:enterprise_id>/qualifications/",
        views.QualificationAddApi.as_view(),
        name="qualification-add",
    ),
    path("enterprises/<int:enterprise_id>/safety-licence/", views.SafetyLicenceApi.as_view(), name="safety-licence"),
    path(
        "enterprises/<int:enterprise_id>/shareholders/",
        views.ShareholdingAddApi.as_view(),
        name="shareholding-add",
    ),
    path("enterprises/<int:enterprise_id>/management/", views.ManagementAddApi.as_view(), name="management-add"),
    path("people/", views.PersonListApi.as_view(), name="person-list"),
    path("people/<int:person_id>/", views.PersonDetailApi.as_view(), name="person-detail"),
    path("people/<int:person_id>/registrations/", views.RegistrationAddApi.as_view(), name="registration-add"),
    path("projects/", views.ProjectListApi.as_view(), name="project-list"),
    path("projects/<int:project_id>/", views.ProjectDetailApi.as_view(), name="project-detail"),
    path("projects/<int:project_id>/sections/", views.BidSectionAddApi.as_view(), name="bid-section-add"),
    path("sections/", views.BidSectionListApi.as_view(), name="bid-section-list"),
    path("sections/<int:section_id>/", views.BidSectionDetailApi.as_view(), name="bid-section-detail"),
    path("sections/<int:section_id>/participants/", views.ParticipantSetApi.as_view(), name="participant-set"),
    path("sections/<int:section_id>/key-people/", views.KeyPersonAssignApi.as_view(), name="key-person-assign"),
]

# the exchange API (import, export, provincial sync) lives in its own module when present
if importlib.util.find_spec("jianguan.registry.api.urls_exchange") is not None:
    urlpatterns.append(path("", include("jianguan.registry.api.urls_exchange")))
