from django.urls import path

from kontor.workflow import views

urlpatterns = [
    path("workflows/", views.rule_list, name="workflow-list"),
    path("workflows/new/", views.rule_new, name="workflow-new"),
    path("workflows/<uuid:rule_id>/", views.rule_runs, name="workflow-runs"),
    path("workflows/<uuid:rule_id>/edit/", views.rule_edit, name="workflow-edit"),
    path("workflows/<uuid:rule_id>/delete/", views.rule_delete, name="workflow-delete"),
]
