from django.urls import path

from kontor.activities import views

urlpatterns = [
    path(
        "contacts/<uuid:contact_id>/activities/new/<slug:kind>/",
        views.activity_create,
        name="contact-activity-create",
    ),
    path(
        "organizations/<uuid:organization_id>/activities/new/<slug:kind>/",
        views.activity_create,
        name="organization-activity-create",
    ),
    path("contacts/<uuid:contact_id>/history/", views.record_timeline, name="contact-timeline"),
    path(
        "organizations/<uuid:organization_id>/history/",
        views.record_timeline,
        name="organization-timeline",
    ),
    path("activities/<uuid:activity_id>/", views.activity_detail, name="activity-detail"),
    path("activities/<uuid:activity_id>/delete/", views.activity_delete, name="activity-delete"),
    path("activities/<uuid:activity_id>/done/", views.task_done, name="task-done"),
    path("activities/<uuid:activity_id>/calendar.ics", views.activity_ics, name="activity-ics"),
    path("tasks/", views.my_tasks, name="my-tasks"),
]
