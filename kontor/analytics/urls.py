from django.urls import path

from kontor.analytics import views

urlpatterns = [
    path("analytics/", views.home, name="analytics-home"),
    path("analytics/<slug:dashboard_key>.csv", views.dashboard_csv, name="analytics-csv"),
    path("analytics/<slug:dashboard_key>/", views.dashboard_page, name="analytics-dashboard"),
]
