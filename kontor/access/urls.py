from django.urls import path

from kontor.access import views

urlpatterns = [
    path(
        "settings/data-protection/",
        views.data_protection_settings,
        name="data-protection-settings",
    ),
]
