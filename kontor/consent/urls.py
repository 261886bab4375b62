from django.urls import path

from kontor.consent import views

urlpatterns = [
    path("consent/confirm/<str:token>/", views.confirm, name="consent-confirm"),
    path("consent/purposes/", views.purpose_list, name="consent-purpose-list"),
    path(
        "contacts/<uuid:contact_id>/consents/",
        views.contact_record,
        name="consent-contact-record",
    ),
    path(
        "contacts/<uuid:contact_id>/consents/opt-in/",
        views.contact_opt_in,
        name="consent-contact-opt-in",
    ),
]
