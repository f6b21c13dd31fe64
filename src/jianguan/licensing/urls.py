from django.urls import path

from jianguan.licensing import views

urlpatterns = [
    path("", views.application_list, name="application-list"),
    path("queue/", views.queue, name="queue"),
    path("apply/", views.application_new, name="application-new"),
    path("applications/<int:application_id>/correct/", views.application_correct, name="application-correct"),
    path("applications/<int:application_id>/", views.application_detail, name="application-detail"),
    path("applications/<int:application_id>/diagram.bpmn", views.application_diagram, name="application-diagram"),
    path("applications/<int:application_id>/decide/", views.task_decide, name="task-decide"),
    path("permits/", views.permit_list, name="permit-list"),
    path("permits/<int:permit_id>/pdf/", views.permit_pdf, name="permit-pdf"),
    path("permits/<int:permit_id>/revoke/", views.permit_revoke, name="permit-revoke"),
    path("verify/<str:token>/", views.verify, name="verify"),
]
