from django.urls import path

from kontor.quality import views

urlpatterns = [path("quality/", views.queue, name="quality-queue")]
