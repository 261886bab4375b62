"""Web UI of sales: the kanban board per pipeline, the forecast, a deal's
own 360° page, quotes (with lines, PDF, sending, accepting), orders,
invoices and products. Thin views: reads through the selectors, writes
through the services, like the API."""

import datetime
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kontor.access import works_council
from kontor.access.policy import can, can_create, fields_for, may_use_level, require
from kontor.access.rights import Action
from kontor.activities.links import note_visible_links
from kontor.activities.models import Kind, TaskStatus
from kontor.activities.selectors import visible_activities, with_related
from kontor.audit.services import audit_read
from kontor.contacts.visibility import (
    note_visible_customers,
    note_visible_organizations,
    shown_customer,
)
from kontor.core.db_router import reads_from_replica
from kontor.core.exceptions import FieldErrors, PermissionDenied, VersionConflict
from kontor.core.outgoing_mail import queued_email
from kontor.core.pagination import page_links, paginate
from kontor.exports.http import export_download
from kontor.exports.menu import export_links
from kontor.files import services as file_services
from kontor.files.selectors import visible_attachments
from kontor.sales import selectors, services
from kontor.sales.extras import note_deal_extras
from kontor.sales.forms import (
    LINE_ROWS,
    MAX_LINE_ROWS,
    BoardFilterForm,
    DealForm,
    MoveForm,
    OrderStatusForm,
    ProductForm,
    QuoteForm,
    SendForm,
    line_forms,
)
from kontor.sales.lines import document_totals
from kontor.sales.models import Deal, InvoiceStatus, Quote, QuoteStatus, StageKind
from kontor.sales.pdf import quote_file_name, quote_pdf
from kontor.sources.services import maintained_fields, source_label

CARDS_PER_COLUMN = 20
PAGE_SIZE = 50
CONFLICT = gettext_lazy(
    "Someone else changed this deal meanwhile, so it was not moved. The board now shows "
    "the current state; move it again if you still want to."
)


def _deal_or_404(request: HttpRequest, deal_id: UUID) -> Deal:
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    if deal is None:
        raise Http404
    return deal


def _quote_or_404(request: HttpRequest, quote_id: UUID) -> Quote:
    quote = selectors.quote_get(user=request.user, quote_id=quote_id)
    if quote is None:
        raise Http404
    return quote


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _messages_of(exc: FieldErrors) -> str:
    from kontor.contacts.forms import translate_reason

    return " ".join(translate_reason(r) for reasons in exc.errors.values() for r in reasons)


# The board -----------------------------------------------------------------------------


@login_required
@require_GET
def sales_home(request: HttpRequest) -> HttpResponse:
    pipeline = selectors.default_pipeline()
    if pipeline is None:
        raise Http404
    return redirect("sales-board", pipeline.pk)


def _pipeline_or_404(pipeline_id: UUID):
    pipeline = selectors.pipeline_get(pipeline_id)
    if pipeline is None:
        raise Http404
    return pipeline


@login_required
@require_GET
@reads_from_replica
def board(request: HttpRequest, pipeline_id: UUID) -> HttpResponse:
    """A column per stage with its count, sum and weighted sum; cards move by
    drag and drop (sales/board.js) or, without JavaScript, by each card's
    own form."""
    pipeline = _pipeline_or_404(pipeline_id)
    filters_form = BoardFilterForm(request.GET or None)
    filters = selectors.DealFilters(**filters_form.filters()) if request.GET else None
    if filters is not None:
        _works_council_check(request, filters)
    columns = selectors.board_columns(
        user=request.user,
        pipeline=pipeline,
        filters=filters or selectors.DealFilters(),
        page_size=CARDS_PER_COLUMN,
    )
    deals = [deal for column in columns for deal in column.deals]
    note_visible_customers(request.user, deals)
    note_deal_extras(request.user, deals)
    return render(
        request,
        "sales/board.html",
        {
            "pipeline": pipeline,
            "pipelines": selectors.pipeline_list(),
            "columns": columns,
            "filters": filters_form,
            "stages": list(pipeline.stages.all()),
            "amounts": fields_for(request.user, "deal").may_read("amount"),
            "query": request.GET.urlencode(),
            "may_create": may_use_level(request.user, "deal", Action.CREATE),
            "export_links": export_links(
                request, "deal", reverse("sales-board-export", args=[pipeline.pk])
            ),
        },
    )


@login_required
@require_GET
def board_export(request: HttpRequest, pipeline_id: UUID) -> HttpResponse:
    """The deals the board shows with its filters as a file (kontor.exports)."""
    pipeline = _pipeline_or_404(pipeline_id)
    values = BoardFilterForm(request.GET).filters()
    filters = selectors.DealFilters(**values)
    _works_council_check(request, filters)
    deals = selectors.board_deals(user=request.user, pipeline=pipeline, filters=filters)
    return export_download(
        request,
        key="deal",
        records=selectors.with_deal_details(deals),
        filters={"pipeline_id": pipeline.pk, **values},
        order=selectors.ORDER,
        back_url=reverse("sales-board", args=[pipeline.pk]),
    )


@login_required
@require_GET
@reads_from_replica
def board_column(request: HttpRequest, pipeline_id: UUID, stage_id: UUID) -> HttpResponse:
    """The next page of one column's cards (the board's "more" link)."""
    pipeline = _pipeline_or_404(pipeline_id)
    stage = pipeline.stages.filter(pk=stage_id).first()
    if stage is None:
        raise Http404
    filters_form = BoardFilterForm(request.GET)
    _works_council_check(request, selectors.DealFilters(**filters_form.filters()))
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("fragment", None)
    try:
        page = selectors.column_page(
            user=request.user,
            pipeline=pipeline,
            stage=stage,
            filters=selectors.DealFilters(**filters_form.filters()),
            limit=CARDS_PER_COLUMN,
            cursor=request.GET.get("cursor") or None,
        )
    except FieldErrors:
        return redirect("sales-board", pipeline.pk)
    note_visible_customers(request.user, page.items)
    note_deal_extras(request.user, page.items)
    context = {
        "pipeline": pipeline,
        "stage": stage,
        "deals": page.items,
        "next": page.next,
        "query": query.urlencode(),
        "stages": list(pipeline.stages.all()),
        "amounts": fields_for(request.user, "deal").may_read("amount"),
    }
    template = "sales/_column_page.html" if request.GET.get("fragment") else "sales/column.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def deal_move(request: HttpRequest, deal_id: UUID) -> HttpResponse:
    """Move a card: POSTed by the board's script (JSON answer) or by the
    card's form; GET shows the form alone (a lost stage asks for a reason).
    The script's answers are 200 with ``ok`` false and the reason for a
    conflict or a missing lost reason: the board shows them itself (the
    public API answers 409 and 422)."""
    deal = _deal_or_404(request, deal_id)
    board_url = _safe_next(request, reverse("sales-board", args=[deal.pipeline_id]))
    form = MoveForm(request.POST or None, initial={"stage": request.GET.get("stage")})
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_move(
                actor=request.user,
                deal=deal,
                stage=form.cleaned_data["stage"],
                lost_reason=form.cleaned_data.get("lost_reason") or None,
                expected_version=form.cleaned_data.get("version"),
            )
        except VersionConflict:
            if _wants_json(request):
                return JsonResponse({"ok": False, "conflict": True, "error": str(CONFLICT)})
            messages.error(request, CONFLICT)
            return redirect(board_url)
        except FieldErrors as exc:
            error = _messages_of(exc)
            if _wants_json(request):
                url = reverse("deal-move", args=[deal.pk])
                stage = form.cleaned_data["stage"]
                return JsonResponse(
                    {
                        "ok": False,
                        "error": error,
                        "form_url": f"{url}?stage={stage}&next={board_url}",
                    }
                )
        else:
            if _wants_json(request):
                return JsonResponse({"ok": True})
            messages.success(request, _("“%(title)s” was moved.") % {"title": deal.title})
            return redirect(board_url)
    elif request.method == "POST":
        error = _("Choose a stage.")
    return render(
        request,
        "sales/deal_move.html",
        {
            "deal": deal,
            "form": form,
            "error": error,
            "stages": list(deal.pipeline.stages.all()),
            "chosen": request.POST.get("stage") or request.GET.get("stage") or str(deal.stage_id),
            "next": board_url,
        },
    )


def _works_council_check(request: HttpRequest, filters: selectors.DealFilters) -> None:
    """The board of one employee, or of a team below the minimum size, is no
    view for colleagues in works-council mode (kontor.access.works_council)."""
    works_council.require_employee_view(request.user, filters.owner_id)
    if filters.team_id is not None:
        works_council.require_group_view(request.user, selectors._team_member_ids(filters.team_id))


@login_required
@require_GET
def forecast(request: HttpRequest, pipeline_id: UUID) -> HttpResponse:
    """Weighted amounts of open deals by expected close month. In works-council
    mode only for the whole pipeline or a team of at least the minimum size,
    never for one employee."""
    pipeline = _pipeline_or_404(pipeline_id)
    filters = BoardFilterForm(request.GET or None)
    if not works_council.may_show_per_employee():
        del filters.fields["owner"]
    chosen = filters.filters() if request.GET else {}
    owner_ids = None
    too_small = False
    if chosen.get("owner_id") and works_council.may_show_per_employee():
        owner_ids = [chosen["owner_id"]]
    elif chosen.get("team_id"):
        owner_ids = selectors._team_member_ids(chosen["team_id"])
        too_small = works_council.group_aggregate(dict.fromkeys(owner_ids, 0)) is None
    rows = [] if too_small else selectors.forecast(
        user=request.user, pipeline=pipeline, owner_ids=owner_ids
    )  # fmt: skip
    return render(
        request,
        "sales/forecast.html",
        {
            "pipeline": pipeline,
            "pipelines": selectors.pipeline_list(),
            "rows": rows,
            "filters": filters,
            "too_small": too_small,
            "min_group": works_council.min_group(),
            "amounts": fields_for(request.user, "deal").may_read("amount"),
        },
    )


# Deals ------------------------------------------------------------------------------------


def _deal_form_page(request: HttpRequest, form: DealForm, deal: Deal | None, status: int = 200):
    return render(request, "sales/deal_form.html", {"form": form, "deal": deal}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest) -> HttpResponse:
    if not may_use_level(request.user, "deal", Action.CREATE):
        raise PermissionDenied(_("You may not create deals."))
    if request.method == "POST":
        form = DealForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.service_data()
            if not form.errors:
                try:
                    deal = services.deal_create(actor=request.user, data=data)
                except FieldErrors as exc:
                    form.add_service_errors(exc.errors)
                else:
                    messages.success(request, _("Deal “%(title)s” was created.") % {"title": deal})
                    return redirect(deal)
        return _deal_form_page(request, form, None)
    pipeline = selectors.pipeline_get(request.GET.get("pipeline")) or selectors.default_pipeline()
    stage = pipeline.stages.filter(pk=selectors.parse_uuid(request.GET.get("stage"))).first()
    stage = stage or pipeline.stages.filter(kind=StageKind.OPEN).first()
    initial: dict[str, Any] = {"owner": request.user.pk, "pipeline": pipeline.pk,
                               "stage": str(stage.pk) if stage else None}  # fmt: skip
    from kontor.contacts.selectors import contact_get, organization_get

    if organization := organization_get(
        user=request.user, organization_id=request.GET.get("organization")
    ):
        initial.update(organization=organization.name, organization_id=organization.pk)
    if contact := contact_get(user=request.user, contact_id=request.GET.get("contact")):
        initial.update(contact=contact.display_name, contact_id=contact.pk)
        if contact.organization_id and not organization:
            organization = organization_get(
                user=request.user, organization_id=contact.organization_id
            )
            if organization:
                initial.update(organization=organization.name, organization_id=organization.pk)
    return _deal_form_page(request, DealForm(user=request.user, initial=initial), None)


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, deal_id: UUID) -> HttpResponse:
    deal = _deal_or_404(request, deal_id)
    require(request.user, Action.EDIT, deal)
    if request.method == "POST":
        form = DealForm(request.POST, user=request.user, deal=deal)
        if form.is_valid():
            data = form.service_data()
            if not form.errors:
                try:
                    services.deal_update(
                        actor=request.user,
                        deal=deal,
                        data=data,
                        expected_version=form.cleaned_data.get("version"),
                    )
                except FieldErrors as exc:
                    form.add_service_errors(exc.errors)
                except VersionConflict:
                    form.add_error(None, _("Someone else changed this deal meanwhile, so your "
                                           "changes were not saved. Reload the page."))  # fmt: skip
                    return _deal_form_page(request, form, deal, status=409)
                else:
                    messages.success(request, _("Your changes were saved."))
                    return redirect(deal)
    else:
        form = DealForm(user=request.user, deal=deal)
    return _deal_form_page(request, form, deal)


@login_required
@require_http_methods(["GET", "POST"])
def deal_delete(request: HttpRequest, deal_id: UUID) -> HttpResponse:
    deal = _deal_or_404(request, deal_id)
    require(request.user, Action.DELETE, deal)
    if request.method == "POST":
        version = request.POST.get("version", "")
        try:
            services.deal_delete(
                actor=request.user,
                deal=deal,
                expected_version=int(version) if version.isdigit() else None,
            )
        except VersionConflict:
            messages.error(request, _("Someone else changed this deal meanwhile; check it."))
            return redirect(deal)
        messages.success(request, _("Deal “%(title)s” was deleted.") % {"title": deal})
        return redirect("sales-board", deal.pipeline_id)
    return render(request, "sales/deal_confirm_delete.html", {"deal": deal})


@login_required
@require_GET
def deal_detail(request: HttpRequest, deal_id: UUID) -> HttpResponse:
    """The deal's own 360°: facts, stage history, what was logged about it,
    its open tasks, quotes, files and the people involved."""
    deal = _deal_or_404(request, deal_id)
    user = request.user
    about = visible_activities(user).filter(linked_type="deal", linked_id=deal.pk)
    activities = list(with_related(about).order_by("-occurred_at", "-id")[:50])
    open_tasks = [a for a in activities if a.kind == Kind.TASK and a.status == TaskStatus.OPEN]
    note_visible_organizations(user, activities)
    note_visible_links(user, activities)
    quotes = list(
        selectors.visible_quotes(user).filter(deal=deal).select_related("order")
        .order_by(*selectors.ORDER)[:20]
    )  # fmt: skip
    files = list(selectors.deal_files(visible_attachments(user), deal)[:20])
    people = {}
    customer_contact = deal.contact if deal.contact_id else None
    from kontor.contacts.visibility import shown_contact_id

    if customer_contact and shown_contact_id(user, deal):
        people[customer_contact.pk] = customer_contact
    for activity in activities:
        for participant in activity.participant_list:
            if participant.contact_id:
                people.setdefault(participant.contact_id, participant.contact)
        if activity.contact_id and activity.contact:
            people.setdefault(activity.contact_id, activity.contact)
    parent = selectors.deal_file_parent(user, deal)
    note_deal_extras(user, [deal])
    return render(
        request,
        "sales/deal_detail.html",
        {
            "deal": deal,
            "customer": shown_customer(user, deal),
            "history": list(selectors.deal_history(deal).select_related("from_stage", "to_stage")),
            "activities": activities,
            "open_tasks": open_tasks,
            "quotes": quotes,
            "files": files,
            "people": list(people.values()),
            "amounts": fields_for(user, "deal").may_read("amount"),
            "readable": fields_for(user, "deal"),
            "can_edit": can(user, Action.EDIT, deal),
            "can_delete": can(user, Action.DELETE, deal),
            "can_log": parent is not None
            and can_create(
                user,
                "activity",
                owner_ids=[next(iter(parent.values())).owner_id],
                parents=list(parent.values()),
            ),
            "may_quote": may_use_level(user, "quote", Action.CREATE),
            "stages": list(deal.pipeline.stages.all()),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def deal_log(request: HttpRequest, deal_id: UUID) -> HttpResponse:
    """Log a note, a call or a task about the deal (on its contact or
    organization, naming the deal)."""
    from kontor.activities.services import activity_create

    deal = _deal_or_404(request, deal_id)
    kind = request.POST.get("kind", "note")
    if kind not in (Kind.NOTE, Kind.CALL, Kind.TASK):
        kind = Kind.NOTE
    data: dict[str, Any] = {
        "kind": kind,
        "subject": request.POST.get("subject", ""),
        "body": request.POST.get("body", ""),
        "deal_id": deal.pk,
    }
    if kind == Kind.TASK:
        due = request.POST.get("due_at") or ""
        data["due_at"] = due or (timezone.now() + datetime.timedelta(days=1)).isoformat()
    try:
        activity = activity_create(actor=request.user, data=data)
    except FieldErrors as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("%(kind)s saved.") % {"kind": activity.get_kind_display()})
    return redirect(deal)


@login_required
@require_POST
def deal_upload(request: HttpRequest, deal_id: UUID) -> HttpResponse:
    deal = _deal_or_404(request, deal_id)
    parent = selectors.deal_file_parent(request.user, deal)
    uploads: list[UploadedFile] = request.FILES.getlist("file")
    if parent is None or not uploads:
        messages.error(request, _("Choose a file to upload."))
        return redirect(deal)
    try:
        for upload in uploads:
            file_services.attachment_create(
                actor=request.user, upload=upload, linked=deal, **parent
            )
    except FieldErrors as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("Files attached."))
    return redirect(deal)


# Quotes ------------------------------------------------------------------------------------


def _rows(request: HttpRequest, default: int) -> int:
    value = request.POST.get("rows") or request.GET.get("rows") or ""
    rows = int(value) if value.isdigit() else default
    if "add_line" in request.POST:
        rows += 1
    return max(1, min(rows, MAX_LINE_ROWS))


def _quote_page(request: HttpRequest, form, lines, quote, status: int = 200) -> HttpResponse:
    return render(
        request,
        "sales/quote_form.html",
        {"form": form, "lines": lines, "quote": quote, "rows": len(lines)},
        status=status,
    )


def _quote_data(form: QuoteForm, lines: list) -> dict[str, Any] | None:
    data = form.customer_data()
    if form.errors:
        return None
    values = {
        **data,
        "valid_until": form.cleaned_data.get("valid_until"),
        "customer_address": form.cleaned_data.get("customer_address", ""),
        "introduction": form.cleaned_data.get("introduction", ""),
        "terms": form.cleaned_data.get("terms", ""),
        "lines": [line.line_data() for line in lines if not line.is_empty()],
    }
    if form.cleaned_data.get("deal_id"):
        values["deal_id"] = form.cleaned_data["deal_id"]
    if values["valid_until"] is None:
        values.pop("valid_until")
    return values


def _line_errors(lines: list, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Errors of ``lines[i].field`` go to the i-th filled row's field."""
    import re

    from kontor.contacts.forms import translate_reason

    filled = [line for line in lines if not line.is_empty()]
    rest = {}
    for key, reasons in errors.items():
        match = re.match(r"^lines\[(\d+)\]\.(\w+)$", key)
        if match and int(match[1]) < len(filled):
            line = filled[int(match[1])]
            field = match[2] if match[2] in line.fields else None
            if match[2] == "product_id":
                field = "product"
            line.add_error(field, [translate_reason(r) for r in reasons])
        else:
            rest[key] = reasons
    return rest


@login_required
@require_http_methods(["GET", "POST"])
def quote_create(request: HttpRequest) -> HttpResponse:
    if not may_use_level(request.user, "quote", Action.CREATE):
        raise PermissionDenied(_("You may not create quotes."))
    if request.method == "POST":
        rows = _rows(request, LINE_ROWS)
        form = QuoteForm(request.POST, user=request.user)
        lines = line_forms(request.POST, user=request.user, rows=rows)
        valid = form.is_valid() & all(line.is_valid() for line in lines)
        if valid and "add_line" not in request.POST:
            data = _quote_data(form, lines)
            if data is not None:
                try:
                    quote = services.quote_create(actor=request.user, data=data)
                except FieldErrors as exc:
                    form.add_service_errors(_line_errors(lines, exc.errors))
                else:
                    messages.success(request, _("Quote %(number)s was created.") % {
                        "number": quote.number})  # fmt: skip
                    return redirect(quote)
        return _quote_page(request, form, lines, None)
    initial: dict[str, Any] = {}
    deal = selectors.deal_get(user=request.user, deal_id=request.GET.get("deal"))
    form = QuoteForm(user=request.user, initial=initial)
    if deal is not None:
        form.initial["deal_id"] = deal.pk
        form.set_customer(deal)
    lines = line_forms(None, user=request.user, rows=LINE_ROWS)
    return _quote_page(request, form, lines, None)


@login_required
@require_http_methods(["GET", "POST"])
def quote_edit(request: HttpRequest, quote_id: UUID) -> HttpResponse:
    """A draft changes in place; a sent quote gets a new revision."""
    quote = _quote_or_404(request, quote_id)
    require(request.user, Action.EDIT, quote)
    stored = list(quote.lines.all())
    if request.method == "POST":
        form = QuoteForm(request.POST, user=request.user)
        lines = line_forms(request.POST, user=request.user, rows=_rows(request, len(stored)))
        valid = form.is_valid() & all(line.is_valid() for line in lines)
        if valid and "add_line" not in request.POST:
            data = _quote_data(form, lines)
            if data is not None:
                data.pop("deal_id", None)
                try:
                    result = services.quote_update(
                        actor=request.user,
                        quote=quote,
                        data=data,
                        expected_version=form.cleaned_data.get("version"),
                    )
                except FieldErrors as exc:
                    form.add_service_errors(_line_errors(lines, exc.errors))
                except VersionConflict:
                    form.add_error(None, _("Someone else changed this quote meanwhile. "
                                           "Reload the page."))  # fmt: skip
                    return _quote_page(request, form, lines, quote, status=409)
                else:
                    if result.pk != quote.pk:
                        messages.success(request, _("Revision %(number)s was made.") % {
                            "number": result.number})  # fmt: skip
                    else:
                        messages.success(request, _("Your changes were saved."))
                    return redirect(result)
        return _quote_page(request, form, lines, quote)
    form = QuoteForm(
        user=request.user,
        initial={
            "valid_until": quote.valid_until,
            "customer_address": quote.customer_address,
            "introduction": quote.introduction,
            "terms": quote.terms,
            "version": quote.version,
        },
    )
    form.set_customer(quote)
    initial = [
        {
            "product": str(line.product_id) if line.product_id else "",
            "description": line.description,
            "quantity": line.quantity.normalize(),
            "unit_price": line.unit_price.normalize(),
            "discount_percent": line.discount_percent.normalize(),
            "tax_rate": line.tax_rate.normalize(),
        }
        for line in stored
    ]
    lines = line_forms(None, user=request.user, rows=max(len(stored), 1), initial=initial)
    return _quote_page(request, form, lines, quote)


@login_required
@require_GET
def quote_detail(request: HttpRequest, quote_id: UUID) -> HttpResponse:
    quote = _quote_or_404(request, quote_id)
    customer = shown_customer(request.user, quote)
    to = ""
    if quote.contact_id and quote.contact and "emails" in fields_for(request.user, "contact"):
        first = quote.contact.emails.first()
        to = first.address if first else ""
    email = queued_email(user=request.user, email_id=quote.email_id) if quote.email_id else None
    send_form = SendForm(initial={"to": to, "message": _(
        "Good day,\n\nplease find our quote %(number)s attached.\n\nKind regards"
    ) % {"number": quote.number}})  # fmt: skip
    return render(
        request,
        "sales/quote_detail.html",
        {
            "quote": quote,
            "customer": customer,
            "lines": list(quote.lines.all()),
            "totals": document_totals(quote),
            "amounts": fields_for(request.user, "quote").may_read("amounts"),
            "can_edit": can(request.user, Action.EDIT, quote),
            "send_form": send_form,
            "email": email,
            "order": getattr(quote, "order", None) if quote.status == "accepted" else None,
        },
    )


@login_required
@require_GET
def quote_pdf_download(request: HttpRequest, quote_id: UUID) -> HttpResponse:
    quote = _quote_or_404(request, quote_id)
    if not fields_for(request.user, "quote").may_read("amounts"):
        raise PermissionDenied(_("You may not read the amounts of quotes."))
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote_file_name(quote)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def quote_send(request: HttpRequest, quote_id: UUID) -> HttpResponse:
    quote = _quote_or_404(request, quote_id)
    form = SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give at least one email address."))
        return redirect(quote)
    try:
        services.quote_send(
            actor=request.user,
            quote=quote,
            to=form.addresses(),
            message=form.cleaned_data["message"],
        )
    except FieldErrors as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _(
            "The quote is queued to be emailed to %(to)s; this page shows when it went out."
        ) % {"to": ", ".join(form.addresses())})  # fmt: skip
    return redirect(quote)


@login_required
@require_POST
def quote_status(request: HttpRequest, quote_id: UUID) -> HttpResponse:
    """Accept (makes the order), decline, or mark as sent by other means."""
    quote = _quote_or_404(request, quote_id)
    status = request.POST.get("status")
    version = request.POST.get("version", "")
    expected = int(version) if version.isdigit() else None
    try:
        if status == QuoteStatus.ACCEPTED:
            order = services.quote_accept(
                actor=request.user, quote=quote, expected_version=expected
            )
            messages.success(request, _("Accepted: order %(number)s was made.") % {
                "number": order.number})  # fmt: skip
            return redirect(order)
        services.quote_set_status(
            actor=request.user, quote=quote, status=status, expected_version=expected
        )
    except FieldErrors as exc:
        messages.error(request, _messages_of(exc))
    except VersionConflict:
        messages.error(request, _("Someone else changed this quote meanwhile; check it again."))
    return redirect(quote)


@login_required
@require_GET
@reads_from_replica
def quote_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in QuoteStatus.values:
        status = None
    quotes = selectors.quote_list(user=request.user, status=status, q=request.GET.get("q", ""))
    page = _list_page(request, quotes)
    note_visible_customers(request.user, page.items)
    return render(
        request,
        "sales/quote_list.html",
        {"page": page, "statuses": QuoteStatus.choices, "status": status,
         "amounts": fields_for(request.user, "quote").may_read("amounts"),
         **page_links(request, page)},
    )  # fmt: skip


def _list_page(request: HttpRequest, records):
    try:
        return paginate(records, order=selectors.ORDER, limit=PAGE_SIZE,
                        cursor=request.GET.get("cursor") or None)  # fmt: skip
    except FieldErrors:
        return paginate(records, order=selectors.ORDER, limit=PAGE_SIZE, cursor=None)


# Orders and invoices ------------------------------------------------------------------------


@login_required
@require_GET
@reads_from_replica
def order_list(request: HttpRequest) -> HttpResponse:
    orders = selectors.order_list(user=request.user, q=request.GET.get("q", ""))
    page = _list_page(request, orders)
    note_visible_customers(request.user, page.items)
    return render(
        request,
        "sales/order_list.html",
        {"page": page, "amounts": fields_for(request.user, "order").may_read("amounts"),
         **page_links(request, page)},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def order_detail(request: HttpRequest, order_id: UUID) -> HttpResponse:
    order = selectors.order_get(user=request.user, order_id=order_id)
    if order is None:
        raise Http404
    form = OrderStatusForm(
        request.POST or None, initial={"status": order.status, "version": order.version}
    )
    maintained = _maintained("order", order)
    if request.method == "POST" and form.is_valid():
        try:
            services.order_update(
                actor=request.user,
                order=order,
                data={"status": form.cleaned_data["status"]},
                expected_version=form.cleaned_data.get("version"),
            )
        except VersionConflict:
            messages.error(request, _("Someone else changed this order meanwhile; check it."))
        except FieldErrors as exc:
            messages.error(request, " ".join(r for rs in exc.errors.values() for r in rs))
        else:
            messages.success(request, _("Your changes were saved."))
        return redirect(order)
    return render(
        request,
        "sales/order_detail.html",
        {
            "order": order,
            "customer": shown_customer(request.user, order),
            "lines": list(order.lines.all()),
            "totals": document_totals(order),
            "amounts": fields_for(request.user, "order").may_read("amounts"),
            "can_edit": can(request.user, Action.EDIT, order) and "status" not in maintained,
            "maintained_by": sorted(set(maintained.values())),
            "form": form,
            "invoices": list(selectors.visible_invoices(request.user).filter(order=order)),
            "payments": fields_for(request.user, "invoice").may_read("payment"),
        },
    )


@login_required
@require_GET
@reads_from_replica
def invoice_list(request: HttpRequest) -> HttpResponse:
    payments = fields_for(request.user, "invoice").may_read("payment")
    status = request.GET.get("status") if payments else None
    overdue = request.GET.get("overdue") == "1" if payments else False
    invoices = selectors.invoice_list(
        user=request.user,
        status=status if status in InvoiceStatus.values else None,
        organization_id=request.GET.get("organization") or None,
        contact_id=request.GET.get("contact") or None,
        overdue=True if overdue else None,
    )
    page = _list_page(request, invoices)
    note_visible_customers(request.user, page.items)
    if payments:
        for invoice in page.items:
            audit_read(actor=request.user, record=invoice, fields=["payment"])
    return render(
        request,
        "sales/invoice_list.html",
        {"page": page, "payments": payments, "status": status, "overdue": overdue,
         "today": timezone.localdate(), **page_links(request, page)},
    )  # fmt: skip


@login_required
@require_GET
def invoice_detail(request: HttpRequest, invoice_id: UUID) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.user, invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    payments = fields_for(request.user, "invoice").may_read("payment")
    if payments:
        audit_read(actor=request.user, record=invoice, fields=["payment"])
    return render(
        request,
        "sales/invoice_detail.html",
        {"invoice": invoice, "customer": shown_customer(request.user, invoice),
         "payments": payments, "today": timezone.localdate(),
         "maintained_by": sorted(set(_maintained("invoice", invoice).values()))},
    )  # fmt: skip


# Products ---------------------------------------------------------------------------------------


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    products = selectors.product_list(user=request.user, q=request.GET.get("q", ""))
    try:
        page = paginate(products, order=("name", "id"), limit=PAGE_SIZE,
                        cursor=request.GET.get("cursor") or None)  # fmt: skip
    except FieldErrors:
        page = paginate(products, order=("name", "id"), limit=PAGE_SIZE, cursor=None)
    return render(
        request,
        "sales/product_list.html",
        {"page": page, "may_create": may_use_level(request.user, "product", Action.CREATE),
         **page_links(request, page)},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def product_form(request: HttpRequest, product_id: UUID | None = None) -> HttpResponse:
    product = None
    if product_id is not None:
        product = selectors.product_get(user=request.user, product_id=product_id)
        if product is None:
            raise Http404
        require(request.user, Action.EDIT, product)
    elif not may_use_level(request.user, "product", Action.CREATE):
        raise PermissionDenied(_("You may not create products."))
    maintained = maintained_fields("product", product.pk) if product is not None else {}
    if request.method == "POST":
        form = ProductForm(request.POST, initial=_product_initial(product), maintained=maintained)
        if form.is_valid():
            try:
                if product is None:
                    services.product_create(actor=request.user, data=form.service_data())
                else:
                    services.product_update(
                        actor=request.user,
                        product=product,
                        data=form.service_data(),
                        expected_version=form.cleaned_data.get("version"),
                    )
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            except VersionConflict:
                form.add_error(None, _("Someone else changed this product meanwhile. Reload."))
            else:
                messages.success(request, _("Your changes were saved."))
                return redirect("product-list")
    else:
        form = ProductForm(initial=_product_initial(product), maintained=maintained)
    return render(request, "sales/product_form.html", {"form": form, "product": product})


def _product_initial(product: Any) -> dict[str, Any] | None:
    if product is None:
        return None
    return {
        "sku": product.sku, "name": product.name, "description": product.description,
        "unit": product.unit, "net_price": product.net_price, "currency": product.currency,
        "tax_rate": product.tax_rate, "active": product.active, "version": product.version,
    }  # fmt: skip


def _maintained(key: str, record: Any) -> dict[str, str]:
    """``{field: source label}`` of the fields an outside source (an ERP)
    maintains on ``record``: the page says "Maintained in SAP"."""
    return {
        field: source_label(source) for field, source in maintained_fields(key, record.pk).items()
    }
