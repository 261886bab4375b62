from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from kontor.api.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="contact-list"), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("kontor.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("kontor.contacts.urls")),
    path("", include("kontor.access.urls")),
    path("", include("kontor.audit.urls")),
    path("", include("kontor.activities.urls")),
    path("", include("kontor.files.urls")),
    path("", include("kontor.notifications.urls")),
    path("", include("kontor.telephony.urls")),
    path("", include("kontor.mail.urls")),
]
