"""Carrying out an erasure request (GDPR Art. 17) through the registries of
kontor.core: every record type and holder with personal data has its
``PersonalData.erase`` handler, every other store its
``register_erasure_store`` entry; this module names no domain.

The steps run in order (``erase_order`` / ``order``), each in its own
transaction: a step that fails leaves the ones before it done, and running
the request again carries on (each step finds only what is left). Then,
from what the steps touched:

- the audit trail keeps its entries about those records, who did what and
  when, without the values (``kontor.audit.services.redact_records``), and
  gains one entry: the erasure, by whom, when;
- the outbox forgets the events of those records, and the live events for
  open browser tabs (a screen pop) naming the person or those records go;
- the person's email addresses and phone numbers go on the suppression list
  as keyed hashes (kontor.privacy.suppression);
- the earlier requests of the person lose the address or number they were
  found by (the register keeps the requests themselves).

Last, in one transaction, the person's own record goes (the contact type's
handler), the report is saved and the erasure is audited: until then the
person is there to run the request again from.

The report, ``{"stores": [{"name", "items_removed"}], "kept": [{"what",
"legal_ground", "until"}]}``, is kept on the request as proof and the
request is done. Executing a done erasure again answers the same report."""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record, object_type_key, redact_records
from kontor.core.erasure import Erasure, Identifiers, erasure_stores
from kontor.core.exceptions import FieldErrors
from kontor.events.models import Event, OutboxEvent
from kontor.privacy.export.collect import holders
from kontor.privacy.models import DataSubjectRequest, RequestStatus, RequestType
from kontor.privacy.services import require_request_handler
from kontor.privacy.subjects import person_type
from kontor.privacy.suppression import suppress


def steps() -> list[tuple[int, str, str]]:
    """``(order, name, dotted path)`` of every erasure step but the person's
    own type (which goes last, see ``execute_erasure``), in order."""
    person_key = person_type().key
    found = [
        (holder.personal_data.erase_order, holder.key, holder.personal_data.erase)
        for holder in holders()
        if holder.personal_data.erase and holder.key != person_key
    ]
    found += [(store.order, store.name, store.erase) for store in erasure_stores()]
    return sorted(found, key=lambda step: (step[0], step[1]))


def _identifiers(person: Any) -> Identifiers:
    path = person_type().personal_data.identifiers  # type: ignore[union-attr]
    return import_string(path)(person) if path else Identifiers(names=[str(person)])


def report_of(erasure: Erasure) -> dict[str, Any]:
    return {
        "stores": [
            {"name": name, "items_removed": count} for name, count in erasure.stores.items()
        ],
        "kept": erasure.kept,
    }


def _check(actor: Any, request: DataSubjectRequest) -> None:
    require_request_handler(actor)
    if request.type != RequestType.ERASURE:
        raise FieldErrors.single(
            "type", _("Only erasure, restriction and objection requests are carried out.")
        )
    if request.status == RequestStatus.REJECTED:
        raise FieldErrors.single("status", _("This request was rejected."))


def execute_erasure(*, actor: Any, request: DataSubjectRequest) -> dict[str, Any]:
    """Erase the request's person from every store; the report."""
    _check(actor, request)
    request.refresh_from_db()
    if request.erasure_report is not None:
        return request.erasure_report
    person = request.contact
    if person is None:
        raise FieldErrors.single("contact_id", _("The request names no person to erase."))
    saved: dict[str, Any] = {}

    def save_report(erasure: Erasure) -> None:
        found = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
        saved["report"] = found.erasure_report = report_of(erasure)
        found.erased_at = timezone.now()
        if found.is_open:
            found.status = RequestStatus.DONE
            found.done_at = found.erased_at
            found.done_by = actor
        found.save(update_fields=["erasure_report", "erased_at", "status", "done_at", "done_by"])

    erase_person(actor=actor, person=person, finish=save_report, cause={"request": str(request.pk)})
    return saved["report"]


def erase_person(
    *,
    actor: Any,
    person: Any,
    cause: dict[str, str],
    finish: Callable[[Erasure], None] | None = None,
) -> Erasure:
    """Erase ``person`` from every store (a request's erasure, or a
    retention rule's: ``actor`` None). ``finish`` runs in the last
    transaction, after the person's own record went; ``cause`` names the
    request or rule in the audit entry of the erasure."""
    erasure = Erasure(actor=actor, person=person, identifiers=_identifiers(person))
    person_id = str(person.pk)
    requests = list(
        DataSubjectRequest.objects.filter(contact_id=person.pk).values_list("pk", flat=True)
    )
    erasure.touched(type(person), [person_id])
    for _order, _name, path in steps():
        with transaction.atomic():
            import_string(path)(erasure)
    with transaction.atomic():
        _forget(erasure, requests)
    # The person's own record last, in one transaction with the report: a
    # failure before leaves the person to run the erasure again from.
    with transaction.atomic():
        import_string(person_type().personal_data.erase)(erasure)  # type: ignore[union-attr]
        if finish is not None:
            finish(erasure)
        audit_record(
            actor=actor,
            action=AuditAction.ERASE,
            object_type=person_type().key,
            object_id=person_id,
            object_repr="",
            changes={key: [None, value] for key, value in cause.items()},
        )
    return erasure


def forget_records(records: dict[str, set[str]]) -> tuple[int, int]:
    """The copies every record type shares, of these records (model label →
    ids): their audit entries lose their values, their outbox events go.
    Returns how many audit entries and outbox events."""
    from django.apps import apps

    by_type: dict[str, set[str]] = {}
    outbox = 0
    for label, ids in records.items():
        model = apps.get_model(label)
        by_type.setdefault(object_type_key(model), set()).update(ids)
        outbox += OutboxEvent.objects.filter(model=label, record_id__in=list(ids)).delete()[0]
    return redact_records(records=by_type), outbox


def _forget(erasure: Erasure, requests: list) -> None:
    """The copies every record type shares: audit values, outbox events,
    the register's identifiers; and the suppression list."""
    audited, outbox = forget_records(erasure.records)
    erasure.removed(gettext_noop("audit trail values"), audited)
    erasure.removed(gettext_noop("outbox events"), outbox)
    mentions = Q(pk__in=[])
    for value in [*erasure.identifiers.all(), *erasure.record_ids()]:
        mentions |= Q(text__icontains=value)
    live = Event.objects.annotate(text=Cast("payload", TextField())).filter(mentions)
    erasure.removed(
        gettext_noop("live events (screen pops)"),
        Event.objects.filter(pk__in=live.values("pk")).delete()[0],
    )
    for item in DataSubjectRequest.objects.filter(pk__in=requests):
        scrubbed = erasure.identifiers.scrub(item.notes)
        if item.identifier or scrubbed != item.notes:
            item.identifier = ""
            item.notes = scrubbed
            item.save(update_fields=["identifier", "notes"])
    phones = [
        value
        for value in erasure.identifiers.phones
        if value.startswith("+") and value[1:].isdigit()
    ]
    erasure.removed(
        gettext_noop("suppression list (keyed hashes added)"),
        suppress(emails=erasure.identifiers.emails, phones=phones),
    )
