"""The review page of duplicate candidates: merge a pair (keeping either
record) or mark it as no duplicate; the recent merges with their undo."""

import datetime
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kontor.access.policy import visible_records
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.records import record_type
from kontor.dedupe import selectors, services
from kontor.dedupe.models import Merge
from kontor.dedupe.schemas import KIND_OF

PAGE = 50
DEFAULT_MIN_SCORE = 0.8


def _params(request: HttpRequest) -> tuple[str, float]:
    plural = request.GET.get("type", "contacts")
    if plural not in KIND_OF:
        plural = "contacts"
    try:
        min_score = float(request.GET.get("min_score", DEFAULT_MIN_SCORE))
    except ValueError:
        min_score = DEFAULT_MIN_SCORE
    return plural, min(max(min_score, 0.0), 1.0)


def _records(user: Any, key: str, ids: set[UUID]) -> dict[UUID, Any]:
    return {r.pk: r for r in visible_records(user, key).filter(pk__in=ids)}


@login_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    plural, min_score = _params(request)
    key = KIND_OF[plural]
    try:
        page = selectors.duplicate_pairs(
            user=request.user,
            key=key,
            min_score=min_score,
            limit=PAGE,
            cursor=request.GET.get("cursor") or None,
        )
    except FieldErrors:
        raise Http404 from None
    records = _records(request.user, key, {p.a for p in page.items} | {p.b for p in page.items})
    rows = [
        {"pair": pair, "a": records[pair.a], "b": records[pair.b]}
        for pair in page.items
        if pair.a in records and pair.b in records
    ]
    recent = Merge.objects.filter(
        created_by=request.user,
        undone_at__isnull=True,
        created_at__gte=timezone.now() - datetime.timedelta(days=services.UNDO_DAYS),
    )[:10]
    kept: dict[UUID, Any] = {}
    for merge in recent:
        kept.update(_records(request.user, merge.kind, {merge.survivor_id}))
    recent_rows = [
        {"merge": merge, "record": kept[merge.survivor_id]}
        for merge in recent
        if merge.survivor_id in kept
    ]
    query = {"type": plural, "min_score": min_score}
    return render(
        request,
        "dedupe/review.html",
        {
            "rows": rows,
            "plural": plural,
            "kind": record_type(key),
            "min_score": min_score,
            "recent": recent_rows,
            "next_url": f"?{urlencode({**query, 'cursor': page.next})}" if page.next else None,
            "back": f"{reverse('duplicate-review')}?{urlencode(query)}",
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not target.startswith(reverse("duplicate-review")):
        target = reverse("duplicate-review")
    return redirect(target)


@login_required
@require_POST
def pair_merge(request: HttpRequest, pair_id: UUID) -> HttpResponse:
    pair = selectors.pair_get(user=request.user, pair_id=pair_id)
    if pair is None:
        raise Http404
    keep, merge = (pair.b, pair.a) if request.POST.get("keep") == "b" else (pair.a, pair.b)
    try:
        services.merge_records(actor=request.user, kind=pair.kind, keep=keep, merge=[merge])
    except services.NotFound:
        raise Http404 from None
    except (PermissionDenied, FieldErrors) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The records were merged. You can undo it for 30 days."))
    return _back(request)


@login_required
@require_POST
def pair_not_duplicate(request: HttpRequest, pair_id: UUID) -> HttpResponse:
    pair = selectors.pair_get(user=request.user, pair_id=pair_id)
    if pair is None:
        raise Http404
    try:
        services.pair_decide_not_duplicate(actor=request.user, pair=pair)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return _back(request)
    messages.success(request, _("Marked as not a duplicate."))
    return _back(request)


@login_required
@require_POST
def merge_undo(request: HttpRequest, merge_id: UUID) -> HttpResponse:
    merge = selectors.merge_get(user=request.user, merge_id=merge_id)
    if merge is None:
        raise Http404
    try:
        services.merge_undo(actor=request.user, merge=merge)
    except services.NotFound:
        raise Http404 from None
    except (PermissionDenied, services.Conflict) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The merge was undone."))
    return _back(request)
