"""Writes to the contact history. The web UI, the API, the demo data and later
integrations (phone system, mail import) all log activities through these
functions."""

import datetime
from collections.abc import Iterable, Mapping
from email.utils import parseaddr
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from kontor.access.services import shares_forget
from kontor.activities import protection
from kontor.activities.links import link_parameters, linked_record
from kontor.activities.models import (
    Activity,
    CallOutcome,
    Direction,
    Kind,
    Participant,
    TaskStatus,
)
from kontor.audit.models import AuditAction
from kontor.contacts import selectors as contact_selectors
from kontor.contacts.normalization import InvalidContactPoint, normalize_email, normalize_phone
from kontor.core.exceptions import FieldErrors
from kontor.core.storable_text import UNSTORABLE_REASON, is_storable
from kontor.core.versions import check_version, claim_version
from kontor.events.outbox import emit
from kontor.notifications.services import notify_mentions

User = AbstractBaseUser | AnonymousUser

COMMON_FIELDS = frozenset(
    {"kind", "subject", "body", "occurred_at", "contact_id", "organization_id"}
)
KIND_FIELDS: dict[str, frozenset[str]] = {
    Kind.CALL: frozenset({"direction", "duration_seconds", "outcome", "phone_number"}),
    Kind.EMAIL: frozenset({"direction", "body_html", "message_id", "from", "to", "cc", "thread"}),
    Kind.MEETING: frozenset({"starts_at", "ends_at", "location", "participants"}),
    Kind.NOTE: frozenset(),
    Kind.TASK: frozenset({"due_at", "assignee_id", "status", "completed_at"}),
}
ALL_FIELDS = COMMON_FIELDS.union(*KIND_FIELDS.values())
# Where a colleague may be @mentioned: text written by colleagues, not by customers.
MENTION_KINDS = frozenset({Kind.NOTE, Kind.CALL, Kind.MEETING, Kind.TASK})

TEXT_LIMITS = {
    "subject": 255,
    "location": 255,
    "message_id": 998,
    "thread": 998,
    "from": 998,
    "body": 1_000_000,
    "body_html": 5_000_000,
}
MAX_ADDRESSES = 500
MAX_PARTICIPANTS = 200
MAX_DURATION_SECONDS = 7 * 24 * 3600
# Model attribute of each input field whose name differs.
ATTRIBUTE = {"from": "from_address", "to": "to_addresses", "cc": "cc_addresses"}


class _Input:
    """Validated values of one write, collecting every problem before any row
    is touched, so the caller sees all of them at once."""

    def __init__(self, actor: User, kind: str, activity: Activity | None) -> None:
        self.actor = actor
        self.kind = kind
        self.activity = activity
        self.errors: dict[str, list[str]] = {}
        self.values: dict[str, Any] = {}
        self.participants: list[Participant] | None = None

    def error(self, field: str, reason: str) -> None:
        self.errors.setdefault(field, []).append(reason)

    def current(self, attribute: str) -> Any:
        """The value after this write: the new one if given, else the stored one."""
        if attribute in self.values:
            return self.values[attribute]
        return getattr(self.activity, attribute) if self.activity else None

    # Field readers ------------------------------------------------------------

    def text(self, field: str, value: Any) -> None:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(field, "must be text")
            return
        value = value.strip() if field not in {"body", "body_html"} else value
        if not is_storable(value):
            self.error(field, UNSTORABLE_REASON)
            return
        if len(value) > TEXT_LIMITS[field]:
            self.error(field, f"must be at most {TEXT_LIMITS[field]} characters")
            return
        self.values[ATTRIBUTE.get(field, field)] = value

    def moment(self, field: str, value: Any, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.error(field, f"is required for {_kind_label(self.kind)}")
            else:
                self.values[field] = None
            return
        if isinstance(value, str):
            try:
                value = datetime.datetime.fromisoformat(value.strip())
            except ValueError:
                self.error(field, "must be a date and time, e.g. 2025-03-01T14:30:00+01:00")
                return
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            value = datetime.datetime.combine(value, datetime.time())
        if not isinstance(value, datetime.datetime):
            self.error(field, "must be a date and time")
            return
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        self.values[field] = value

    def choice(self, field: str, value: Any, choices: list[str]) -> None:
        if value in (None, ""):
            self.values[field] = ""
        elif value not in choices:
            self.error(field, f"must be one of: {', '.join(choices)}")
        else:
            self.values[field] = value

    def duration(self, value: Any) -> None:
        if value is None:
            self.values["duration_seconds"] = None
        elif isinstance(value, bool) or not isinstance(value, int):
            self.error("duration_seconds", "must be a whole number of seconds")
        elif value < 0:
            self.error("duration_seconds", "must not be negative")
        elif value > MAX_DURATION_SECONDS:
            self.error("duration_seconds", "must be at most 7 days")
        else:
            self.values["duration_seconds"] = value

    def phone_number(self, value: Any) -> None:
        if value in (None, ""):
            self.values["phone_number"] = ""
            return
        if not isinstance(value, str):
            self.error("phone_number", "must be text")
            return
        try:
            self.values["phone_number"] = normalize_phone(value).e164
        except InvalidContactPoint as exc:
            self.error("phone_number", str(exc))

    def addresses(self, field: str, value: Any) -> None:
        if value is None:
            value = []
        if isinstance(value, str) or not isinstance(value, Iterable):
            self.error(field, "must be a list of email addresses")
            return
        items = list(value)
        if len(items) > MAX_ADDRESSES:
            self.error(field, f"must have at most {MAX_ADDRESSES} entries")
            return
        cleaned = []
        for index, item in enumerate(items):
            if _address_error(item):
                self.error(f"{field}[{index}]", _address_error(item))
            else:
                cleaned.append(item.strip())
        self.values[ATTRIBUTE[field]] = cleaned

    def from_address(self, value: Any) -> None:
        if value in (None, ""):
            self.values["from_address"] = ""
        elif reason := _address_error(value):
            self.error("from", reason)
        else:
            self.values["from_address"] = value.strip()

    def user(self, field: str, user_id: Any) -> None:
        attribute = field.removesuffix("_id")
        if user_id is None:
            self.values[attribute] = None
            return
        user = _active_user(user_id)
        if user is None:
            self.error(field, "is not an active user")
        else:
            self.values[attribute] = user

    def contact(self, contact_id: Any) -> None:
        if contact_id is None:
            self.values["contact"] = None
            return
        contact = (
            contact_selectors.visible_contacts(self.actor)
            .filter(pk=contact_id)
            .select_related("organization")
        ).first()
        if contact is None:
            self.error("contact_id", "is not an existing contact")
        else:
            self.values["contact"] = contact

    def organization(self, organization_id: Any) -> None:
        if organization_id is None:
            self.values["organization"] = None
            return
        organization = (
            contact_selectors.visible_organizations(self.actor).filter(pk=organization_id).first()
        )
        if organization is None:
            self.error("organization_id", "is not an existing organization")
        else:
            self.values["organization"] = organization

    def link(self, parameter: str, record_id: Any) -> None:
        """The record the activity is about besides its contact or organization
        (``deal_id``; kontor.activities.links)."""
        if record_id is None:
            self.values["linked_type"], self.values["linked_id"] = "", None
            return
        kind = link_parameters()[parameter]
        record = linked_record(self.actor, kind.key, record_id)
        if record is None:
            self.error(parameter, f"is not an existing {kind.label}")
            return
        if self.values.get("linked_id") is not None and "linked_record" in self.__dict__:
            self.error(parameter, "an activity is about one record; give only one")
            return
        self.linked_record = record
        self.values["linked_type"], self.values["linked_id"] = kind.key, record.pk

    def participant_list(self, value: Any) -> None:
        if value is None:
            value = []
        if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
            self.error("participants", "must be a list")
            return
        items = list(value)
        if len(items) > MAX_PARTICIPANTS:
            self.error("participants", f"must have at most {MAX_PARTICIPANTS} entries")
            return
        participants: list[Participant] = []
        seen: set[tuple[str, Any]] = set()
        for index, item in enumerate(items):
            field = f"participants[{index}]"
            item = item if isinstance(item, Mapping) else {}
            contact_id, user_id = item.get("contact_id"), item.get("user_id")
            if (contact_id is None) == (user_id is None):
                self.error(field, "give either a contact_id or a user_id")
                continue
            if contact_id is not None:
                contact = (
                    contact_selectors.visible_contacts(self.actor).filter(pk=contact_id).first()
                )
                if contact is None:
                    self.error(f"{field}.contact_id", "is not an existing contact")
                elif ("contact", contact.pk) not in seen:
                    seen.add(("contact", contact.pk))
                    participants.append(Participant(contact=contact))
            else:
                user = _active_user(user_id)
                if user is None:
                    self.error(f"{field}.user_id", "is not an active user")
                elif ("user", user.pk) not in seen:
                    seen.add(("user", user.pk))
                    participants.append(Participant(user=user))
        self.participants = participants


def _address_error(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be an email address as text"
    if len(value) > 998:
        return "must be at most 998 characters"
    _name, address = parseaddr(value)
    try:
        normalize_email(address or value)
    except InvalidContactPoint as exc:
        return str(exc)
    return None


def _active_user(user_id: Any) -> AbstractBaseUser | None:
    if isinstance(user_id, bool) or not isinstance(user_id, int | str):
        return None
    if isinstance(user_id, str) and not user_id.isdigit():
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def _kind_label(kind: str) -> str:
    return {Kind.EMAIL: "an email", Kind.TASK: "a task"}.get(kind, f"a {kind}")


def _read(data: Mapping[str, Any], inp: _Input) -> None:
    """Check that every field belongs to the activity's kind, then read it."""
    links = link_parameters()
    allowed = COMMON_FIELDS | KIND_FIELDS[inp.kind] | set(links)
    for field in sorted(set(data) - ALL_FIELDS - set(links)):
        inp.error(field, "is not a field of an activity")
    for field in sorted((set(data) & ALL_FIELDS) - allowed):
        if data[field] is not None:
            inp.error(field, f"does not apply to {_kind_label(inp.kind)}")
    present = {f: data[f] for f in set(data) & allowed}

    for field in ("subject", "body", "location", "message_id", "thread", "body_html"):
        if field in present:
            inp.text(field, present[field])
    if "occurred_at" in present:
        inp.moment("occurred_at", present["occurred_at"], required=inp.activity is not None)
    if "direction" in present:
        inp.choice("direction", present["direction"], Direction.values)
    if "outcome" in present:
        inp.choice("outcome", present["outcome"], CallOutcome.values)
    if "duration_seconds" in present:
        inp.duration(present["duration_seconds"])
    if "phone_number" in present:
        inp.phone_number(present["phone_number"])
    if "from" in present:
        inp.from_address(present["from"])
    for field in ("to", "cc"):
        if field in present:
            inp.addresses(field, present[field])
    creating_task = inp.activity is None and inp.kind == Kind.TASK
    creating_meeting = inp.activity is None and inp.kind == Kind.MEETING
    if "starts_at" in present or creating_meeting:
        inp.moment("starts_at", present.get("starts_at"), required=True)
    if "ends_at" in present:
        inp.moment("ends_at", present["ends_at"])
    if "due_at" in present or creating_task:
        inp.moment("due_at", present.get("due_at"), required=True)
    if "completed_at" in present:
        inp.moment("completed_at", present["completed_at"])
    if "status" in present:
        inp.choice("status", present["status"], TaskStatus.values)
        if inp.values.get("status") == "":
            inp.values.pop("status")
            inp.error("status", f"must be one of: {', '.join(TaskStatus.values)}")
    if "assignee_id" in present:
        inp.user("assignee_id", present["assignee_id"])
    if "contact_id" in present:
        inp.contact(present["contact_id"])
    if "organization_id" in present:
        inp.organization(present["organization_id"])
    if "participants" in present:
        inp.participant_list(present["participants"])
    for parameter in links:
        if parameter in present and (present[parameter] is not None or inp.activity is not None):
            inp.link(parameter, present[parameter])


def _check_whole(data: Mapping[str, Any], inp: _Input) -> None:
    """Rules that involve more than one field, on the values after the write."""
    # An activity about a deal (…) without contact or organization is on the
    # deal's, when the actor may see them.
    linked = inp.__dict__.get("linked_record")
    if (
        linked is not None
        and inp.current("contact") is None
        and "contact" not in inp.values
        and inp.current("organization") is None
        and "organization_id" not in data
    ):
        contact_id = getattr(linked, "contact_id", None)
        organization_id = getattr(linked, "organization_id", None)
        visible = contact_selectors.visible_contacts(inp.actor)
        if contact_id and visible.filter(pk=contact_id).exists():
            inp.contact(contact_id)
        elif organization_id and (
            contact_selectors.visible_organizations(inp.actor).filter(pk=organization_id).exists()
        ):
            inp.organization(organization_id)
    # The organization follows the contact unless the caller names one.
    if "contact" in inp.values and "organization_id" not in data:
        contact = inp.values["contact"]
        inp.values["organization"] = (
            contact.organization if contact else inp.current("organization")
        )
    if inp.current("contact") is None and inp.current("organization") is None:
        inp.error("contact_id", "give a contact or an organization (contact_id, organization_id)")

    kind = inp.kind
    if kind in (Kind.TASK, Kind.MEETING) and not inp.current("subject"):
        inp.error("subject", f"is required for {_kind_label(kind)}")
    if kind == Kind.NOTE and not inp.current("subject") and not inp.current("body"):
        inp.error("body", "is required for a note")

    if kind == Kind.MEETING:
        starts_at, ends_at = inp.current("starts_at"), inp.current("ends_at")
        if starts_at and ends_at and ends_at < starts_at:
            inp.error("ends_at", "must not be before starts_at")
        # A meeting takes place at its start; the timeline shows it there.
        occurred_at = inp.values.get("occurred_at")
        if occurred_at is not None and starts_at and occurred_at != starts_at:
            inp.error("occurred_at", "a meeting takes place at its starts_at; change that")
        elif "starts_at" in inp.values:
            inp.values["occurred_at"] = starts_at
    if kind == Kind.TASK:
        _check_task(data, inp)


def _check_task(data: Mapping[str, Any], inp: _Input) -> None:
    if inp.activity is None:
        inp.values.setdefault("status", TaskStatus.OPEN)
        if "assignee_id" not in data and inp.actor.is_authenticated:
            inp.values["assignee"] = inp.actor
    status = inp.current("status")
    if status == TaskStatus.DONE:
        if not inp.current("completed_at"):
            inp.values["completed_at"] = timezone.now()
    elif "completed_at" in data and data["completed_at"] is not None:
        inp.error("completed_at", "only a task that is done has a completion time")
    elif "status" in inp.values:
        inp.values["completed_at"] = None


def _defaults(inp: _Input) -> None:
    """Values a new activity gets when the caller leaves them out."""
    if inp.values.get("occurred_at") is None:
        if inp.kind == Kind.MEETING and inp.values.get("starts_at"):
            inp.values["occurred_at"] = inp.values["starts_at"]
        else:
            inp.values["occurred_at"] = timezone.now()
    if inp.kind in (Kind.CALL, Kind.EMAIL) and not inp.values.get("direction"):
        inp.values["direction"] = Direction.OUTBOUND


def _mention_text(activity: Activity | None) -> str:
    if activity is None or activity.kind not in MENTION_KINDS:
        return ""
    return f"{activity.subject}\n{activity.body}"


def activity_create(
    *, actor: User, data: Mapping[str, Any], author: AbstractBaseUser | None = None
) -> Activity:
    """Log an activity. ``data`` uses the API's field names; fields of another
    kind are rejected, never silently dropped. ``author`` is the colleague the
    activity is by when that is not the actor (a call logged by the phone
    system is by the agent who took it)."""
    protection.check_may_create(actor)
    kind = data.get("kind")
    if kind not in Kind.values:
        raise FieldErrors.single("kind", f"must be one of: {', '.join(Kind.values)}")
    inp = _Input(actor, kind, None)
    _read(data, inp)
    if not inp.errors:
        _check_whole(data, inp)
    if inp.errors:
        raise FieldErrors(inp.errors)
    protection.check_parents(actor, inp.current("contact"), inp.current("organization"))
    _defaults(inp)
    with transaction.atomic():
        if author is None and actor.is_authenticated:
            author = actor
        activity = Activity.objects.create(kind=kind, author=author, **inp.values)
        if inp.participants:
            for participant in inp.participants:
                participant.activity = activity
            Participant.objects.bulk_create(inp.participants)
        protection.audit_write(
            actor,
            AuditAction.CREATE,
            activity,
            {},
            protection.snapshot(activity, inp.participants or []),
        )
        emit("activity.created", activity)
        notify_mentions(actor=actor, activity=activity, text=_mention_text(activity))
    return activity


def activity_update(
    *,
    actor: User,
    activity: Activity,
    data: Mapping[str, Any],
    expected_version: int | None = None,
    author: AbstractBaseUser | None = None,
) -> Activity:
    """Change the given fields (participants are replaced whole). With
    ``expected_version``, an activity changed meanwhile raises VersionConflict.
    ``author``, if given, becomes the activity's author."""
    protection.check_edit(actor, activity)
    if "kind" in data and data["kind"] != activity.kind:
        raise FieldErrors.single("kind", "cannot be changed; delete the activity and log a new one")
    data = {k: v for k, v in data.items() if k != "kind"}
    inp = _Input(actor, activity.kind, activity)
    _read(data, inp)
    if not inp.errors:
        _check_whole(data, inp)
    if inp.errors:
        raise FieldErrors(inp.errors)
    protection.check_moved(actor, activity, inp.values)
    previous_text = _mention_text(activity)
    if author is not None:
        inp.values["author"] = author
    if _changes_nothing(activity, inp):
        check_version(activity, expected_version)
        return activity
    before = protection.snapshot(activity)
    with transaction.atomic():
        claim_version(activity, expected_version)
        for attribute, value in inp.values.items():
            setattr(activity, attribute, value)
        activity.save(update_fields=[*inp.values, "updated_at"])
        if inp.participants is not None:
            activity.participants.all().delete()
            for participant in inp.participants:
                participant.activity = activity
            Participant.objects.bulk_create(inp.participants)
        protection.audit_write(
            actor,
            AuditAction.UPDATE,
            activity,
            before,
            protection.snapshot(activity, inp.participants),
        )
        emit("activity.updated", activity)
        notify_mentions(
            actor=actor,
            activity=activity,
            text=_mention_text(activity),
            previous_text=previous_text,
        )
    return activity


def task_set_done(*, actor: User, task: Activity, done: bool = True) -> Activity:
    """Mark a task done (now) or open again."""
    if task.kind != Kind.TASK:
        raise FieldErrors.single("status", f"does not apply to {_kind_label(task.kind)}")
    return activity_update(
        actor=actor, activity=task, data={"status": TaskStatus.DONE if done else TaskStatus.OPEN}
    )


def activity_delete(
    *, actor: User, activity: Activity, expected_version: int | None = None
) -> None:
    """With ``expected_version``, an activity changed meanwhile raises
    VersionConflict and stays."""
    protection.check_delete(actor, activity)
    before = protection.snapshot(activity)
    with transaction.atomic():
        if expected_version is not None:
            claim_version(activity, expected_version)
        protection.audit_write(actor, AuditAction.DELETE, activity, before, {})
        emit("activity.deleted", activity)
        shares_forget("activity", activity.pk)
        activity.delete()


def _changes_nothing(activity: Activity, inp: _Input) -> bool:
    """Would the write leave ``activity`` as it is? Then it writes nothing:
    no new version, no audit entry, no notification."""
    for attribute, value in inp.values.items():
        if Activity._meta.get_field(attribute).is_relation:
            if getattr(activity, f"{attribute}_id") != (value.pk if value is not None else None):
                return False
        elif getattr(activity, attribute) != value:
            return False
    if inp.participants is None:
        return True
    stored = [(p.contact_id, p.user_id) for p in activity.participants.all()]
    return [(p.contact_id, p.user_id) for p in inp.participants] == stored
