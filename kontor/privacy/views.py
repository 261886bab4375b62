"""The data protection officer's pages: the register of requests of data
subjects (open ones by deadline, overdue ones marked), recording a request,
a request's page with the export to download and closing it; the retention
rules with their previews and runs; the register of processing activities."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kontor.core.exceptions import FieldErrors
from kontor.privacy import rules, selectors, services
from kontor.privacy.erasure import execute_erasure
from kontor.privacy.export.archive import export_filename, request_export
from kontor.privacy.forms import CloseForm, RequestForm, RetentionRuleForm
from kontor.privacy.models import DataSubjectRequest, RequestStatus, RequestType
from kontor.privacy.register import processing_register, register_pdf
from kontor.privacy.restriction import execute_objection, execute_restriction, lift_restriction
from kontor.privacy.retention import preview
from kontor.privacy.subjects import person_get, person_type

CLOSED_SHOWN = 50
CANDIDATES_SHOWN = 10


def _require(request: HttpRequest) -> None:
    if not selectors.may_handle_requests(request.user):
        raise PermissionDenied


def _get(request: HttpRequest, request_id: UUID) -> DataSubjectRequest:
    found = selectors.request_get(user=request.user, request_id=request_id)
    if found is None:
        raise Http404
    return found


def _add_errors(form, errors: FieldErrors) -> None:
    for field, reasons in errors.errors.items():
        target = field if field in form.fields else None
        for reason in reasons:
            form.add_error(target, reason)


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    open_requests = list(selectors.request_list(user=request.user, status=RequestStatus.OPEN))
    closed = list(
        selectors.request_list(user=request.user)
        .exclude(status=RequestStatus.OPEN)
        .order_by("-done_at", "-id")[:CLOSED_SHOWN]
    )
    return render(
        request,
        "privacy/request_list.html",
        {"open_requests": open_requests, "closed": closed, "today": timezone.localdate()},
    )


def _candidates(query: str) -> list:
    """Persons whose name holds ``query``, for picking the one who asks."""
    kind = person_type()
    if not query or kind.search is None:
        return []
    condition = Q(**{f"{kind.search.fields[0]}__icontains": query})
    model = kind.model_class()
    return list(model._default_manager.filter(condition).order_by("pk")[:CANDIDATES_SHOWN])


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    _require(request)
    if request.method == "POST":
        form = RequestForm(request.POST)
        if form.is_valid():
            try:
                created = services.request_create(actor=request.user, **form.cleaned_data)
            except FieldErrors as errors:
                _add_errors(form, errors)
            else:
                messages.success(request, _("The request is recorded."))
                return redirect("privacy-request-detail", request_id=created.pk)
        chosen = person_get(request.POST.get("contact_id"))
    else:
        chosen = person_get(request.GET.get("contact"))
        form = RequestForm(initial={"contact_id": str(chosen.pk) if chosen else ""})
    query = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "privacy/request_form.html",
        {"form": form, "chosen": chosen, "query": query, "candidates": _candidates(query)},
    )


@login_required
def request_detail(request: HttpRequest, request_id: UUID) -> HttpResponse:
    _require(request)
    found = _get(request, request_id)
    form = CloseForm(initial={"notes": found.notes})
    return render(
        request,
        "privacy/request_detail.html",
        {"item": found, "close_form": form, "today": timezone.localdate()},
    )


@login_required
def request_download(request: HttpRequest, request_id: UUID) -> HttpResponse:
    _require(request)
    found = _get(request, request_id)
    try:
        archive = request_export(actor=request.user, request=found)
    except FieldErrors as errors:
        for reasons in errors.errors.values():
            for reason in reasons:
                messages.error(request, reason)
        return redirect("privacy-request-detail", request_id=found.pk)
    return FileResponse(
        archive, as_attachment=True, filename=export_filename(found), content_type="application/zip"
    )


@login_required
@require_POST
def request_close(request: HttpRequest, request_id: UUID) -> HttpResponse:
    _require(request)
    found = _get(request, request_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.request_close(actor=request.user, request=found, **form.cleaned_data)
        except FieldErrors as errors:
            _add_errors(form, errors)
        else:
            messages.success(request, _("The request is closed."))
            return redirect("privacy-request-detail", request_id=found.pk)
    return render(
        request,
        "privacy/request_detail.html",
        {"item": found, "close_form": form, "today": timezone.localdate()},
        status=422,
    )


@login_required
@require_POST
def request_execute(request: HttpRequest, request_id: UUID) -> HttpResponse:
    """Carry out an erasure (its page then shows the report), restriction
    or objection request."""
    _require(request)
    found = _get(request, request_id)
    try:
        if found.type == RequestType.RESTRICTION:
            execute_restriction(actor=request.user, request=found)
            done = _("Processing is restricted: only the data protection officer sees the person.")
        elif found.type == RequestType.OBJECTION:
            execute_objection(actor=request.user, request=found)
            done = _("The objection is recorded; the purposes have no basis any more.")
        else:
            execute_erasure(actor=request.user, request=found)
            done = _("The person is erased; the report is kept with the request.")
    except FieldErrors as errors:
        _show_errors(request, errors)
    else:
        messages.success(request, done)
    return redirect("privacy-request-detail", request_id=found.pk)


@login_required
@require_POST
def request_lift(request: HttpRequest, request_id: UUID) -> HttpResponse:
    """Lift the restriction a restriction request put in force."""
    _require(request)
    found = _get(request, request_id)
    try:
        lift_restriction(actor=request.user, request=found)
    except FieldErrors as errors:
        _show_errors(request, errors)
    else:
        messages.success(request, _("The restriction is lifted."))
    return redirect("privacy-request-detail", request_id=found.pk)


def _show_errors(request: HttpRequest, errors: FieldErrors) -> None:
    for reasons in errors.errors.values():
        for reason in reasons:
            messages.error(request, reason)


RUNS_SHOWN = 20


@login_required
def retention_rules(request: HttpRequest) -> HttpResponse:
    """The retention rules with what each would erase today, a form for a
    new one, and the last runs' reports."""
    _require(request)
    form = RetentionRuleForm(request.POST or None, initial={"enabled": True})
    if request.method == "POST" and form.is_valid():
        try:
            rules.retention_rule_create(actor=request.user, data=form.cleaned_data)
        except FieldErrors as errors:
            _add_errors(form, errors)
        else:
            messages.success(request, _("The retention rule is saved."))
            return redirect("privacy-retention")
    found = list(selectors.retention_rule_list(user=request.user))
    return render(
        request,
        "privacy/retention.html",
        {
            "rules": [(rule, preview(rule)) for rule in found],
            "form": form,
            "runs": list(selectors.retention_run_list(user=request.user)[:RUNS_SHOWN]),
        },
        status=422 if request.method == "POST" else 200,
    )


def _rule(request: HttpRequest, rule_id: UUID):
    found = selectors.retention_rule_get(user=request.user, rule_id=rule_id)
    if found is None:
        raise Http404
    return found


@login_required
def retention_rule(request: HttpRequest, rule_id: UUID) -> HttpResponse:
    """One rule: its preview (how many records, the first of them) and a
    form to change it; deleting it."""
    _require(request)
    rule = _rule(request, rule_id)
    initial = {field: getattr(rule, field) for field in rules.FIELDS}
    form = RetentionRuleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if "delete" in request.POST:
            rules.retention_rule_delete(actor=request.user, rule=rule)
            messages.success(request, _("The retention rule is deleted."))
            return redirect("privacy-retention")
        if form.is_valid():
            try:
                rules.retention_rule_update(actor=request.user, rule=rule, data=form.cleaned_data)
            except FieldErrors as errors:
                _add_errors(form, errors)
            else:
                messages.success(request, _("The retention rule is saved."))
                return redirect("privacy-retention-rule", rule_id=rule.pk)
    return render(
        request,
        "privacy/retention_rule.html",
        {"rule": rule, "preview": preview(rule), "form": form},
        status=422 if request.method == "POST" else 200,
    )


@login_required
def retention_run(request: HttpRequest, run_id: UUID) -> HttpResponse:
    _require(request)
    run = selectors.retention_run_list(user=request.user).filter(pk=run_id).first()
    if run is None:
        raise Http404
    return render(request, "privacy/retention_run.html", {"run": run})


@login_required
def register_page(request: HttpRequest) -> HttpResponse:
    _require(request)
    return render(request, "privacy/register_page.html", {"register": processing_register()})


@login_required
def register_download(request: HttpRequest) -> HttpResponse:
    _require(request)
    response = HttpResponse(register_pdf(processing_register()), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="processing-register.pdf"'
    return response
