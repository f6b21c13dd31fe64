from django.urls import path

from jianguan.bidding import views

urlpatterns = [
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/export.xlsx", views.lead_export, name="lead-export"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead-detail"),
    path("leads/<int:lead_id>/pdf/", views.lead_pdf, name="lead-pdf"),
    path("concentration/", views.concentration, name="concentration"),
    path("import/", views.tender_import, name="import"),
]
