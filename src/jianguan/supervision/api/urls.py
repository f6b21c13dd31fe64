from django.urls import path

from jianguan.supervision.api import views

urlpatterns = [
    path("checklists/", views.ChecklistListApi.as_view(), name="checklist-list"),
    path("inspections/", views.InspectionListApi.as_view(), name="inspection-list"),
    path("inspections/<int:inspection_id>/", views.InspectionDetailApi.as_view(), name="inspection-detail"),
    path("inspections/<int:inspection_id>/answers/", views.AnswerApi.as_view(), name="inspection-answer"),
    path("inspections/<int:inspection_id>/submit/", views.InspectionSubmitApi.as_view(), name="inspection-submit"),
    path("findings/", views.FindingListApi.as_view(), name="finding-list"),
    path("findings/<int:finding_id>/review/", views.FindingReviewApi.as_view(), name="finding-review"),
    path("findings/<int:finding_id>/confirm/", views.FindingConfirmApi.as_view(), name="finding-confirm"),
    path("rectifications/", views.OrderListApi.as_view(), name="order-list"),
    path("rectifications/<int:order_id>/", views.OrderDetailApi.as_view(), name="order-detail"),
    path("rectifications/<int:order_id>/reply/", views.OrderReplyApi.as_view(), name="order-reply"),
    path("rectifications/<int:order_id>/review/", views.OrderReviewApi.as_view(), name="order-review"),
    path("rectifications/<int:order_id>/pdf/", views.OrderPdfApi.as_view(), name="order-pdf"),
    path("stop-work/", views.StopWorkListApi.as_view(), name="stopwork-list"),
    path("stop-work/<int:order_id>/lift/", views.StopWorkLiftApi.as_view(), name="stopwork-lift"),
    path("stop-work/<int:order_id>/pdf/", views.StopWorkPdfApi.as_view(), name="stopwork-pdf"),
    path("draws/", views.DrawListApi.as_view(), name="draw-list"),
    path("draws/<int:draw_id>/publish/", views.DrawPublishApi.as_view(), name="draw-publish"),
    path("conflicts/", views.ConflictApi.as_view(), name="conflict-add"),
]
