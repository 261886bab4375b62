"""The clean-up queue: the records with the lowest quality scores, worst
first, with the reasons and links to fix them or to review their duplicates."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from kontor.core.exceptions import FieldErrors
from kontor.quality import selectors
from kontor.quality.schemas import KIND_OF

PAGE = 50
EDIT_URL = {"contact": "contact-edit", "organization": "organization-edit"}


def _below(value: str | None) -> int:
    try:
        return min(max(int(value or 100), 1), 101)
    except ValueError:
        return 100


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    plural = request.GET.get("type", "contacts")
    if plural not in KIND_OF:
        plural = "contacts"
    key = KIND_OF[plural]
    below = _below(request.GET.get("below"))
    try:
        page = selectors.cleanup_queue(
            user=request.user,
            key=key,
            below=below,
            limit=PAGE,
            cursor=request.GET.get("cursor") or None,
        )
    except FieldErrors:  # a cursor that is not one of ours: start over
        page = selectors.cleanup_queue(user=request.user, key=key, below=below, limit=PAGE,
                                       cursor=None)  # fmt: skip
    query = {"type": plural, "below": below}
    rows = [
        {
            "record": item.record,
            "quality": item.quality,
            "edit_url": reverse(EDIT_URL[key], args=[item.record.pk]),
            "has_duplicates": any(r["code"] == "duplicates" for r in item.quality.reasons),
        }
        for item in page.items
    ]
    return render(
        request,
        "quality/queue.html",
        {
            "rows": rows,
            "plural": plural,
            "below": below,
            "duplicates_url": f"{reverse('duplicate-review')}?{urlencode({'type': plural})}",
            "next_url": f"?{urlencode({**query, 'cursor': page.next})}" if page.next else None,
        },
    )
