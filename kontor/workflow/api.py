"""API of workflow rules: ``/workflows`` (administrators)."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from kontor.core.pagination import paginate
from kontor.workflow import selectors, services
from kontor.workflow.schemas import (
    PageParams,
    RuleIn,
    RuleList,
    RuleOut,
    RulePatch,
    RunList,
    RunOut,
    TryIn,
)

router = Router(tags=["workflows"])
NOT_FOUND = {"detail": "Not found."}


def _rule(request: HttpRequest, rule_id: str):
    services.require_manager(request.user)
    return selectors.rule_get(rule_id)


@router.get("/workflows", response=RuleList)
def list_rules(request: HttpRequest, params: Query[PageParams]):
    """The workflow rules, oldest first."""
    services.require_manager(request.user)
    return paginate(
        selectors.rule_list(), order=("created_at", "id"), limit=params.limit, cursor=params.cursor
    )


@router.post("/workflows", response={201: RuleOut})
def create_rule(request: HttpRequest, payload: RuleIn):
    """A rule; its actions run as you (and with your access)."""
    return Status(201, services.rule_create(actor=request.user, data=payload.model_dump()))


@router.get("/workflows/{rule_id}", response={200: RuleOut, 404: dict})
def get_rule(request: HttpRequest, rule_id: str):
    rule = _rule(request, rule_id)
    return rule if rule is not None else Status(404, NOT_FOUND)


@router.patch("/workflows/{rule_id}", response={200: RuleOut, 404: dict})
def update_rule(request: HttpRequest, rule_id: str, payload: RulePatch):
    rule = _rule(request, rule_id)
    if rule is None:
        return Status(404, NOT_FOUND)
    data = payload.model_dump(exclude_unset=True)
    return services.rule_update(actor=request.user, rule=rule, data=data)


@router.delete("/workflows/{rule_id}", response={204: None, 404: dict})
def delete_rule(request: HttpRequest, rule_id: str):
    rule = _rule(request, rule_id)
    if rule is None:
        return Status(404, NOT_FOUND)
    services.rule_delete(actor=request.user, rule=rule)
    return Status(204, None)


@router.post("/workflows/{rule_id}/test", response={200: RunOut, 404: dict})
def try_rule(request: HttpRequest, rule_id: str, payload: TryIn):
    """A dry run on a record: whether the conditions hold and what each
    action would do. Nothing is changed."""
    rule = _rule(request, rule_id)
    if rule is None:
        return Status(404, NOT_FOUND)
    return services.rule_try(
        actor=request.user, rule=rule, record_type=payload.record_type, record_id=payload.record_id
    )


@router.get("/workflows/{rule_id}/runs", response={200: RunList, 404: dict})
def list_runs(request: HttpRequest, rule_id: str, params: Query[PageParams]):
    """The rule's runs, newest first (dry runs included)."""
    rule = _rule(request, rule_id)
    if rule is None:
        return Status(404, NOT_FOUND)
    return paginate(
        selectors.runs_of(rule),
        order=("-started_at", "-id"),
        limit=params.limit,
        cursor=params.cursor,
    )
