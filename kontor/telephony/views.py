"""Web UI of calls: the screen pop (a partial the browser fetches when the
phone rings), "make a contact of this unknown caller", and the calls list."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kontor.core.exceptions import FieldErrors
from kontor.core.pagination import paginate
from kontor.telephony import selectors, services
from kontor.telephony.models import Call
from kontor.telephony.screen_pop import caller_matches, record_details

CALLS_PAGE_SIZE = 50


def _call_or_404(request: HttpRequest, call_id: UUID) -> Call:
    call = selectors.call_get(user=request.user, call_id=call_id)
    if call is None:
        raise Http404
    return call


@login_required
def call_pop(request: HttpRequest, call_id: UUID) -> HttpResponse:
    """The screen pop of a call, as the user may see it."""
    call = _call_or_404(request, call_id)
    restricted: list = []
    matches = caller_matches(user=request.user, call=call, restricted=restricted)
    details = record_details(user=request.user, matches=matches, call=call)
    return render(
        request,
        "telephony/_screen_pop.html",
        {
            "call": call,
            "details": details,
            "other_matches": matches[len(details) :],
            "restricted": not matches and bool(restricted),
        },
    )


@login_required
@require_POST
def call_create_contact(request: HttpRequest, call_id: UUID) -> HttpResponse:
    call = _call_or_404(request, call_id)
    try:
        contact = services.call_create_contact(actor=request.user, call=call)
    except FieldErrors as exc:
        for reasons in exc.errors.values():
            for reason in reasons:
                messages.error(request, reason)
        return redirect("call-list")
    messages.success(
        request,
        _("Contact created from %(number)s; the call is on its timeline.")
        % {"number": call.number},
    )
    return redirect(contact.get_absolute_url())


@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    unknown_only = request.GET.get("unknown") == "1"
    try:
        page = paginate(
            selectors.call_list(user=request.user, unknown_only=unknown_only),
            order=("-created_at", "-id"),
            limit=CALLS_PAGE_SIZE,
            cursor=request.GET.get("cursor"),
        )
    except FieldErrors:
        raise Http404 from None
    return render(request, "telephony/call_list.html", {"page": page, "unknown_only": unknown_only})
