from django.urls import path

from kontor.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_read_all, name="notification-read-all"),
    path(
        "notifications/<uuid:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
]
