"""The site's URLs: every domain's pages, and the REST API with every
domain's router. The top floor: it may import every app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from kontor.access.api import router as access_router
from kontor.accounts.api import router as tokens_router
from kontor.activities.api import router as activities_router
from kontor.analytics.api import router as analytics_router
from kontor.api.api import api
from kontor.audit.api import router as audit_router
from kontor.consent.api import router as consent_router
from kontor.contacts.api import router as contacts_router
from kontor.dedupe.api import router as dedupe_router
from kontor.events.api import router as events_router
from kontor.files.api import router as files_router
from kontor.imports.api import router as imports_router
from kontor.integration.email.api import router as email_router
from kontor.integration.sync.api import router as sync_router
from kontor.integration.webhooks.api import router as webhooks_router
from kontor.mail.api import router as mail_router
from kontor.notifications.api import router as notifications_router
from kontor.privacy.api import router as privacy_router
from kontor.quality.api import router as quality_router
from kontor.sales.api import router as sales_router
from kontor.service.addresses_api import router as service_addresses_router
from kontor.service.api import router as service_router
from kontor.sla.api import router as sla_router
from kontor.tasks.api import router as jobs_router
from kontor.telephony.api import router as telephony_router
from kontor.workflow.api import router as workflow_router

for router in (
    # Before contacts: /contacts/merge is no contact id.
    dedupe_router,
    contacts_router,
    activities_router,
    files_router,
    notifications_router,
    tokens_router,
    telephony_router,
    mail_router,
    sales_router,
    sla_router,
    service_router,
    service_addresses_router,
    events_router,
    access_router,
    audit_router,
    jobs_router,
    webhooks_router,
    sync_router,
    email_router,
    privacy_router,
    consent_router,
    workflow_router,
    analytics_router,
    imports_router,
    quality_router,
):
    api.add_router("/", router)

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
    path("", include("kontor.tasks.urls")),
    path("", include("kontor.sales.urls")),
    path("", include("kontor.service.urls")),
    path("", include("kontor.integration.urls")),
    path("", include("kontor.privacy.urls")),
    path("", include("kontor.consent.urls")),
    path("", include("kontor.workflow.urls")),
    path("", include("kontor.dedupe.urls")),
    path("", include("kontor.analytics.urls")),
    path("", include("kontor.imports.urls")),
    path("", include("kontor.quality.urls")),
]
