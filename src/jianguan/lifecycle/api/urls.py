from django.urls import path

from jianguan.lifecycle.api import views

urlpatterns = [
    path("sections/<int:section_id>/stages/", views.SectionStagesApi.as_view(), name="section-stages"),
    path("sections/<int:section_id>/stages/<str:stage>/gate/", views.StageGateApi.as_view(), name="stage-gate"),
    path("sections/<int:section_id>/stages/<str:stage>/open/", views.StageOpenApi.as_view(), name="stage-open"),
    path(
        "sections/<int:section_id>/stages/<str:stage>/complete/",
        views.StageCompleteApi.as_view(),
        name="stage-complete",
    ),
    path("sections/<int:section_id>/findings/", views.FindingListApi.as_view(), name="finding-list"),
    path(
        "sections/<int:section_id>/findings/<int:finding_id>/update/",
        views.FindingUpdateApi.as_view(),
        name="finding-update",
    ),
    path("sections/<int:section_id>/prompts/", views.PromptListApi.as_view(), name="prompt-list"),
    path("sections/<int:section_id>/timeline/", views.SectionTimelineApi.as_view(), name="section-timeline"),
    path("sections/<int:section_id>/permit-check/", views.PermitComparisonApi.as_view(), name="permit-check"),
    path("projects/<int:project_id>/timeline/", views.ProjectTimelineApi.as_view(), name="project-timeline"),
    path("statistics/", views.StageStatisticsApi.as_view(), name="statistics"),
    path("overdue/", views.OverdueListApi.as_view(), name="overdue-list"),
    path("out-of-order/", views.OutOfOrderListApi.as_view(), name="out-of-order-list"),
]
