"""The workflow pages (administrators): the rules, a rule's form, its runs
and a dry run on a record."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.workflow import selectors, services
from kontor.workflow.forms import RuleForm, TryForm
from kontor.workflow.models import Rule
from kontor.workflow.summary import summarize

RUNS_SHOWN = 50


def _require_manager(request: HttpRequest) -> None:
    if not services.may_manage(request.user):
        raise Forbidden


def _rule(request: HttpRequest, rule_id: UUID) -> Rule:
    _require_manager(request)
    rule = selectors.rule_get(rule_id)
    if rule is None:
        raise Http404
    return rule


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    rules = [(rule, summarize(rule)) for rule in selectors.rule_list()[:500]]
    return render(request, "workflow/rule_list.html", {"rules": rules})


def _save(request: HttpRequest, form: RuleForm, rule: Rule | None) -> Rule | None:
    if not form.is_valid():
        return None
    try:
        if rule is None:
            return services.rule_create(actor=request.user, data=form.cleaned_data)
        return services.rule_update(actor=request.user, rule=rule, data=form.cleaned_data)
    except FieldErrors as errors:
        form.add_service_errors(errors.errors)
    except PermissionDenied as error:
        form.add_error(None, str(error))
    return None


@login_required
def rule_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = RuleForm(request.POST or None)
    if request.method == "POST" and (rule := _save(request, form, None)) is not None:
        messages.success(request, _("The rule is saved."))
        return redirect("workflow-runs", rule.pk)
    return render(request, "workflow/rule_form.html", {"form": form, "rule": None})


@login_required
def rule_edit(request: HttpRequest, rule_id: UUID) -> HttpResponse:
    rule = _rule(request, rule_id)
    initial: dict[str, Any] = {name: getattr(rule, name) for name in services.FIELDS}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and _save(request, form, rule) is not None:
        messages.success(request, _("The rule is saved."))
        return redirect("workflow-runs", rule.pk)
    return render(request, "workflow/rule_form.html", {"form": form, "rule": rule})


@login_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: UUID) -> HttpResponse:
    rule = _rule(request, rule_id)
    services.rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("The rule is deleted."))
    return redirect("workflow-list")


@login_required
def rule_runs(request: HttpRequest, rule_id: UUID) -> HttpResponse:
    """The rule's summary, its latest runs, and the "try on a record" form."""
    rule = _rule(request, rule_id)
    form = TryForm(request.POST or None)
    tried = None
    if request.method == "POST" and form.is_valid():
        try:
            tried = services.rule_try(
                actor=request.user,
                rule=rule,
                record_type=rule.record_type,
                record_id=form.cleaned_data["record_id"],
            )
        except FieldErrors as errors:
            for reasons in errors.errors.values():
                for reason in reasons:
                    form.add_error("record_id", reason)
    runs = list(selectors.runs_of(rule)[:RUNS_SHOWN])
    return render(
        request,
        "workflow/rule_runs.html",
        {"rule": rule, "summary": summarize(rule), "runs": runs, "form": form, "tried": tried},
    )
