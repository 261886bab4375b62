from django.urls import path

from kontor.service import views

urlpatterns = [
    path("tickets/", views.ticket_queue, name="ticket-queue"),
    path("tickets/bulk/", views.ticket_bulk, name="ticket-bulk"),
    path("tickets/new/", views.ticket_create, name="ticket-create"),
    path("tickets/<uuid:ticket_id>/", views.ticket_detail, name="ticket-detail"),
    path("tickets/<uuid:ticket_id>/edit/", views.ticket_edit, name="ticket-edit"),
    path("tickets/<uuid:ticket_id>/change/", views.ticket_quick_edit, name="ticket-quick-edit"),
    path("tickets/<uuid:ticket_id>/messages/", views.ticket_message, name="ticket-message"),
]
