from django.urls import path

from jianguan.supervision import views

urlpatterns = [
    path("", views.inspection_list, name="inspection-list"),
    path("inspections/new/", views.inspection_new, name="inspection-new"),
    path("inspections/<int:inspection_id>/", views.inspection_do, name="inspection-do"),
    path("findings/", views.finding_list, name="finding-list"),
    path("findings/<int:finding_id>/", views.finding_detail, name="finding-detail"),
    path("findings/<int:finding_id>/review/", views.finding_review, name="finding-review"),
    path("findings/<int:finding_id>/confirm/", views.finding_confirm, name="finding-confirm"),
    path("orders/issue/", views.order_issue, name="order-issue"),
    path("rectifications/", views.order_list, name="order-list"),
    path("rectifications/<int:order_id>/", views.order_detail, name="order-detail"),
    path("rectifications/<int:order_id>/reply/", views.order_reply, name="order-reply"),
    path("rectifications/<int:order_id>/review/", views.order_review, name="order-review"),
    path("rectifications/<int:order_id>/pdf/", views.order_pdf, name="order-pdf"),
    path("stop-work/", views.stop_work_list, name="stopwork-list"),
    path("stop-work/<int:order_id>/", views.stop_work_detail, name="stopwork-detail"),
    path("stop-work/<int:order_id>/lift/", views.stop_work_lift, name="stopwork-lift"),
    path("stop-work/<int:order_id>/pdf/", views.stop_work_pdf, name="stopwork-pdf"),
    path("draws/", views.draw_list, name="draw-list"),
    path("draws/<int:draw_id>/", views.draw_detail, name="draw-detail"),
    path("draws/<int:draw_id>/publish/", views.draw_publish, name="draw-publish"),
    path("public/draws/", views.draws_public, name="draws-public"),
    path("verify/<str:number>/", views.verify, name="verify"),
]
