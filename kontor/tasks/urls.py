from django.urls import path

from kontor.tasks import views

urlpatterns = [
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<uuid:job_id>/retry/", views.job_retry, name="job-retry"),
]
