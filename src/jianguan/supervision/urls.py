from django.urls import path

from jianguan.supervision import views

urlpatterns = [
    path("", views.inspection_list, name="inspection-list"),
    path("inspections/<int:inspection_id>/", views.inspection_do, name="inspection-do"),
    path("rectifications/", views.order_list, name="order-list"),
    path("rectifications/<int:order_id>/", views.order_detail, name="order-detail"),
    path("rectifications/<int:order_id>/pdf/", views.order_pdf, name="order-pdf"),
    path("stop-work/<int:order_id>/pdf/", views.stop_work_pdf, name="stopwork-pdf"),
    path("draws/", views.draw_list, name="draw-list"),
    path("public/draws/", views.draws_public, name="draws-public"),
    path("verify/<str:number>/", views.verify, name="verify"),
]
