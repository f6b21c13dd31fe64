from django.urls import path

from jianguan.command import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", views.report_list, name="report-list"),
    path("reports/<int:report_id>/pdf/", views.report_file, {"kind": "pdf"}, name="report-pdf"),
    path("reports/<int:report_id>/xlsx/", views.report_file, {"kind": "xlsx"}, name="report-xlsx"),
    path("warnings/", views.warning_list, name="warning-list"),
    path("warnings/<int:alert_id>/", views.warning_detail, name="warning-detail"),
    path("warnings/<int:alert_id>/assignees/", views.assignee_options, name="warning-assignees"),
    path("warnings/<int:alert_id>/dispatch/", views.warning_dispatch, name="warning-dispatch"),
    path("warnings/<int:alert_id>/dismiss/", views.warning_dismiss, name="warning-dismiss"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/<int:task_id>/", views.task_detail, name="task-detail"),
    path("tasks/<int:task_id>/accept/", views.task_step, {"step": "accept"}, name="task-accept"),
    path("tasks/<int:task_id>/record/", views.task_step, {"step": "record"}, name="task-record"),
    path("tasks/<int:task_id>/report/", views.task_step, {"step": "report"}, name="task-report"),
    path("tasks/<int:task_id>/review/", views.task_step, {"step": "review"}, name="task-review"),
    path("tasks/<int:task_id>/attachments/<int:action_id>/", views.task_attachment, name="task-attachment"),
]
