"""API of duplicates and merges."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from kontor.dedupe import selectors, services
from kontor.dedupe.schemas import (
    KIND_OF,
    DuplicateList,
    DuplicateOut,
    DuplicateParams,
    MergeIn,
    MergeOut,
    merge_out,
)

router = Router(tags=["duplicates"])
NOT_FOUND = {"detail": "Not found."}


@router.get("/duplicates", response=DuplicateList)
def list_duplicates(request: HttpRequest, params: Query[DuplicateParams]):
    """Open duplicate candidates with ``score >= min_score``, best first; only
    pairs whose two records you may both read. Reasons name only fields you
    may read."""
    page = selectors.duplicate_pairs(
        user=request.user,
        key=KIND_OF[params.type],
        min_score=params.min_score,
        limit=params.limit,
        cursor=params.cursor,
    )
    return {"items": page.items, "next": page.next}


@router.post("/duplicates/{pair_id}/not-duplicate", response={200: DuplicateOut, 404: dict})
def mark_not_duplicate(request: HttpRequest, pair_id: str):
    """Remember that the two records are different people or companies: the
    pair no longer shows, and later scans keep it so."""
    pair = selectors.pair_get(user=request.user, pair_id=pair_id)
    if pair is None:
        return Status(404, NOT_FOUND)
    pair = services.pair_decide_not_duplicate(actor=request.user, pair=pair)
    pair.reasons = selectors.readable_reasons(request.user, pair.kind, pair.reasons)
    return pair


def _merge(request: HttpRequest, kind: str, payload: MergeIn) -> Status:
    try:
        merge = services.merge_records(
            actor=request.user,
            kind=kind,
            keep=payload.keep,
            merge=payload.merge,
            fields=payload.fields,
        )
    except services.NotFound:
        return Status(404, NOT_FOUND)
    return Status(201, merge_out(merge))


MERGE_RESPONSES = {201: MergeOut, 404: dict}


@router.post("/contacts/merge", response=MERGE_RESPONSES, tags=["contacts"])
def merge_contacts(request: HttpRequest, payload: MergeIn):
    """Merge the contacts ``merge`` into ``keep``. Every relation (activities,
    files, contact points without repeats, deals, quotes, orders, invoices,
    calls, emails, shares, custom values, external ids, …) moves to the kept
    contact; the merged ones are archived and answer 404 with
    ``"merged_into"``. You must be allowed to edit every contact named; one you
    may not see is 404. Undo within 30 days: ``POST /merges/{id}/undo``."""
    return _merge(request, "contact", payload)


@router.post("/organizations/merge", response=MERGE_RESPONSES, tags=["organizations"])
def merge_organizations(request: HttpRequest, payload: MergeIn):
    """Merge the organizations ``merge`` into ``keep`` (as for contacts; their
    contacts move too)."""
    return _merge(request, "organization", payload)


@router.get("/merges/{merge_id}", response={200: MergeOut, 404: dict})
def get_merge(request: HttpRequest, merge_id: str):
    merge = selectors.merge_get(user=request.user, merge_id=merge_id)
    if merge is None:
        return Status(404, NOT_FOUND)
    return merge_out(merge)


@router.post("/merges/{merge_id}/undo", response={200: MergeOut, 404: dict, 409: dict})
def undo_merge(request: HttpRequest, merge_id: str):
    """Undo a merge within 30 days: the merged records come back with every
    relation the merge moved, and the kept record gets its values back."""
    merge = selectors.merge_get(user=request.user, merge_id=merge_id)
    if merge is None:
        return Status(404, NOT_FOUND)
    try:
        merge = services.merge_undo(actor=request.user, merge=merge)
    except services.NotFound:
        return Status(404, NOT_FOUND)
    except services.Conflict as exc:
        return Status(409, {"detail": str(exc)})
    return merge_out(merge)
