"""The ticket pages: the queues (per team, with the tabs my tickets,
unassigned, due soon and breached, and bulk assign and close), a ticket
with its conversation, and the forms to open and change one."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kontor.access.models import Team
from kontor.access.policy import fields_for, may_use_level
from kontor.access.rights import Action
from kontor.activities.links import note_visible_links
from kontor.activities.selectors import visible_activities, with_related
from kontor.contacts.selectors import contact_get, organization_get
from kontor.contacts.visibility import (
    note_visible_customers,
    shown_contact,
    shown_organization_id,
)
from kontor.core.db_router import reads_from_replica
from kontor.core.exceptions import FieldErrors, PermissionDenied, VersionConflict
from kontor.core.ids import parse_uuid
from kontor.core.pagination import page_links, paginate
from kontor.service import selectors, services
from kontor.service.forms import BulkForm, MessageForm, QuickEditForm, TicketForm
from kontor.service.models import Ticket

PAGE_SIZE = 50
ORDER = ("-created_at", "-id")
TABS = (
    ("open", gettext_lazy("Open")),
    ("mine", gettext_lazy("My tickets")),
    ("unassigned", gettext_lazy("Unassigned")),
    ("due_soon", gettext_lazy("Due soon")),
    ("breached", gettext_lazy("Breached")),
    ("done", gettext_lazy("Resolved and closed")),
)


def _ticket_or_404(request: HttpRequest, ticket_id: UUID) -> Ticket:
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    if ticket is None:
        raise Http404
    return ticket


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def _messages_of(exc: FieldErrors) -> str:
    from kontor.contacts.forms import translate_reason

    return "; ".join(
        translate_reason(reason) for reasons in exc.errors.values() for reason in reasons
    )


def _filters(request: HttpRequest, tab: str, team: Team | None) -> selectors.TicketFilters:
    base: dict[str, Any] = {"team_id": team.pk if team else None,
                            "q": request.GET.get("q", "")[:200]}  # fmt: skip
    if tab == "mine":
        return selectors.TicketFilters(assignee_id=request.user.pk, open_only=True, **base)
    if tab == "unassigned":
        return selectors.TicketFilters(unassigned=True, open_only=True, **base)
    if tab == "due_soon":
        return selectors.TicketFilters(due_soon=True, **base)
    if tab == "breached":
        return selectors.TicketFilters(breached=True, open_only=True, **base)
    if tab == "done":
        return selectors.TicketFilters(done_only=True, **base)
    return selectors.TicketFilters(open_only=True, **base)


@login_required
@require_GET
@reads_from_replica
def ticket_queue(request: HttpRequest) -> HttpResponse:
    """The queue of a team (or every queue): its open tickets by tab."""
    tab = request.GET.get("tab") or "open"
    if tab not in dict(TABS):
        tab = "open"
    teams = list(Team.objects.all())
    team_pk = parse_uuid(request.GET.get("team") or "")
    team = next((t for t in teams if t.pk == team_pk), None)
    tickets = selectors.ticket_list(user=request.user, filters=_filters(request, tab, team))
    try:
        page = paginate(tickets, order=ORDER, limit=PAGE_SIZE,
                        cursor=request.GET.get("cursor") or None)  # fmt: skip
    except FieldErrors:
        page = paginate(tickets, order=ORDER, limit=PAGE_SIZE, cursor=None)
    note_visible_customers(request.user, page.items)
    for ticket in page.items:
        ticket.due_state = selectors.due_state(ticket)
        ticket.next_due_at = selectors.next_due_at(ticket)
        ticket.shown_contact = shown_contact(request.user, ticket)
    return render(
        request,
        "service/queue.html",
        {
            "page": page,
            "tabs": TABS,
            "tab": tab,
            "teams": teams,
            "team": team,
            "bulk_form": BulkForm(),
            "may_create": may_use_level(request.user, "ticket", Action.CREATE),
            **page_links(request, page),
        },
    )


@login_required
@require_POST
def ticket_bulk(request: HttpRequest) -> HttpResponse:
    """Assign or close the checked tickets of a queue page."""
    back = _safe_next(request, reverse("ticket-queue"))
    form = BulkForm(request.POST)
    ids = [pk for value in request.POST.getlist("ids") if (pk := parse_uuid(value))]
    if not form.is_valid() or not ids:
        messages.error(request, _("Check at least one ticket and choose what to do."))
        return redirect(back)
    tickets = list(selectors.visible_tickets(request.user).filter(pk__in=ids[: services.MAX_BULK]))
    try:
        if form.cleaned_data["action"] == "assign":
            changed, refused = services.tickets_assign(
                actor=request.user, tickets=tickets, assignee=form.cleaned_data["assignee"]
            )
        else:
            changed, refused = services.tickets_close(actor=request.user, tickets=tickets)
    except FieldErrors as exc:
        messages.error(request, _messages_of(exc))
        return redirect(back)
    messages.success(request, _("%(count)d tickets changed.") % {"count": len(changed)})
    if refused:
        messages.warning(
            request,
            _("You may not change %(count)d of them.") % {"count": len(refused)},
        )
    return redirect(back)


def _form_page(request: HttpRequest, form: TicketForm, ticket: Ticket | None, status: int = 200):
    return render(request, "service/ticket_form.html", {"form": form, "ticket": ticket},
                  status=status)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def ticket_create(request: HttpRequest) -> HttpResponse:
    if not may_use_level(request.user, "ticket", Action.CREATE):
        raise PermissionDenied(_("You may not create tickets."))
    if request.method == "POST":
        form = TicketForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.service_data()
            if not form.errors:
                try:
                    ticket = services.ticket_create(actor=request.user, data=data)
                except FieldErrors as exc:
                    form.add_service_errors(exc.errors)
                else:
                    messages.success(
                        request, _("Ticket %(number)s was opened.") % {"number": ticket.number}
                    )
                    return redirect(ticket)
        return _form_page(request, form, None, status=422)
    initial: dict[str, Any] = {"priority": "normal", "channel": "phone"}
    if team := Team.objects.filter(pk=parse_uuid(request.GET.get("team") or "")).first():
        initial["team"] = team.pk
    if organization := organization_get(
        user=request.user, organization_id=request.GET.get("organization")
    ):
        initial.update(organization=organization.name, organization_id=organization.pk)
    if contact := contact_get(user=request.user, contact_id=request.GET.get("contact")):
        initial.update(contact=contact.display_name, contact_id=contact.pk)
    return _form_page(request, TicketForm(user=request.user, initial=initial), None)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_edit(request: HttpRequest, ticket_id: UUID) -> HttpResponse:
    ticket = _ticket_or_404(request, ticket_id)
    if not selectors.may(request.user, Action.EDIT, ticket):
        raise PermissionDenied(_("You may not change this ticket."))
    if request.method == "POST":
        form = TicketForm(request.POST, user=request.user, ticket=ticket)
        if form.is_valid():
            data = form.service_data()
            if not form.errors:
                try:
                    services.ticket_update(
                        actor=request.user,
                        ticket=ticket,
                        data=data,
                        expected_version=form.cleaned_data.get("version"),
                    )
                except FieldErrors as exc:
                    form.add_service_errors(exc.errors)
                except VersionConflict:
                    form.add_error(None, _("Someone changed this ticket meanwhile; reload it."))
                else:
                    messages.success(request, _("The ticket was saved."))
                    return redirect(ticket)
        return _form_page(request, form, ticket, status=422)
    return _form_page(request, TicketForm(user=request.user, ticket=ticket), ticket)


@login_required
@require_GET
def ticket_detail(request: HttpRequest, ticket_id: UUID) -> HttpResponse:
    """The ticket, its clock, its conversation and what was logged about it."""
    ticket = _ticket_or_404(request, ticket_id)
    return _detail_page(request, ticket)


def _detail_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    message_form: MessageForm | None = None,
    edit_form: QuickEditForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    note_visible_customers(user, [ticket])
    conversation = list(selectors.ticket_messages(user=user, ticket=ticket))
    about = visible_activities(user).filter(linked_type="ticket", linked_id=ticket.pk)
    activities = list(with_related(about).order_by("-occurred_at", "-id")[:20])
    note_visible_links(user, activities)
    may_edit = selectors.may(user, Action.EDIT, ticket)
    if edit_form is None:
        edit_form = QuickEditForm(
            initial={
                "status": ticket.status,
                "priority": ticket.priority,
                "assignee": ticket.assignee_id,
                "team": ticket.team_id,
                "version": ticket.version,
            }
        )
    return render(
        request,
        "service/ticket_detail.html",
        {
            "ticket": ticket,
            "contact": shown_contact(user, ticket),
            "organization": ticket.organization if shown_organization_id(user, ticket) else None,
            "conversation": conversation,
            "activities": activities,
            "due_state": selectors.due_state(ticket),
            "breached": selectors.is_breached(ticket),
            "may_edit": may_edit,
            "readable": fields_for(user, "ticket"),
            "message_form": message_form or MessageForm(),
            "edit_form": edit_form,
        },
        status=status,
    )


@login_required
@require_POST
def ticket_quick_edit(request: HttpRequest, ticket_id: UUID) -> HttpResponse:
    """Status, priority, assignee and queue from the ticket's page."""
    ticket = _ticket_or_404(request, ticket_id)
    form = QuickEditForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_update(
                actor=request.user,
                ticket=ticket,
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version"),
            )
        except FieldErrors as exc:
            form.add_service_errors(exc.errors)
        except VersionConflict:
            form.add_error(None, _("Someone changed this ticket meanwhile; reload it."))
        else:
            messages.success(request, _("The ticket was saved."))
            return redirect(ticket)
    return _detail_page(request, ticket, edit_form=form, status=422)


@login_required
@require_POST
def ticket_message(request: HttpRequest, ticket_id: UUID) -> HttpResponse:
    """A reply (emailed to the customer) or an internal note."""
    ticket = _ticket_or_404(request, ticket_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            message = services.ticket_add_message(
                actor=request.user,
                ticket=ticket,
                kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"],
            )
        except FieldErrors as exc:
            form.add_service_errors(exc.errors)
        else:
            if message.email_id:
                messages.success(request, _("The reply is on its way to the customer."))
            else:
                messages.success(request, _("The note was added."))
            return redirect(ticket)
    ticket.refresh_from_db()
    return _detail_page(request, ticket, message_form=form, status=422)
