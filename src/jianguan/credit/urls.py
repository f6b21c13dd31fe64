from django.urls import path

from jianguan.credit import views

urlpatterns = [
    path("", views.subject_list, name="subject-list"),
    path("subjects/<int:subject_id>/", views.subject_detail, name="subject"),
    path("subjects/<int:subject_id>/records/", views.record_create, name="record-create"),
    path("queue/", views.queue, name="queue"),
    path("records/<int:record_id>/review/", views.record_step, {"step": "review"}, name="record-review"),
    path("records/<int:record_id>/approve/", views.record_step, {"step": "approve"}, name="record-approve"),
    path("records/<int:record_id>/appeal/", views.appeal_create, name="appeal-create"),
    path("appeals/<int:appeal_id>/decide/", views.appeal_decide, name="appeal-decide"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/new/", views.catalogue_edit, name="catalogue-edit"),
    path("catalogue/<int:version_id>.json", views.catalogue_download, name="catalogue-download"),
]
