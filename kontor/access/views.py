"""The data protection settings page: works-council mode, retention of the
audit trail, encryption and (for administrators) the field categories,
in words that can be attached to a works agreement."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kontor.access import selectors, works_council
from kontor.access.defaults import display_name
from kontor.access.grants import access_for


@login_required
@require_GET
def data_protection_settings(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    return render(
        request,
        "access/data_protection.html",
        {
            "works_council": works_council.is_on(),
            "min_group": works_council.min_group(),
            "retention_days": settings.KONTOR_AUDIT_RETENTION_DAYS,
            "sensitive_retention_days": settings.KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS,
            "my_roles": [display_name(r.slug, r.name) for r in request.user.kontor_roles.all()],
            "my_teams": list(selectors.teams_of(request.user)),
            "fields": selectors.field_category_list() if access.manage_access else None,
            "roles": (
                [(display_name(r.slug, r.name), r) for r in selectors.role_list()]
                if access.manage_access
                else None
            ),
        },
    )
