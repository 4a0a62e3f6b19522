"""Data-drop spreadsheets: templates, imports (check, then import) and exports (``sheets_views``)."""

from django.urls import path

from strides.assessment import sheets_views as views

urlpatterns = [
    path("spreadsheets/", views.index, name="sheet_index"),
    path("drops/<slug:drop_slug>/import/", views.upload, name="sheet_upload"),
    path("drops/<slug:drop_slug>/import/<int:drop_batch_id>/", views.batch, name="sheet_preview"),
    path(
        "drops/<slug:drop_slug>/import/<int:drop_batch_id>/progress/", views.progress, name="sheet_progress"
    ),
    path("drops/<slug:drop_slug>/import/<int:drop_batch_id>/commit/", views.commit, name="sheet_commit"),
    path("drops/<slug:drop_slug>/schools/<str:urn>/template.xlsx", views.template, name="sheet_template"),
    path("drops/<slug:drop_slug>/export.xlsx", views.export_xlsx, name="sheet_export_xlsx"),
    path("drops/<slug:drop_slug>/export.csv", views.export_csv, name="sheet_export_csv"),
]
