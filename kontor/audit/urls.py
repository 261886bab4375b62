from django.urls import path

from kontor.audit import views

urlpatterns = [
    path("audit/", views.audit_search, name="audit-search"),
    path(
        "audit/<slug:object_type>/<str:object_id>/",
        views.record_history,
        name="audit-record-history",
    ),
]
