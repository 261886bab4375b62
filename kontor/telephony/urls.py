from django.urls import path

from kontor.telephony import views

urlpatterns = [
    path("calls/", views.call_list, name="call-list"),
    path("calls/<uuid:call_id>/pop/", views.call_pop, name="call-pop"),
    path("calls/<uuid:call_id>/contact/", views.call_create_contact, name="call-create-contact"),
]
