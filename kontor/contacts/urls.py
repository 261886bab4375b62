from django.urls import path

from kontor.contacts import views

urlpatterns = [
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/export/", views.contact_export, name="contact-export"),
    path("contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/<uuid:contact_id>/", views.contact_detail, name="contact-detail"),
    path("contacts/<uuid:contact_id>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<uuid:contact_id>/delete/", views.contact_delete, name="contact-delete"),
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/export/", views.organization_export, name="organization-export"),
    path("organizations/new/", views.organization_create, name="organization-create"),
    path(
        "organizations/<uuid:organization_id>/",
        views.organization_detail,
        name="organization-detail",
    ),
    path(
        "organizations/<uuid:organization_id>/edit/",
        views.organization_edit,
        name="organization-edit",
    ),
    path(
        "organizations/<uuid:organization_id>/delete/",
        views.organization_delete,
        name="organization-delete",
    ),
]
