from django.urls import path

from kontor.privacy import views

urlpatterns = [
    path("privacy/requests/", views.request_list, name="privacy-request-list"),
    path("privacy/requests/new/", views.request_new, name="privacy-request-new"),
    path(
        "privacy/requests/<uuid:request_id>/",
        views.request_detail,
        name="privacy-request-detail",
    ),
    path(
        "privacy/requests/<uuid:request_id>/export/",
        views.request_download,
        name="privacy-request-export",
    ),
    path(
        "privacy/requests/<uuid:request_id>/close/",
        views.request_close,
        name="privacy-request-close",
    ),
    path(
        "privacy/requests/<uuid:request_id>/execute/",
        views.request_execute,
        name="privacy-request-execute",
    ),
    path(
        "privacy/requests/<uuid:request_id>/lift/",
        views.request_lift,
        name="privacy-request-lift",
    ),
    path("privacy/retention/", views.retention_rules, name="privacy-retention"),
    path(
        "privacy/retention/rules/<uuid:rule_id>/",
        views.retention_rule,
        name="privacy-retention-rule",
    ),
    path(
        "privacy/retention/runs/<uuid:run_id>/", views.retention_run, name="privacy-retention-run"
    ),
    path("privacy/register/", views.register_page, name="privacy-register"),
    path("privacy/register.pdf", views.register_download, name="privacy-register-pdf"),
]
