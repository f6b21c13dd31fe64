from django.urls import path

from jianguan.credit.api import views

urlpatterns = [
    path("grades/", views.GradeListApi.as_view(), name="grades"),
    path("subjects/<int:subject_id>/standing/", views.SubjectStandingApi.as_view(), name="subject-standing"),
    path("subjects/<int:subject_id>/records/", views.SubjectRecordListApi.as_view(), name="subject-records"),
    path("subjects/<int:subject_id>/records/new/", views.RecordHandleApi.as_view(), name="record-handle"),
    path("records/<int:record_id>/review/", views.RecordReviewApi.as_view(), name="record-review"),
    path("records/<int:record_id>/approve/", views.RecordApproveApi.as_view(), name="record-approve"),
]
