"""Pages of the audit trail: the history of one record (for whoever may
read the record and the trail), and the search over all of it (for the
administrator and the data protection officer)."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kontor.audit import selectors
from kontor.audit.forms import AuditSearchForm
from kontor.audit.models import AuditEntry
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.pagination import paginate

PAGE_SIZE = 50


def entry_rows(request: HttpRequest, entries: list[AuditEntry]) -> list[dict[str, Any]]:
    """Entries as the templates show them, without fields the viewer may not read."""
    rows = []
    hidden = selectors.hidden_record_ids(request.user, entries)
    for entry in entries:
        fields, changes = selectors.visible_changes(request.user, entry, hidden_records=hidden)
        rows.append({"entry": entry, "fields": fields, "changes": sorted(changes.items())})
    return rows


def _page(request: HttpRequest, entries) -> Any:
    try:
        return paginate(entries, order=selectors.ORDER, limit=PAGE_SIZE,
                        cursor=request.GET.get("cursor") or None)  # fmt: skip
    except FieldErrors:
        return paginate(entries, order=selectors.ORDER, limit=PAGE_SIZE, cursor=None)


def _next_url(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"{request.path}?{query.urlencode()}"


@login_required
@require_GET
def record_history(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    if not selectors.may_view_record_history(request.user):
        raise HttpForbidden
    record = selectors.readable_record(request.user, object_type, object_id)
    if record is None:
        raise Http404
    page = _page(request, selectors.record_history(user=request.user, record=record))
    return render(
        request,
        "audit/record_history.html",
        {
            "record": record,
            "rows": entry_rows(request, page.items),
            "next_url": _next_url(request, page.next),
        },
    )


@login_required
@require_GET
def audit_search(request: HttpRequest) -> HttpResponse:
    """Administrators and the data protection officer search the whole trail."""
    if not selectors.may_search(request.user):
        raise HttpForbidden
    by_employee = selectors.may_filter_by_actor(request.user)
    form = AuditSearchForm(request.GET, by_employee=by_employee)
    try:
        entries = selectors.audit_search(user=request.user, filters=form.filters())
    except PermissionDenied:
        raise HttpForbidden from None
    page = _page(request, entries)
    return render(
        request,
        "audit/audit_search.html",
        {
            "form": form,
            "by_employee": by_employee,
            "rows": entry_rows(request, page.items),
            "next_url": _next_url(request, page.next),
        },
    )
