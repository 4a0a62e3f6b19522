"""The class grid's pages, its save endpoints (one cell, a batch) and withdrawing a cell (``grid_views``)."""

from django.urls import path

from strides.assessment import grid_views

urlpatterns = [
    path("grid/", grid_views.grid_home, name="grid_home"),
    path("drops/<slug:drop_slug>/grid/", grid_views.grid_index, name="grid_index"),
    path("drops/<slug:drop_slug>/classes/<int:group_id>/", grid_views.grid, name="grid"),
    path("drops/<slug:drop_slug>/classes/<int:group_id>/save/", grid_views.grid_save, name="grid_save"),
    path(
        "drops/<slug:drop_slug>/classes/<int:group_id>/save-batch/",
        grid_views.grid_save_batch,
        name="grid_save_batch",
    ),
    path(
        "drops/<slug:drop_slug>/classes/<int:group_id>/withdraw/",
        grid_views.grid_withdraw,
        name="grid_withdraw",
    ),
]
