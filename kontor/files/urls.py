from django.urls import path

from kontor.files import views

urlpatterns = [
    path("contacts/<uuid:contact_id>/files/", views.upload, name="contact-file-upload"),
    path(
        "organizations/<uuid:organization_id>/files/",
        views.upload,
        name="organization-file-upload",
    ),
    path("activities/<uuid:activity_id>/files/", views.upload, name="activity-file-upload"),
    path("files/<uuid:file_id>/", views.download, name="file-download"),
    path("files/<uuid:file_id>/delete/", views.delete, name="file-delete"),
]
