from django.urls import path

from kontor.imports import views

urlpatterns = [
    path("imports/", views.import_new, name="import-new"),
    path("imports/<uuid:import_id>/", views.import_detail, name="import-detail"),
    path("imports/<uuid:import_id>/mapping/", views.import_mapping, name="import-mapping"),
    path("imports/<uuid:import_id>/errors.csv", views.import_errors, name="import-errors"),
]
