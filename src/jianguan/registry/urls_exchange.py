"""Pages of bulk import, exports and the provincial sync; ``registry/urls.py`` includes these."""

from django.urls import path

from jianguan.registry.exchange import views

urlpatterns = [
    path("import/", views.import_start, name="import"),
    path("import/<int:run_id>/", views.import_result, name="import-result"),
    path("import/<int:run_id>/errors.xlsx", views.import_errors, name="import-errors"),
    path("import/template/<str:entity>.xlsx", views.import_template, {"fmt": "xlsx"}, name="import-template"),
    path("import/template/<str:entity>.csv", views.import_template, {"fmt": "csv"}, name="import-template-csv"),
    path("enterprises/export.xlsx", views.export, {"kind": "enterprises"}, name="enterprise-export"),
    path("people/export.xlsx", views.export, {"kind": "people"}, name="person-export"),
    path("projects/export.xlsx", views.export, {"kind": "projects"}, name="project-export"),
    path("sync/", views.sync_runs, name="sync-runs"),
    path("sync/<int:run_id>/", views.sync_run_detail, name="sync-run"),
]
