from django.urls import path

from jianguan.command.api import views

urlpatterns = [
    path("dashboard/", views.DashboardApi.as_view(), name="dashboard"),
    path("warnings/", views.AlertListApi.as_view(), name="warning-list"),
    path("warnings/<int:alert_id>/", views.AlertDetailApi.as_view(), name="warning-detail"),
    path("warnings/<int:alert_id>/dispatch/", views.AlertDispatchApi.as_view(), name="warning-dispatch"),
    path("warnings/<int:alert_id>/dismiss/", views.AlertDismissApi.as_view(), name="warning-dismiss"),
    path("tasks/", views.TaskListApi.as_view(), name="task-list"),
    path("tasks/<int:task_id>/", views.TaskDetailApi.as_view(), name="task-detail"),
    path("tasks/<int:task_id>/accept/", views.TaskAcceptApi.as_view(), name="task-accept"),
    path("tasks/<int:task_id>/record/", views.TaskRecordApi.as_view(), name="task-record"),
    path("tasks/<int:task_id>/report/", views.TaskReportApi.as_view(), name="task-report"),
    path("tasks/<int:task_id>/review/", views.TaskReviewApi.as_view(), name="task-review"),
]
