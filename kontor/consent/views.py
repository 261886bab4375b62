"""The consent pages: the public page the double opt-in link opens, the
forms of the contact's Consents section, and the administrators' purposes."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kontor.access.services import require_manage_access
from kontor.consent import selectors, services
from kontor.contacts.selectors import contact_get
from kontor.core.exceptions import FieldErrors


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@require_GET
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Public (no login): the person confirms their consent."""
    try:
        opt_in = services.opt_in_confirm(
            token=token,
            ip_address=_client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except services.ExpiredLink:
        return render(request, "consent/confirm.html", {"outcome": "expired"}, status=410)
    except services.InvalidLink:
        return render(request, "consent/confirm.html", {"outcome": "invalid"}, status=400)
    return render(
        request, "consent/confirm.html", {"outcome": "confirmed", "purpose": opt_in.purpose}
    )


def _contact(request: HttpRequest, contact_id: UUID):
    contact = contact_get(user=request.user, contact_id=contact_id)
    if contact is None:
        raise Http404
    return contact


def _report(request: HttpRequest, exc: FieldErrors) -> None:
    for field, reasons in exc.errors.items():
        for reason in reasons:
            messages.error(request, f"{field}: {reason}")


@login_required
@require_POST
def contact_record(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    contact = _contact(request, contact_id)
    data = {
        name: request.POST.get(name, "").strip()
        for name in ("status", "legal_basis", "source", "text_version", "channel")
    }
    try:
        services.consent_record(
            actor=request.user,
            contact=contact,
            purpose_key=request.POST.get("purpose", ""),
            data=data,
        )
    except FieldErrors as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The consent was recorded."))
    return redirect(contact.get_absolute_url() + "#consents")


@login_required
@require_POST
def contact_opt_in(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    contact = _contact(request, contact_id)
    try:
        opt_in = services.opt_in_request(
            actor=request.user,
            contact=contact,
            purpose_key=request.POST.get("purpose", ""),
            text_version=request.POST.get("text_version", "").strip(),
        )
    except FieldErrors as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("A confirmation email was sent to %(address)s.") % {"address": opt_in.address},
        )
    return redirect(contact.get_absolute_url() + "#consents")


@login_required
@require_http_methods(["GET", "POST"])
def purpose_list(request: HttpRequest) -> HttpResponse:
    require_manage_access(request.user)
    if request.method == "POST":
        try:
            services.purpose_create(
                actor=request.user,
                key=request.POST.get("key", "").strip(),
                name=request.POST.get("name", "").strip(),
                description=request.POST.get("description", "").strip(),
                requires_consent=bool(request.POST.get("requires_consent")),
            )
        except FieldErrors as exc:
            _report(request, exc)
        else:
            messages.success(request, _("The purpose was created."))
            return redirect("consent-purpose-list")
    return render(request, "consent/purpose_list.html", {"purposes": selectors.purpose_list()})
