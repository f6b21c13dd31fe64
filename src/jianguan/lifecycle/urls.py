from django.urls import path

from jianguan.lifecycle import views

urlpatterns = [
    path("", views.section_list, name="section-list"),
    path("overdue/", views.overdue, name="overdue"),
    path("overdue/export.xlsx", views.overdue_excel, name="overdue-excel"),
    path("overdue/export.pdf", views.overdue_pdf, name="overdue-pdf"),
    path("projects/<int:project_id>/timeline/", views.project_timeline, name="project-timeline"),
    path("sections/<int:section_id>/timeline/", views.section_timeline, name="section-timeline"),
    path("sections/<int:section_id>/", views.section_detail, name="section-detail"),
    path("sections/<int:section_id>/stages/<str:stage>/", views.stage_detail, name="stage-detail"),
    path("sections/<int:section_id>/stages/<str:stage>/open/", views.stage_open, name="stage-open"),
    path("sections/<int:section_id>/stages/<str:stage>/complete/", views.stage_complete, name="stage-complete"),
    path("sections/<int:section_id>/findings/", views.finding_add, name="finding-add"),
    path("sections/<int:section_id>/findings/<int:finding_id>/", views.finding_update, name="finding-update"),
]
