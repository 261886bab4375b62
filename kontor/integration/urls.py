from django.urls import path

from kontor.integration import views

urlpatterns = [
    path("webhooks/", views.webhook_list, name="webhook-list"),
    path("webhooks/<uuid:webhook_id>/on/", views.webhook_switch_on, name="webhook-switch-on"),
]
