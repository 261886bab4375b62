"""Writes of sales records. The API, the pages, the demo data and (later)
the ERP sync call these functions; nothing else writes these models. Each
takes the acting user, checks the access policy, validates every field
before it touches a row, and writes the audit entry in the same
transaction. Updates that change nothing write nothing (and keep the
version), so a sync may send the same record again."""

import datetime
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.access.grants import access_for
from kontor.access.policy import (
    check_field_edits,
    field_categories,
    may_use_level,
    require,
    require_create,
)
from kontor.access.rights import Action
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record, changes_between
from kontor.contacts import protection as custom_values
from kontor.contacts.input import unknown_fields
from kontor.contacts.normalization import InvalidContactPoint, normalize_email
from kontor.contacts.selectors import visible_organizations
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.outgoing_mail import QueuedEmail, queue_email
from kontor.core.records import SENSITIVE_CATEGORIES, record_type_for
from kontor.core.versions import check_version, claim_version
from kontor.customfields.values import clean_custom_values
from kontor.events.outbox import emit
from kontor.sales import numbering, selectors
from kontor.sales.lines import apply_totals, line_snapshot, read_lines, same_lines
from kontor.sales.models import (
    KONTOR_SOURCE,
    Deal,
    DealStageChange,
    Invoice,
    InvoiceStatus,
    Order,
    OrderLine,
    OrderStatus,
    Pipeline,
    Product,
    Quote,
    QuoteLine,
    QuoteStatus,
    Stage,
    StageKind,
)
from kontor.sales.validation import Input, as_list
from kontor.sources.services import refuse_maintained_fields

logger = logging.getLogger(__name__)

User = Any

DEAL_FIELDS = frozenset(
    {"title", "pipeline_id", "stage_id", "organization_id", "contact_id", "owner_id", "amount",
     "currency", "probability", "expected_close_date", "source", "next_step", "lost_reason",
     "custom"}
)  # fmt: skip
PRODUCT_FIELDS = frozenset(
    {"sku", "name", "description", "unit", "net_price", "currency", "tax_rate", "active", "source"}
)
QUOTE_FIELDS = frozenset(
    {"organization_id", "contact_id", "deal_id", "owner_id", "currency", "valid_until", "terms",
     "introduction", "customer_address", "lines", "status"}
)  # fmt: skip
ORDER_FIELDS = frozenset(
    {"number", "organization_id", "contact_id", "deal_id", "owner_id", "currency", "order_date",
     "status", "source", "lines"}
)  # fmt: skip
INVOICE_FIELDS = frozenset(
    {"number", "organization_id", "contact_id", "order_id", "currency", "invoice_date",
     "due_date", "gross_amount", "amount_paid", "dunning_level", "status", "source"}
)  # fmt: skip
MAX_DUNNING_LEVEL = 10


# Shared ----------------------------------------------------------------------------


def _masked(actor: User, key: str, fields: Any) -> set[str]:
    categories = field_categories(actor, key)
    return {f for f in fields if categories.get(f) in SENSITIVE_CATEGORIES}


def _audit(
    actor: User,
    action: str,
    record: Model,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    financial: tuple[str, ...] = (),
) -> None:
    """One audit entry with every changed field; fields whose category is
    financial (or the ``financial`` ones, always) masked."""
    changes = changes_between(before, after)
    if action == AuditAction.UPDATE and not changes:
        return
    masked = set(financial) & set(changes)
    try:
        key = record_type_for(record).key
    except LookupError:  # configuration (pipelines), no record type
        key = None
    if key is not None:
        masked |= _masked(actor, key, changes)
        masked |= {f for f in changes if f.startswith("custom.")} & _sensitive_custom(record)
    audit_record(
        actor=actor,
        action=action,
        record=record,
        changes=changes,
        masked=masked,
        parent=getattr(record, "organization", None) or getattr(record, "contact", None),
    )
    if key is not None:
        _emit(action, record, key, changes)


# A status a record reaches that is an event of its own (``deal.won``,
# ``quote.sent`` …; RecordType.events), besides ``<type>.updated``.
STATUS_EVENTS = frozenset({"won", "lost", "sent", "accepted", "declined", "expired"})


def _emit(action: str, record: Model, key: str, changes: Mapping[str, Any]) -> None:
    """The outbox events of an audited change, in its transaction (so a
    rolled-back change sends nothing): ``created``, ``updated`` or
    ``deleted``; a deal's ``stage_changed`` and ``won``/``lost``; a quote's
    ``revised`` (a new revision) and the status it reached."""
    names = {
        AuditAction.CREATE: ["created"],
        AuditAction.UPDATE: ["updated"],
        AuditAction.DELETE: ["deleted"],
    }[action]
    if action == AuditAction.CREATE and "revision_of" in changes:
        names.append("revised")
    if action == AuditAction.UPDATE:
        if "stage" in changes:
            names.append("stage_changed")
        if ("stage" in changes or "status" in changes) and record.status in STATUS_EVENTS:
            names.append(str(record.status))
    events = record_type_for(record).events
    for name in names:
        if name in events:
            emit(f"{key}.{name}", record)


def _sensitive_custom(record: Model) -> set[str]:
    from kontor.access.sensitive import sensitive_values
    from kontor.customfields.selectors import definitions_for

    if not hasattr(record, "custom_sensitive"):
        return set()
    key = record_type_for(record).key
    sensitive = {d.key for d in definitions_for(key) if d.category in SENSITIVE_CATEGORIES}
    return {f"custom.{k}" for k in sensitive | set(sensitive_values(record))}


def _check_create(actor: User, key: str, data: Mapping[str, Any]) -> None:
    if not may_use_level(actor, key, Action.CREATE):
        raise PermissionDenied(_("You may not create records of this kind."))
    check_field_edits(actor, key, data)


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def _customer(inp: Input, data: Mapping[str, Any], record: Any) -> None:
    """Organization and/or contact: at least one. A contact alone brings its
    organization along when the actor may see it."""
    if "organization_id" in data:
        inp.organization(data["organization_id"])
    if "contact_id" in data:
        contact = inp.contact(data["contact_id"])
        if (
            contact is not None
            and "organization_id" not in data
            and inp.current("organization", record) is None
            and contact.organization_id
        ):
            organization = (
                visible_organizations(inp.actor).filter(pk=contact.organization_id).first()
            )
            if organization is not None:
                inp.values["organization"] = organization
    if (
        "organization_id" not in inp.errors
        and "contact_id" not in inp.errors
        and inp.current("organization", record) is None
        and inp.current("contact", record) is None
    ):
        inp.error("organization_id", "give an organization or a contact (the customer)")


def _customer_name(inp: Input, record: Any) -> str:
    organization = inp.current("organization", record)
    contact = inp.current("contact", record)
    if organization is not None:
        return organization.name[:255]
    if contact is not None:
        return contact.display_name[:255]
    return getattr(record, "customer_name", "")


def _owner(inp: Input, actor: User, key: str, record: Any, parents: list[Any]) -> None:
    """A new owner must be within the actor's reach (as for contacts)."""
    if "owner" not in inp.values:
        return
    owner = inp.values["owner"]
    current = getattr(record, "owner", None) if record is not None else None
    if record is not None and getattr(owner, "pk", None) == getattr(current, "pk", None):
        return
    custom_values.check_owner(actor, key, owner)


# Fields an outside source maintains, by the name the services take them.
_DATA_NAMES = {"organization": "organization_id", "contact": "contact_id", "order": "order_id",
               "deal": "deal_id", "owner": "owner_id"}  # fmt: skip


def _refuse_maintained(record: Model, values: Mapping[str, Any], lines_changed: bool) -> None:
    """Refuse (422) a change of a field an outside source (an ERP)
    maintains on ``record``, unless that source writes (kontor.sources)."""
    changed = {
        _DATA_NAMES.get(field, field)
        for field, value in values.items()
        if not _document_unchanged(record, {field: value})
    }
    if lines_changed:
        changed.add("lines")
    refuse_maintained_fields(record_type_for(record).key, record.pk, changed)


def _set_archived(actor: User, record: Product | Order | Invoice, archived: bool) -> bool:
    """Archive (it needs the right to delete) or restore (to edit) a record;
    False if it was so already."""
    require(actor, Action.DELETE if archived else Action.EDIT, record)
    if (record.archived_at is not None) == archived:
        return False
    before = record.archived_at
    with transaction.atomic():
        claim_version(record, None)
        record.archived_at = timezone.now() if archived else None
        record.save(update_fields=["archived_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=record,
            changes={"archived_at": [before, record.archived_at]},
        )
        key = record_type_for(record).key
        emit(f"{key}.archived" if archived else f"{key}.updated", record)
    return True


def product_archive(*, actor: User, product: Product, archived: bool = True) -> bool:
    """Hide a product from lists, search and the product picker, keeping it
    and the lines that name it (``archived=False`` brings it back). False if
    nothing changed."""
    return _set_archived(actor, product, archived)


def order_archive(*, actor: User, order: Order, archived: bool = True) -> bool:
    """Hide an order from lists, search and the 360° view, keeping it and
    its history (``archived=False`` brings it back). False if nothing changed."""
    return _set_archived(actor, order, archived)


def invoice_archive(*, actor: User, invoice: Invoice, archived: bool = True) -> bool:
    """Hide an invoice from lists, search, open payments and the 360° view,
    keeping it and its history (``archived=False`` brings it back). False if
    nothing changed."""
    return _set_archived(actor, invoice, archived)


# Pipelines ---------------------------------------------------------------------------


def _require_manager(actor: User) -> None:
    if not access_for(actor).manage_access:
        raise PermissionDenied(_("Only administrators change pipelines."))


def _read_stages(inp: Input, value: Any, pipeline: Pipeline | None) -> list[dict[str, Any]]:
    existing = {str(s.pk): s for s in pipeline.stages.all()} if pipeline else {}
    stages = []
    names: set[str] = set()
    for index, raw in enumerate(as_list(inp, "stages", value, limit=50)):
        field = f"stages[{index}]"
        if not isinstance(raw, Mapping):
            inp.error(field, "must be an object")
            continue
        for name in sorted(set(raw) - {"id", "name", "probability", "kind", "position"}):
            inp.error(f"{field}.{name}", "is not a field of a stage")
        scratch = Input(inp.actor)
        name = scratch.text("name", raw.get("name"), limit=120, required=True)
        scratch.whole("probability", raw.get("probability", 0), maximum=100)
        scratch.choice("kind", raw.get("kind", StageKind.OPEN), StageKind.values)
        stage = None
        if raw.get("id") is not None:
            stage = existing.get(str(raw["id"]))
            if stage is None:
                scratch.error("id", "is not a stage of this pipeline")
        if name and name.casefold() in names:
            scratch.error("name", "is taken by another stage of this pipeline")
        names.add((name or "").casefold())
        for key, reasons in scratch.errors.items():
            for reason in reasons:
                inp.error(f"{field}.{key}", reason)
        stages.append({"stage": stage, "position": index, **scratch.values})
    if (
        value is not None
        and not inp.errors
        and not any(s["kind"] == StageKind.OPEN for s in stages)
    ):
        inp.error("stages", "a pipeline needs at least one open stage")
    return stages


def _pipeline_snapshot(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "name": pipeline.name,
        "position": pipeline.position,
        "stages": [f"{s.name} ({s.kind}, {s.probability}%)" for s in pipeline.stages.all()],
    }


def _write_stages(pipeline: Pipeline, stages: list[dict[str, Any]]) -> None:
    kept = {s["stage"].pk for s in stages if s["stage"] is not None}
    removed = pipeline.stages.exclude(pk__in=kept)
    in_use = removed.filter(deals__isnull=False).distinct()
    if in_use.exists():
        names = ", ".join(str(s) for s in in_use)
        raise FieldErrors.single(
            "stages", f"stages with deals cannot be removed ({names}); move the deals first"
        )
    removed.delete()
    # Positions move in two steps, so that no two stages share one meanwhile.
    for entry in stages:
        stage = entry["stage"] or Stage(pipeline=pipeline)
        stage.name = entry["name"]
        stage.probability = entry["probability"]
        stage.kind = entry["kind"]
        stage.position = entry["position"]
        if entry["stage"] is not None:
            changed_kind = Stage.objects.filter(pk=stage.pk).exclude(kind=stage.kind).exists()
            stage.save(update_fields=["name", "probability", "kind", "position", "updated_at"])
            if changed_kind:
                # A stage that becomes won or lost closes its deals (and reopens them).
                pipeline.deals.filter(stage=stage).update(status=stage.kind)
        else:
            stage.save(force_insert=True)
    pipeline._prefetched_objects_cache = {}


def pipeline_create(*, actor: User, data: Mapping[str, Any]) -> Pipeline:
    _require_manager(actor)
    unknown_fields(data, {"name", "stages", "position"})
    inp = Input(actor)
    name = inp.text("name", data.get("name"), limit=120, required=True)
    if "position" in data:
        inp.whole("position", data["position"], maximum=1000)
    stages = _read_stages(inp, data.get("stages") or [], None)
    if not data.get("stages"):
        inp.error("stages", "a pipeline needs at least one open stage")
    if name and Pipeline.objects.filter(name__iexact=name).exists():
        inp.error("name", "is taken by another pipeline")
    inp.raise_if_invalid()
    with transaction.atomic():
        pipeline = Pipeline.objects.create(
            name=name, position=inp.values.get("position", Pipeline.objects.count())
        )
        _write_stages(pipeline, stages)
        _audit(actor, AuditAction.CREATE, pipeline, {}, _pipeline_snapshot(pipeline))
    return pipeline


def pipeline_update(
    *,
    actor: User,
    pipeline: Pipeline,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Pipeline:
    """Stages are replaced whole: ``id`` keeps (and changes) a stage, a stage
    without ``id`` is new, a stage left out is removed (refused while deals
    are in it)."""
    _require_manager(actor)
    unknown_fields(data, {"name", "stages", "position"})
    inp = Input(actor)
    if "name" in data:
        name = inp.text("name", data["name"], limit=120, required=True)
        taken = Pipeline.objects.filter(name__iexact=name).exclude(pk=pipeline.pk)
        if name and taken.exists():
            inp.error("name", "is taken by another pipeline")
    if "position" in data:
        inp.whole("position", data["position"], maximum=1000)
    stages = _read_stages(inp, data["stages"], pipeline) if "stages" in data else None
    inp.raise_if_invalid()
    before = _pipeline_snapshot(pipeline)
    with transaction.atomic():
        claim_version(pipeline, expected_version)
        for field, value in inp.values.items():
            setattr(pipeline, field, value)
        pipeline.save(update_fields=[*inp.values, "updated_at"])
        if stages is not None:
            _write_stages(pipeline, stages)
        _audit(actor, AuditAction.UPDATE, pipeline, before, _pipeline_snapshot(pipeline))
    return pipeline


def pipeline_delete(
    *, actor: User, pipeline: Pipeline, expected_version: int | None = None
) -> None:
    _require_manager(actor)
    if pipeline.deals.exists():
        raise FieldErrors.single(
            "pipeline", "has deals; move them to another pipeline before deleting it"
        )
    before = _pipeline_snapshot(pipeline)
    with transaction.atomic():
        if expected_version is not None:
            claim_version(pipeline, expected_version)
        _audit(actor, AuditAction.DELETE, pipeline, before, {})
        pipeline.delete()


# Deals -------------------------------------------------------------------------------


def _deal_snapshot(deal: Deal) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": deal.title,
        "pipeline": str(deal.pipeline_id),
        "stage": str(deal.stage),
        "organization": str(deal.organization_id) if deal.organization_id else None,
        "contact": str(deal.contact_id) if deal.contact_id else None,
        "owner": deal.owner_id,
        "amount": _money(deal.amount),
        "currency": deal.currency,
        "probability": deal.probability,
        "expected_close_date": _date(deal.expected_close_date),
        "source": deal.source,
        "next_step": deal.next_step,
        "lost_reason": deal.lost_reason,
    }
    for key, value in custom_values.current_custom_values(deal).items():
        values[f"custom.{key}"] = value
    return {k: v for k, v in values.items() if v not in (None, "")}


def _first_open_stage(pipeline: Pipeline) -> Stage | None:
    return pipeline.stages.filter(kind=StageKind.OPEN).order_by("position", "id").first()


def _deal_input(actor: User, data: Mapping[str, Any], deal: Deal | None) -> Input:
    inp = Input(actor)
    if "title" in data or deal is None:
        inp.text("title", data.get("title"), limit=255, required=True)
    for field, limit in (("source", 120), ("next_step", 255), ("lost_reason", 500)):
        if field in data:
            inp.text(field, data[field], limit=limit)
    if "amount" in data:
        inp.decimal("amount", data["amount"] if data["amount"] is not None else "0", places=2)
    if data.get("currency") is not None:
        inp.currency(data["currency"])
    if "probability" in data:
        inp.whole("probability", data["probability"], maximum=100, nullable=True)
    if "expected_close_date" in data:
        inp.date("expected_close_date", data["expected_close_date"])
    if "owner_id" in data:
        inp.owner(data["owner_id"])
    _customer(inp, data, deal)
    _deal_stage(inp, data, deal)
    if "custom" in data or deal is None:
        merged, errors = clean_custom_values(
            "deal",
            data.get("custom"),
            existing=custom_values.current_custom_values(deal),
            creating=deal is None,
        )
        for field, reasons in errors.items():
            for reason in reasons:
                inp.error(field, reason)
        inp.values["custom"] = merged
    return inp


def _deal_stage(inp: Input, data: Mapping[str, Any], deal: Deal | None) -> None:
    """Pipeline and stage: the stage must be one of the pipeline's; a pipeline
    alone puts the deal in its first open stage; a lost stage needs a reason."""
    pipeline = deal.pipeline if deal else None
    if data.get("pipeline_id") is not None or deal is None:
        pipeline_id = data.get("pipeline_id")
        pipeline = (
            selectors.pipeline_get(pipeline_id)
            if pipeline_id is not None
            else selectors.default_pipeline()
        )
        if pipeline is None:
            inp.error("pipeline_id", "is not an existing pipeline")
            return
        inp.values["pipeline"] = pipeline
    stage = None
    if data.get("stage_id") is not None:
        stage = pipeline.stages.filter(pk=selectors.parse_uuid(data["stage_id"])).first()
        if stage is None:
            inp.error("stage_id", f"is not a stage of the pipeline {pipeline}")
            return
    elif "pipeline" in inp.values and (deal is None or pipeline.pk != deal.pipeline_id):
        stage = _first_open_stage(pipeline)
        if stage is None:
            inp.error("pipeline_id", "has no open stage")
            return
    if stage is not None and (deal is None or stage.pk != deal.stage_id):
        inp.values["stage"] = stage
    final = inp.current("stage", deal)
    if final is not None and final.kind == StageKind.LOST:
        if not inp.current("lost_reason", deal):
            inp.error("lost_reason", "is required when a deal is lost")
    elif "stage" in inp.values and "lost_reason" not in data:
        inp.values["lost_reason"] = ""  # a deal that is open or won again has no lost reason


def _stage_moved(deal: Deal, previous: Stage | None, actor: User, now: datetime.datetime) -> None:
    deal.status = deal.stage.kind
    deal.stage_entered_at = now
    deal.closed_at = now if deal.status != StageKind.OPEN else None
    furthest = deal.furthest_stage
    if furthest is not None and furthest.pipeline_id != deal.pipeline_id:
        furthest = deal.furthest_stage = None  # moved to another pipeline
    if deal.stage.kind != StageKind.LOST and (
        furthest is None or deal.stage.position > furthest.position
    ):
        deal.furthest_stage = deal.stage
    DealStageChange.objects.create(
        deal=deal,
        from_stage=previous,
        to_stage=deal.stage,
        from_name=previous.name if previous else "",
        to_name=deal.stage.name,
        changed_at=now,
        changed_by=actor if actor is not None and actor.is_authenticated else None,
    )


def deal_create(*, actor: User, data: Mapping[str, Any]) -> Deal:
    """A deal in a pipeline's stage (default: the first pipeline's first open
    stage), for an organization and/or a contact, owned by the actor unless
    another owner is given."""
    unknown_fields(data, DEAL_FIELDS)
    _check_create(actor, "deal", data)
    inp = _deal_input(actor, data, None)
    inp.raise_if_invalid()
    values = dict(inp.values)
    values.setdefault("owner", actor if actor.is_authenticated else None)
    custom_values.check_owner(actor, "deal", values["owner"])
    values.setdefault("currency", settings.KONTOR_CURRENCY)
    values.setdefault("stage", _first_open_stage(values["pipeline"]))
    custom = values.pop("custom", {})
    now = timezone.now()
    with transaction.atomic():
        deal = Deal(stage_entered_at=now, **values)
        deal.status = deal.stage.kind
        custom_values.store_custom(deal, custom)
        deal.save(force_insert=True)
        _stage_moved(deal, None, actor, now)
        deal.save(update_fields=["status", "stage_entered_at", "closed_at", "furthest_stage"])
        _audit(actor, AuditAction.CREATE, deal, {}, _deal_snapshot(deal))
    return deal


def deal_update(
    *,
    actor: User,
    deal: Deal,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Deal:
    """Change the given fields. A new stage is kept in the deal's history
    (from, to, when, who); moving to a lost stage needs a ``lost_reason``.
    With ``expected_version``, a deal changed meanwhile raises VersionConflict."""
    require(actor, Action.EDIT, deal)
    unknown_fields(data, DEAL_FIELDS)
    check_field_edits(actor, "deal", data)
    inp = _deal_input(actor, data, deal)
    inp.raise_if_invalid()
    _owner(inp, actor, "deal", deal, [])
    values = inp.values
    if _deal_unchanged(deal, values):
        check_version(deal, expected_version)
        return deal
    before = _deal_snapshot(deal)
    previous = deal.stage
    now = timezone.now()
    with transaction.atomic():
        claim_version(deal, expected_version)
        custom = values.pop("custom", None)
        for field, value in values.items():
            setattr(deal, field, value)
        update_fields = [*values, "updated_at"]
        if custom is not None:
            update_fields += custom_values.store_custom(deal, custom)
        if "stage" in values:
            _stage_moved(deal, previous, actor, now)
            update_fields += ["status", "stage_entered_at", "closed_at", "furthest_stage"]
        deal.save(update_fields=update_fields)
        _audit(actor, AuditAction.UPDATE, deal, before, _deal_snapshot(deal))
    return deal


def _deal_unchanged(deal: Deal, values: Mapping[str, Any]) -> bool:
    for field, value in values.items():
        if field == "custom":
            if value != custom_values.current_custom_values(deal):
                return False
        elif Deal._meta.get_field(field).is_relation:
            if getattr(deal, f"{field}_id") != (value.pk if value is not None else None):
                return False
        elif getattr(deal, field) != value:
            return False
    return True


def deal_move(
    *,
    actor: User,
    deal: Deal,
    stage: Any,
    lost_reason: str | None = None,
    expected_version: int | None = None,
) -> Deal:
    """Move a deal to another stage of its pipeline (the board's drag and drop)."""
    data: dict[str, Any] = {"stage_id": getattr(stage, "pk", stage)}
    if lost_reason is not None:
        data["lost_reason"] = lost_reason
    return deal_update(actor=actor, deal=deal, data=data, expected_version=expected_version)


def deal_delete(*, actor: User, deal: Deal, expected_version: int | None = None) -> None:
    require(actor, Action.DELETE, deal)
    before = _deal_snapshot(deal)
    with transaction.atomic():
        if expected_version is not None:
            claim_version(deal, expected_version)
        _audit(actor, AuditAction.DELETE, deal, before, {})
        custom_values.forget_shares(deal)
        deal.delete()


# Products ---------------------------------------------------------------------------


def _product_snapshot(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "unit": product.unit,
        "net_price": _money(product.net_price),
        "currency": product.currency,
        "tax_rate": _money(product.tax_rate),
        "active": product.active,
        "source": product.source,
    }


def _product_input(actor: User, data: Mapping[str, Any], product: Product | None) -> Input:
    inp = Input(actor)
    creating = product is None
    if "sku" in data or creating:
        sku = inp.text("sku", data.get("sku"), limit=64, required=True)
        taken = Product.objects.filter(sku__iexact=sku or "")
        if product is not None:
            taken = taken.exclude(pk=product.pk)
        if sku and taken.exists():
            inp.error("sku", "is taken by another product")
    if "name" in data or creating:
        inp.text("name", data.get("name"), limit=255, required=True)
    if "description" in data:
        inp.text("description", data["description"], limit=10_000)
    if "unit" in data:
        inp.text("unit", data["unit"], limit=32)
    if "net_price" in data or creating:
        if data.get("net_price") is None:
            inp.error("net_price", "is required")
        else:
            inp.decimal("net_price", data["net_price"], places=4)
    if "tax_rate" in data or creating:
        if data.get("tax_rate") is None:
            inp.error("tax_rate", "is required, e.g. 19, 7 or 0")
        else:
            rate = inp.decimal("tax_rate", data["tax_rate"], places=2, maximum=Decimal(101))
            if rate is not None and rate > 100:
                inp.error("tax_rate", "must be between 0 and 100")
    if data.get("currency") is not None:
        inp.currency(data["currency"])
    if "active" in data:
        inp.boolean("active", data["active"])
    if "source" in data:
        inp.text("source", data["source"] or KONTOR_SOURCE, limit=64)
    return inp


def product_create(*, actor: User, data: Mapping[str, Any]) -> Product:
    unknown_fields(data, PRODUCT_FIELDS)
    _check_create(actor, "product", data)
    inp = _product_input(actor, data, None)
    inp.raise_if_invalid()
    values = {"currency": settings.KONTOR_CURRENCY, **inp.values}
    with transaction.atomic():
        product = Product.objects.create(
            created_by=actor if actor.is_authenticated else None, **values
        )
        _audit(actor, AuditAction.CREATE, product, {}, _product_snapshot(product))
    return product


def product_update(
    *,
    actor: User,
    product: Product,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Product:
    require(actor, Action.EDIT, product)
    unknown_fields(data, PRODUCT_FIELDS)
    inp = _product_input(actor, data, product)
    inp.raise_if_invalid()
    _refuse_maintained(product, inp.values, False)
    if all(getattr(product, f) == v for f, v in inp.values.items()):
        check_version(product, expected_version)
        return product
    before = _product_snapshot(product)
    with transaction.atomic():
        claim_version(product, expected_version)
        for field, value in inp.values.items():
            setattr(product, field, value)
        product.save(update_fields=[*inp.values, "updated_at"])
        _audit(actor, AuditAction.UPDATE, product, before, _product_snapshot(product))
    return product


def product_delete(*, actor: User, product: Product, expected_version: int | None = None) -> None:
    """Lines that named the product keep its SKU, name and price."""
    require(actor, Action.DELETE, product)
    before = _product_snapshot(product)
    with transaction.atomic():
        if expected_version is not None:
            claim_version(product, expected_version)
        _audit(actor, AuditAction.DELETE, product, before, {})
        custom_values.forget_shares(product)
        product.delete()


# Quotes ------------------------------------------------------------------------------


def _document_snapshot(document: Any, lines: list | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "number": document.number,
        "organization": str(document.organization_id) if document.organization_id else None,
        "contact": str(document.contact_id) if document.contact_id else None,
        "customer_name": document.customer_name,
        "currency": document.currency,
        "status": document.status,
    }
    if isinstance(document, Quote | Order):
        values.update(
            deal=str(document.deal_id) if document.deal_id else None,
            owner=document.owner_id,
            lines=line_snapshot(lines if lines is not None else list(document.lines.all())),
            net_total=_money(document.net_total),
            tax_total=_money(document.tax_total),
            gross_total=_money(document.gross_total),
        )
    if isinstance(document, Quote):
        values.update(
            valid_until=_date(document.valid_until),
            terms=document.terms,
            introduction=document.introduction,
            customer_address=document.customer_address,
        )
    if isinstance(document, Order):
        values.update(order_date=_date(document.order_date), source=document.source)
    if isinstance(document, Invoice):
        values.update(
            order=str(document.order_id) if document.order_id else None,
            invoice_date=_date(document.invoice_date),
            due_date=_date(document.due_date),
            gross_amount=_money(document.gross_amount),
            amount_paid=_money(document.amount_paid),
            dunning_level=document.dunning_level,
            source=document.source,
        )
    return {k: v for k, v in values.items() if v not in (None, "", [])}


# What the audit trail masks when a document's amounts are financial.
_AMOUNT_FIELDS = ("lines", "net_total", "tax_total", "gross_total")
_PAYMENT_FIELDS = ("gross_amount", "amount_paid", "dunning_level", "status")


def _document_masked(actor: User, key: str) -> tuple[str, ...]:
    if key == "invoice":
        return _PAYMENT_FIELDS
    categories = field_categories(actor, key)
    return _AMOUNT_FIELDS if categories.get("amounts") in SENSITIVE_CATEGORIES else ()


def _check_document_fields(actor: User, key: str, data: Mapping[str, Any]) -> None:
    """Amounts may be financial: a role that may not edit them changes no line."""
    names = {"lines": "amounts", "customer_address": "customer_address"}
    mapped = {names[k]: v for k, v in data.items() if k in names}
    if key == "invoice":
        mapped = {"payment": True} if set(data) & set(_PAYMENT_FIELDS) else {}
    check_field_edits(actor, key, mapped)


def _quote_input(actor: User, data: Mapping[str, Any], quote: Quote | None) -> Input:
    inp = Input(actor)
    if "deal_id" in data:
        deal = inp.record(
            "deal_id", data["deal_id"], selectors.visible_deals(actor), "deal", "deal"
        )
        if deal is not None and quote is None:
            # The deal's customer and currency, unless the quote names its own.
            if "organization_id" not in data and "contact_id" not in data:
                if deal.organization_id:
                    inp.organization(deal.organization_id)
                if deal.contact_id:
                    inp.contact(deal.contact_id)
                inp.errors.pop("organization_id", None)
                inp.errors.pop("contact_id", None)
            if data.get("currency") is None:
                inp.values["currency"] = deal.currency
    _customer(inp, data, quote)
    if data.get("currency") is not None:
        inp.currency(data["currency"])
    if "valid_until" in data:
        inp.date("valid_until", data["valid_until"], required=True)
    for field, limit in (("terms", 10_000), ("introduction", 10_000), ("customer_address", 1000)):
        if field in data:
            inp.text(field, data[field], limit=limit)
    if "owner_id" in data:
        inp.owner(data["owner_id"])
    return inp


def _lines(
    inp: Input, data: Mapping[str, Any], record: Any, line_model: type, on: datetime.date
) -> list | None:
    if "lines" not in data:
        return None
    if data["lines"] is None:
        inp.error("lines", "must be a list")
        return None
    currency = inp.values.get("currency") or getattr(record, "currency", None)
    currency = currency or settings.KONTOR_CURRENCY
    return read_lines(
        inp,
        data["lines"],
        line_model=line_model,
        products=selectors.visible_products(inp.actor),
        currency=currency,
        organization=inp.current("organization", record),
        contact=inp.current("contact", record),
        on=on,
    )


def _save_lines(document: Any, lines: list, relation: str) -> None:
    document.lines.all().delete()
    for line in lines:
        setattr(line, relation, document)
    type(lines[0]).objects.bulk_create(lines) if lines else None
    document._prefetched_objects_cache = {}


def _document_parents(inp: Input, record: Any) -> list[Any]:
    return [p for p in (inp.current("organization", record), inp.current("contact", record)) if p]


def _require_document_create(actor: User, key: str, inp: Input, record: Any = None) -> None:
    owner = inp.values.get("owner", actor if actor.is_authenticated else None)
    parents = _document_parents(inp, record)
    owners = [getattr(owner, "pk", None), *(p.owner_id for p in parents)]
    require_create(actor, key, owner_ids=owners, parents=parents)


def quote_create(*, actor: User, data: Mapping[str, Any]) -> Quote:
    """A draft quote with the next number of the year. Without a customer it
    takes the deal's; product lines take the price valid for the customer
    today."""
    unknown_fields(data, QUOTE_FIELDS - {"status"})
    _check_create(actor, "quote", {})
    _check_document_fields(actor, "quote", data)
    inp = _quote_input(actor, data, None)
    today = timezone.localdate()
    lines = _lines(inp, data, None, QuoteLine, today) or []
    inp.raise_if_invalid()
    _require_document_create(actor, "quote", inp)
    values = dict(inp.values)
    values.setdefault("owner", actor if actor.is_authenticated else None)
    values.setdefault("currency", settings.KONTOR_CURRENCY)
    values.setdefault(
        "valid_until", today + datetime.timedelta(days=settings.KONTOR_QUOTE_VALID_DAYS)
    )
    with transaction.atomic():
        number = numbering.next_number("quote", on=today)
        quote = Quote(
            number=number, base_number=number, customer_name=_customer_name(inp, None), **values
        )
        apply_totals(quote, lines)
        quote.save(force_insert=True)
        _save_lines(quote, lines, "quote")
        _audit(
            actor,
            AuditAction.CREATE,
            quote,
            {},
            _document_snapshot(quote, lines),
            financial=_document_masked(actor, "quote"),
        )
    return quote


def quote_update(
    *,
    actor: User,
    quote: Quote,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Quote:
    """Change a draft in place (lines are replaced whole). A quote that was
    sent is frozen: a change makes a new revision (``Q-2026-00042-2``, a
    draft), which this returns. ``status`` alone moves a quote on: ``sent``
    (sent by other means), ``declined``, ``accepted`` (as ``quote_accept``)."""
    require(actor, Action.EDIT, quote)
    unknown_fields(data, QUOTE_FIELDS)
    _check_document_fields(actor, "quote", data)
    if "status" in data:
        if set(data) - {"status"}:
            raise FieldErrors.single(
                "status", "change the status on its own, not together with other fields"
            )
        return quote_set_status(
            actor=actor, quote=quote, status=data["status"], expected_version=expected_version
        )
    if quote.superseded_by_id:
        raise FieldErrors.single(
            "__all__", f"this revision was replaced by {quote.superseded_by}; change that one"
        )
    if quote.status == QuoteStatus.ACCEPTED:
        raise FieldErrors.single("__all__", "an accepted quote cannot change")
    inp = _quote_input(actor, data, quote)
    lines = _lines(inp, data, quote, QuoteLine, quote.created_at.date())
    inp.raise_if_invalid()
    _owner(inp, actor, "quote", quote, [])
    if quote.is_frozen:
        check_version(quote, expected_version)
        return _quote_revise(actor, quote, inp, lines)
    stored = list(quote.lines.all())
    unchanged = all(
        (getattr(quote, f"{f}_id") == getattr(v, "pk", None))
        if Quote._meta.get_field(f).is_relation
        else getattr(quote, f) == v
        for f, v in inp.values.items()
    )
    if unchanged and (lines is None or same_lines(lines, stored)):
        check_version(quote, expected_version)
        return quote
    before = _document_snapshot(quote, stored)
    with transaction.atomic():
        claim_version(quote, expected_version)
        for field, value in inp.values.items():
            setattr(quote, field, value)
        quote.customer_name = _customer_name(inp, quote)
        update_fields = [*inp.values, "customer_name", "updated_at"]
        if lines is not None:
            apply_totals(quote, lines)
            _save_lines(quote, lines, "quote")
            update_fields += ["net_total", "tax_total", "gross_total"]
        quote.save(update_fields=update_fields)
        _audit(
            actor,
            AuditAction.UPDATE,
            quote,
            before,
            _document_snapshot(quote, lines),
            financial=_document_masked(actor, "quote"),
        )
    return quote


def _copy_lines(lines: list, model: type) -> list:
    fields = ["position", "product", "sku", "description", "quantity", "unit", "unit_price",
              "discount_percent", "tax_rate", "net_amount"]  # fmt: skip
    return [model(**{f: getattr(line, f) for f in fields}) for line in lines]


def _quote_revise(actor: User, quote: Quote, inp: Input, lines: list | None) -> Quote:
    """The next revision of a frozen quote, with the changes; the old one
    points to it."""
    values = {
        "organization": quote.organization,
        "contact": quote.contact,
        "deal": quote.deal,
        "owner": quote.owner,
        "currency": quote.currency,
        "valid_until": quote.valid_until,
        "terms": quote.terms,
        "introduction": quote.introduction,
        "customer_address": quote.customer_address,
        **inp.values,
    }
    if lines is None:
        lines = _copy_lines(list(quote.lines.all()), QuoteLine)
    today = timezone.localdate()
    if values["valid_until"] < today:
        values["valid_until"] = today + datetime.timedelta(days=settings.KONTOR_QUOTE_VALID_DAYS)
    with transaction.atomic():
        claim_version(quote, quote.version)
        latest = (
            Quote.objects.select_for_update()
            .filter(base_number=quote.base_number)
            .order_by("-revision")
            .values_list("revision", flat=True)
            .first()
        )
        revision = (latest or 1) + 1
        new = Quote(
            number=numbering.revision_number(quote.base_number, revision),
            base_number=quote.base_number,
            revision=revision,
            customer_name=_customer_name(inp, quote),
            **values,
        )
        apply_totals(new, lines)
        new.save(force_insert=True)
        _save_lines(new, lines, "quote")
        quote.superseded_by = new
        quote.save(update_fields=["superseded_by", "updated_at"])
        emit("quote.updated", quote)  # it now names its successor
        _audit(
            actor,
            AuditAction.CREATE,
            new,
            {},
            {**_document_snapshot(new, lines), "revision_of": quote.number},
            financial=_document_masked(actor, "quote"),
        )
    return new


QUOTE_TRANSITIONS = {
    QuoteStatus.DRAFT: {QuoteStatus.SENT},
    QuoteStatus.SENT: {QuoteStatus.ACCEPTED, QuoteStatus.DECLINED},
}


def quote_set_status(
    *, actor: User, quote: Quote, status: Any, expected_version: int | None = None
) -> Quote:
    require(actor, Action.EDIT, quote)
    if status == quote.status:
        check_version(quote, expected_version)
        return quote
    allowed = QUOTE_TRANSITIONS.get(quote.status, set())
    if status not in allowed:
        choices = ", ".join(sorted(allowed)) or "none (it is final)"
        raise FieldErrors.single("status", f"a {quote.status} quote can move on to: {choices}")
    if quote.superseded_by_id:
        raise FieldErrors.single("status", f"this revision was replaced by {quote.superseded_by}")
    if status == QuoteStatus.ACCEPTED:
        quote_accept(actor=actor, quote=quote, expected_version=expected_version)
        quote.refresh_from_db()
        return quote
    before = _document_snapshot(quote)
    now = timezone.now()
    with transaction.atomic():
        claim_version(quote, expected_version)
        quote.status = status
        fields = ["status", "updated_at"]
        if status == QuoteStatus.SENT:
            quote.sent_at = now
            fields.append("sent_at")
        else:
            quote.decided_at = now
            fields.append("decided_at")
        quote.save(update_fields=fields)
        _audit(actor, AuditAction.UPDATE, quote, before, _document_snapshot(quote))
    return quote


def _won_stage(pipeline: Pipeline) -> Stage | None:
    return pipeline.stages.filter(kind=StageKind.WON).order_by("position", "id").first()


def quote_accept(*, actor: User, quote: Quote, expected_version: int | None = None) -> Order:
    """The customer accepted a sent quote: it becomes an order (with the
    quote's lines, the next order number) and its open deal is won. Accepting
    it again answers its order."""
    require(actor, Action.EDIT, quote)
    if quote.status == QuoteStatus.ACCEPTED and hasattr(quote, "order"):
        return quote.order
    if quote.superseded_by_id:
        raise FieldErrors.single(
            "status", f"this revision was replaced by {quote.superseded_by}; accept that one"
        )
    if quote.status != QuoteStatus.SENT:
        raise FieldErrors.single(
            "status", f"only a sent quote can be accepted; this one is {quote.status}"
        )
    parents = [p for p in (quote.organization, quote.contact) if p]
    require_create(
        actor,
        "order",
        owner_ids=[quote.owner_id, *(p.owner_id for p in parents)],
        parents=parents,
    )
    before = _document_snapshot(quote)
    today = timezone.localdate()
    with transaction.atomic():
        claim_version(quote, expected_version)
        quote.status = QuoteStatus.ACCEPTED
        quote.decided_at = timezone.now()
        quote.save(update_fields=["status", "decided_at", "updated_at"])
        _audit(actor, AuditAction.UPDATE, quote, before, _document_snapshot(quote))
        lines = _copy_lines(list(quote.lines.all()), OrderLine)
        order = Order(
            number=numbering.next_number("order", on=today),
            organization=quote.organization,
            contact=quote.contact,
            customer_name=quote.customer_name,
            deal=quote.deal,
            owner=quote.owner,
            currency=quote.currency,
            order_date=today,
            quote=quote,
            net_total=quote.net_total,
            tax_total=quote.tax_total,
            gross_total=quote.gross_total,
        )
        order.save(force_insert=True)
        _save_lines(order, lines, "order")
        _audit(
            actor,
            AuditAction.CREATE,
            order,
            {},
            {**_document_snapshot(order, lines), "quote": quote.number},
            financial=_document_masked(actor, "order"),
        )
        deal = quote.deal
        if deal is not None and deal.status == StageKind.OPEN:
            from kontor.access.policy import can

            won = _won_stage(deal.pipeline)
            if won is not None and can(actor, Action.EDIT, deal):
                deal_update(actor=actor, deal=deal, data={"stage_id": won.pk})
    return order


def quotes_expire(*, now: datetime.datetime) -> int:
    """Sent quotes whose validity ended before ``now``'s date become expired.
    Idempotent: run it as often as you like (the worker's schedule runs it
    daily); returns how many expired this time."""
    today = timezone.localdate(now)
    expired = 0
    due = Quote.objects.filter(status=QuoteStatus.SENT, valid_until__lt=today).order_by("id")
    for quote in due.iterator(chunk_size=500):
        with transaction.atomic():
            # Only if it is still sent (a colleague may accept it meanwhile).
            changed = Quote.objects.filter(pk=quote.pk, status=QuoteStatus.SENT).update(
                status=QuoteStatus.EXPIRED,
                version=F("version") + 1,
                updated_at=timezone.now(),
            )
            if changed:
                audit_record(
                    actor=None,
                    action=AuditAction.UPDATE,
                    record=quote,
                    changes={"status": [QuoteStatus.SENT, QuoteStatus.EXPIRED]},
                )
                quote.status = QuoteStatus.EXPIRED
                _emit(AuditAction.UPDATE, quote, "quote", {"status": []})
                expired += changed
    return expired


def quote_send(
    *, actor: User, quote: Quote, to: Any, message: Any, pdf: bytes | None = None
) -> QueuedEmail:
    """Email the quote as a PDF to ``to``: the email is queued through the
    outgoing email queue (kontor.core.outgoing_mail) in this transaction and
    the quote is marked sent with it; the worker sends it (retrying with
    backoff) and then logs it on the customer's history with its
    Message-ID, linked to the quote's deal. Returns the queued email, whose
    status tells how it went. The one place that sends a quote.

    The quote becomes sent when the queue accepts the message, not when the
    mail server does: from then on the queue owns the message and never
    drops it, and a sent quote is frozen, so the PDF in the queue is the
    quote's text and a change makes a new revision (a draft left editable
    could differ from what the customer receives). A delivery that fails
    for good stays visible as ``failed`` on the quote (page and
    ``/api/v1/emails/{id}``), and a sent quote can be sent again."""
    from kontor.sales.pdf import quote_file_name, quote_pdf

    require(actor, Action.EDIT, quote)
    if quote.superseded_by_id:
        raise FieldErrors.single("__all__", f"this revision was replaced by {quote.superseded_by}")
    if quote.status not in (QuoteStatus.DRAFT, QuoteStatus.SENT):
        raise FieldErrors.single("__all__", f"a {quote.status} quote is not sent again")
    inp = Input(actor)
    addresses = []
    for index, address in enumerate(as_list(inp, "to", to, limit=50)):
        try:
            addresses.append(normalize_email(address if isinstance(address, str) else "").original)
        except InvalidContactPoint as exc:
            inp.error(f"to[{index}]", str(exc))
    if to is not None and not addresses and not inp.errors:
        inp.error("to", "give at least one email address")
    inp.text("message", message, limit=100_000)
    inp.raise_if_invalid()
    if quote.contact_id is None and quote.organization_id is None:
        raise FieldErrors.single("__all__", "the quote has no customer any more")
    subject = _("Quote %(number)s") % {"number": quote.number}
    pdf = pdf if pdf is not None else quote_pdf(quote)
    before = _document_snapshot(quote)
    links = {}
    if quote.deal_id and selectors.visible_deals(actor).filter(pk=quote.deal_id).exists():
        links["deal_id"] = quote.deal_id
    with transaction.atomic():
        queued = queue_email(
            actor=actor,
            to=addresses,
            subject=subject,
            text=inp.values["message"],
            attachments=[(quote_file_name(quote), pdf, "application/pdf")],
            contact=quote.contact,
            organization=quote.organization,
            links=links,
            from_address=settings.KONTOR_COMPANY_EMAIL,
        )
        claim_version(quote, None)
        if quote.status == QuoteStatus.DRAFT:
            quote.status = QuoteStatus.SENT
        quote.sent_at = timezone.now()
        quote.email_id = queued.pk
        quote.save(update_fields=["status", "sent_at", "email_id", "updated_at"])
        _audit(actor, AuditAction.UPDATE, quote, before, _document_snapshot(quote))
    return queued


# Orders ------------------------------------------------------------------------------


def _order_input(actor: User, data: Mapping[str, Any], order: Order | None) -> Input:
    inp = Input(actor)
    _customer(inp, data, order)
    if "deal_id" in data:
        inp.record("deal_id", data["deal_id"], selectors.visible_deals(actor), "deal", "deal")
    if data.get("currency") is not None:
        inp.currency(data["currency"])
    if "order_date" in data:
        inp.date("order_date", data["order_date"], required=True)
    if "status" in data:
        inp.choice("status", data["status"], OrderStatus.values)
    if "source" in data:
        inp.text("source", data["source"] or KONTOR_SOURCE, limit=64)
    if "number" in data:
        inp.text("number", data["number"], limit=64, required=True)
    if "owner_id" in data:
        inp.owner(data["owner_id"])
    return inp


def _number_taken(model: type, source: str, number: str, record: Any) -> bool:
    taken = model.objects.filter(source=source, number=number)
    if record is not None:
        taken = taken.exclude(pk=record.pk)
    return taken.exists()


def order_create(*, actor: User, data: Mapping[str, Any]) -> Order:
    """An order; made in Kontor (``source`` kontor) it takes the next order
    number unless one is given; from an ERP (``source``: its name) it keeps
    the ERP's number, which is then required."""
    unknown_fields(data, ORDER_FIELDS)
    _check_create(actor, "order", {})
    _check_document_fields(actor, "order", data)
    inp = _order_input(actor, data, None)
    source = inp.values.get("source", KONTOR_SOURCE)
    if source != KONTOR_SOURCE and not data.get("number"):
        inp.error("number", "is required for an order from another system")
    today = timezone.localdate()
    lines = _lines(inp, data, None, OrderLine, inp.values.get("order_date") or today) or []
    number = inp.values.get("number")
    if number and _number_taken(Order, source, number, None):
        inp.error("number", "is taken by another order")
    inp.raise_if_invalid()
    _require_document_create(actor, "order", inp)
    values = dict(inp.values)
    values.setdefault("owner", actor if actor.is_authenticated else None)
    values.setdefault("currency", settings.KONTOR_CURRENCY)
    values.setdefault("order_date", today)
    with transaction.atomic():
        if not values.get("number"):
            values["number"] = numbering.next_number("order", on=values["order_date"])
        order = Order(customer_name=_customer_name(inp, None), **values)
        apply_totals(order, lines)
        order.save(force_insert=True)
        _save_lines(order, lines, "order")
        _audit(
            actor,
            AuditAction.CREATE,
            order,
            {},
            _document_snapshot(order, lines),
            financial=_document_masked(actor, "order"),
        )
    return order


def _document_unchanged(record: Any, values: Mapping[str, Any]) -> bool:
    for field, value in values.items():
        if type(record)._meta.get_field(field).is_relation:
            if getattr(record, f"{field}_id") != getattr(value, "pk", None):
                return False
        elif getattr(record, field) != value:
            return False
    return True


def order_update(
    *, actor: User, order: Order, data: Mapping[str, Any], expected_version: int | None = None
) -> Order:
    require(actor, Action.EDIT, order)
    unknown_fields(data, ORDER_FIELDS)
    _check_document_fields(actor, "order", data)
    inp = _order_input(actor, data, order)
    lines = _lines(inp, data, order, OrderLine, order.order_date)
    source = inp.values.get("source", order.source)
    number = inp.values.get("number", order.number)
    if ("number" in inp.values or "source" in inp.values) and _number_taken(
        Order, source, number, order
    ):
        inp.error("number", "is taken by another order")
    inp.raise_if_invalid()
    _owner(inp, actor, "order", order, [])
    stored = list(order.lines.all())
    _refuse_maintained(order, inp.values, lines is not None and not same_lines(lines, stored))
    if _document_unchanged(order, inp.values) and (lines is None or same_lines(lines, stored)):
        check_version(order, expected_version)
        return order
    before = _document_snapshot(order, stored)
    with transaction.atomic():
        claim_version(order, expected_version)
        for field, value in inp.values.items():
            setattr(order, field, value)
        order.customer_name = _customer_name(inp, order)
        fields = [*inp.values, "customer_name", "updated_at"]
        if lines is not None:
            apply_totals(order, lines)
            _save_lines(order, lines, "order")
            fields += ["net_total", "tax_total", "gross_total"]
        order.save(update_fields=fields)
        _audit(
            actor,
            AuditAction.UPDATE,
            order,
            before,
            _document_snapshot(order, lines),
            financial=_document_masked(actor, "order"),
        )
    return order


# Invoices ----------------------------------------------------------------------------


def _invoice_input(actor: User, data: Mapping[str, Any], invoice: Invoice | None) -> Input:
    inp = Input(actor)
    creating = invoice is None
    _customer(inp, data, invoice)
    if "number" in data or creating:
        inp.text("number", data.get("number"), limit=64, required=True)
    if "order_id" in data:
        inp.record("order_id", data["order_id"], selectors.visible_orders(actor), "order", "order")
    if data.get("currency") is not None:
        inp.currency(data["currency"])
    for field in ("invoice_date", "due_date"):
        if field in data or (creating and field == "invoice_date"):
            inp.date(field, data.get(field) or (timezone.localdate() if field == "invoice_date"
                                                   else None), required=True)  # fmt: skip
    if "gross_amount" in data or creating:
        if data.get("gross_amount") is None:
            inp.error("gross_amount", "is required")
        else:
            inp.decimal("gross_amount", data["gross_amount"], places=2, minimum=None)
    if "amount_paid" in data:
        inp.decimal("amount_paid", data["amount_paid"] or "0", places=2)
    if "dunning_level" in data:
        inp.whole("dunning_level", data["dunning_level"], maximum=MAX_DUNNING_LEVEL)
    if "status" in data:
        inp.choice("status", data["status"], InvoiceStatus.values)
    if "source" in data:
        inp.text("source", data["source"] or KONTOR_SOURCE, limit=64)
    invoice_date = inp.current("invoice_date", invoice)
    due_date = inp.current("due_date", invoice)
    if creating and due_date is None and invoice_date is not None and "due_date" not in data:
        due_date = inp.values["due_date"] = invoice_date + datetime.timedelta(days=14)
    if invoice_date and due_date and due_date < invoice_date:
        inp.error("due_date", "must not be before the invoice date")
    return inp


def invoice_create(*, actor: User, data: Mapping[str, Any]) -> Invoice:
    """An invoice as the ERP sends it (Kontor does no bookkeeping): number,
    customer, dates, gross amount and what is paid. Its number is unique per
    source. Due 14 days after the invoice date unless given."""
    unknown_fields(data, INVOICE_FIELDS)
    _check_create(actor, "invoice", {})
    _check_document_fields(actor, "invoice", data)
    inp = _invoice_input(actor, data, None)
    source = inp.values.get("source", KONTOR_SOURCE)
    if inp.values.get("number") and _number_taken(Invoice, source, inp.values["number"], None):
        inp.error("number", "is taken by another invoice")
    inp.raise_if_invalid()
    parents = _document_parents(inp, None)
    require_create(actor, "invoice", owner_ids=[p.owner_id for p in parents], parents=parents)
    values = {"currency": settings.KONTOR_CURRENCY, **inp.values}
    with transaction.atomic():
        invoice = Invoice(customer_name=_customer_name(inp, None), **values)
        invoice.save(force_insert=True)
        _audit(
            actor, AuditAction.CREATE, invoice, {}, _document_snapshot(invoice),
            financial=_PAYMENT_FIELDS,
        )  # fmt: skip
    return invoice


def invoice_update(
    *,
    actor: User,
    invoice: Invoice,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Invoice:
    require(actor, Action.EDIT, invoice)
    unknown_fields(data, INVOICE_FIELDS)
    _check_document_fields(actor, "invoice", data)
    inp = _invoice_input(actor, data, invoice)
    source = inp.values.get("source", invoice.source)
    number = inp.values.get("number", invoice.number)
    if ("number" in inp.values or "source" in inp.values) and _number_taken(
        Invoice, source, number, invoice
    ):
        inp.error("number", "is taken by another invoice")
    inp.raise_if_invalid()
    _refuse_maintained(invoice, inp.values, False)
    if _document_unchanged(invoice, inp.values):
        check_version(invoice, expected_version)
        return invoice
    before = _document_snapshot(invoice)
    with transaction.atomic():
        claim_version(invoice, expected_version)
        for field, value in inp.values.items():
            setattr(invoice, field, value)
        invoice.customer_name = _customer_name(inp, invoice)
        invoice.save(update_fields=[*inp.values, "customer_name", "updated_at"])
        _audit(
            actor, AuditAction.UPDATE, invoice, before, _document_snapshot(invoice),
            financial=_PAYMENT_FIELDS,
        )  # fmt: skip
    return invoice


# Retention ---------------------------------------------------------------------------


def documents_erase_expired(*, actor: User | None, documents: list[Any]) -> list[Any]:
    """Delete quotes, orders or invoices whose retention period has ended
    (the data protection layer's retention run; ``actor`` is None for the
    worker): each with its lines and one audit entry (``deleted``, no
    values); shares on them go too. Returns the ids deleted."""
    deleted = []
    with transaction.atomic():
        for document in documents:
            audit_record(actor=actor, action=AuditAction.DELETE, record=document, changes={})
            custom_values.forget_shares(document)
            deleted.append(document.pk)
        for model in {type(document) for document in documents}:
            model.objects.filter(pk__in=deleted).delete()
    return deleted
