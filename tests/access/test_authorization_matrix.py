"""The authorization matrix: every API operation in the live OpenAPI
document, for every default role, on a record of the user's own, one of
their team and one of a foreign team.

For each call it checks the status (a record the role may not read is a 404,
one it may read but not change a 403) and that no forbidden record and no
field the role may not read shows up anywhere in the answer: lists, search,
lookup, the 360° view, the audit trail, error messages.

Operations are read from /api/v1/openapi.json, so a new endpoint is walked
as soon as it exists. Its path parameters are filled from PATH_PARAMETERS;
a parameter the table does not know fails the test (never a silent skip).
Each call runs in a savepoint that is rolled back, so deletes and changes
do not disturb the calls after them."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from uuid6 import uuid7

from kontor.accounts.services import api_token_create
from kontor.core.records import record_types
from kontor.notifications.models import Notification
from kontor.tasks.services import enqueue
from kontor.tasks.worker import run_until_empty
from tests.access.world import READS, ROLES, SCOPES, World, build_world, rights_for
from tests.conftest import api_client_for
from tests.tasks.sample_tasks import always_fails

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"


def _document() -> dict[str, Any]:
    response = Client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = _document()
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


# How to fill each kind of path parameter: (case, scope) → value. A scope is
# whose record it is: "own", "team" (a teammate's) or "foreign" (another team's).
# Every registered record type names its records by its own parameter
# (kontor.core.records), so a new type is walked the day it is registered.
RECORD_TYPE_PARAMETERS: dict[str, str] = {
    kind.api_parameter: kind.key for kind in record_types() if kind.api_parameter
}
PATH_PARAMETERS: dict[str, Callable[["Case", str], Any]] = {
    **{
        parameter: lambda case, scope, key=key: case.world.records[scope].of(key).pk
        for parameter, key in RECORD_TYPE_PARAMETERS.items()
    },
    "user_id": lambda case, scope: case.world.owner(scope).pk,
    "token_id": lambda case, scope: case.extra["tokens"][scope].pk,
    "notification_id": lambda case, scope: case.extra["notifications"][scope].pk,
    "share_id": lambda case, scope: case.extra["shares"][scope].pk,
    "call_id": lambda case, scope: case.extra["calls"][scope].pk,
    "message_id": lambda case, scope: case.extra["messages"][scope].pk,
    "job_id": lambda case, scope: case.extra["job"].pk,
    "pipeline_id": lambda case, scope: case.extra["pipeline"].pk,
    "calendar_id": lambda case, scope: case.extra["calendar"].pk,
    "policy_id": lambda case, scope: case.extra["policy"].pk,
    "webhook_id": lambda case, scope: case.extra["webhooks"][scope].pk,
    "delivery_id": lambda case, scope: case.extra["deliveries"][scope].pk,
    "email_id": lambda case, scope: case.extra["emails"][scope].pk,
    # An erasure is executed, a restriction in force lifted; the other
    # operations take an access request.
    "request_id": lambda case, scope: (
        case.extra[
            "erasures"
            if case.extra["path"].endswith("/execute")
            else "restrictions"
            if case.extra["path"].endswith("/lift")
            else "privacy_requests"
        ][scope].pk
    ),
    "pair_id": lambda case, scope: case.extra["pairs"][scope].pk,
    "merge_id": lambda case, scope: case.extra["merges"][scope].pk,
    "import_id": lambda case, scope: case.extra["imports"][scope].pk,
    "rule_id": lambda case, scope: case.extra["rule"].pk,
    "retention_rule_id": lambda case, scope: case.extra["retention_rule"].pk,
    "address_id": lambda case, scope: case.extra["service_address"].pk,
    "purpose": lambda case, scope: case.extra["purpose"].key,
    # The payments dashboard: its figures are the financial ones.
    "dashboard_key": lambda case, scope: "payments",
    "kind": lambda case, scope: "organizations",
    "source": lambda case, scope: "sap",
    "external_id": lambda case, scope: f"matrix-{scope}",
}
# The parameters that name a record whose visibility decides the status.
RECORD_PARAMETERS = {*RECORD_TYPE_PARAMETERS, "call_id", "message_id", "email_id"}
# Who handles the requests of data subjects (the role right data_subject_requests).
PRIVACY_HANDLERS = {"administrator", "data-protection-officer"}
# Who may sync (create and edit every organization) and archive (delete every one).
SYNCERS = {"administrator", "service"}
ARCHIVERS = {"administrator", "data-protection-officer"}
# Operations of phone systems and mail servers: they authenticate with the
# integration's own secret, never with a user's token.
INTEGRATION_OPERATIONS = {
    ("POST", "/telephony/events"),
    ("POST", "/telephony/sipgate"),
    ("GET", "/telephony/3cx/lookup"),
    ("POST", "/telephony/3cx/calls"),
}
ADMIN_ONLY = {
    ("GET", "/users"),
    ("POST", "/users"),
    ("GET", "/users/{user_id}"),
    ("PATCH", "/users/{user_id}"),
    ("GET", "/teams"),
    ("POST", "/teams"),
    ("GET", "/roles"),
    ("GET", "/field-categories"),
    ("POST", "/field-categories"),
    # Pipelines are configuration: everyone reads them, administrators change them.
    ("POST", "/pipelines"),
    ("PATCH", "/pipelines/{pipeline_id}"),
    ("DELETE", "/pipelines/{pipeline_id}"),
    # So are business calendars and SLA policies.
    ("POST", "/business-calendars"),
    ("PATCH", "/business-calendars/{calendar_id}"),
    ("DELETE", "/business-calendars/{calendar_id}"),
    ("POST", "/sla-policies"),
    ("PATCH", "/sla-policies/{policy_id}"),
    ("DELETE", "/sla-policies/{policy_id}"),
    # Workflow rules run with their owner's access: administrators manage them.
    ("GET", "/workflows"),
    ("POST", "/workflows"),
    ("GET", "/workflows/{rule_id}"),
    ("PATCH", "/workflows/{rule_id}"),
    ("DELETE", "/workflows/{rule_id}"),
    ("POST", "/workflows/{rule_id}/test"),
    ("GET", "/workflows/{rule_id}/runs"),
    # Service addresses route mail into the teams' queues.
    ("GET", "/service-addresses"),
    ("POST", "/service-addresses"),
    ("GET", "/service-addresses/{address_id}"),
    ("PATCH", "/service-addresses/{address_id}"),
    ("DELETE", "/service-addresses/{address_id}"),
    # Everyone reads the purposes of processing; administrators define them.
    ("POST", "/purposes"),
}
# ADMIN_ONLY operations that POST without making anything.
ADMIN_ONLY_ACTIONS = {("POST", "/field-categories"), ("POST", "/workflows/{rule_id}/test")}
# Collections whose POST makes a record of a type (whose rights may differ
# from the role's "*" levels).
COLLECTION_TYPES = {
    "/deals": "deal",
    "/quotes": "quote",
    "/orders": "order",
    "/invoices": "invoice",
    "/products": "product",
    "/tickets": "ticket",
}


@dataclass
class Case:
    world: World
    extra: dict[str, Any]


def body_for(method: str, path: str, case: Case, scope: str) -> tuple[str, Any] | None:
    """The request body of a write: ("json", data) or ("multipart", data)."""
    records = case.world.records[scope]
    twins = case.extra["twins"][scope]
    upload = ("multipart", {"file": _upload()})
    table: dict[tuple[str, str], tuple[str, Any]] = {
        ("POST", "/contacts"): ("json", {"first_name": "Newly", "last_name": "Made"}),
        ("PATCH", "/contacts/{contact_id}"): ("json", {"lifecycle_stage": "customer"}),
        ("POST", "/organizations"): ("json", {"name": "Newly Made GmbH"}),
        ("PATCH", "/organizations/{organization_id}"): ("json", {"lifecycle_stage": "customer"}),
        ("POST", "/activities"): (
            "json",
            {"kind": "note", "body": "logged", "contact_id": str(records.contact.pk)},
        ),
        ("PATCH", "/activities/{activity_id}"): ("json", {"location": "Room 2"}),
        ("POST", "/activities/{activity_id}/files"): upload,
        ("POST", "/contacts/{contact_id}/files"): upload,
        ("POST", "/organizations/{organization_id}/files"): upload,
        ("POST", "/tokens"): ("json", {"name": "matrix"}),
        ("POST", "/users"): (
            "json",
            {"username": "newcolleague", "password": "a long and unusual pass 7"},
        ),
        ("PATCH", "/users/{user_id}"): ("json", {"first_name": "Renamed"}),
        ("POST", "/teams"): ("json", {"name": "Team C"}),
        ("POST", "/field-categories"): (
            "json",
            {"object_type": "contact", "field": "notes", "category": "personal"},
        ),
        ("POST", "/shares"): (
            "json",
            {
                "object_type": "contact",
                "object_id": str(records.contact.pk),
                "user_id": case.world.stranger.pk,
            },
        ),
        ("POST", "/notifications/read"): ("json", {}),
        ("POST", "/jobs/{job_id}/retry"): ("json", {}),
        ("POST", "/notifications/{notification_id}/read"): ("json", {}),
        ("POST", "/telephony/calls/{call_id}/contact"): ("json", {}),
        ("POST", "/mail/inbound"): ("raw", _email(records.email)),
        ("POST", "/pipelines"): ("json", {"name": "Matrix", "stages": [{"name": "Open"}]}),
        ("PATCH", "/pipelines/{pipeline_id}"): ("json", {"name": "Matrix renamed"}),
        ("POST", "/business-calendars"): (
            "json",
            {"name": "Matrix hours", "hours": {"mon": [["08:00", "17:00"]]}},
        ),
        ("PATCH", "/business-calendars/{calendar_id}"): ("json", {"name": "Matrix renamed"}),
        ("POST", "/sla-policies"): (
            "json",
            {
                "name": "Matrix level",
                "calendar_id": str(case.extra["calendar"].pk),
                "targets": {},
            },
        ),
        ("PATCH", "/sla-policies/{policy_id}"): ("json", {"name": "Matrix renamed"}),
        ("POST", "/deals"): (
            "json",
            {"title": "Matrix deal", "organization_id": str(records.organization.pk)},
        ),
        ("PATCH", "/deals/{deal_id}"): ("json", {"next_step": "Call back"}),
        ("POST", "/deals/{deal_id}/files"): upload,
        ("POST", "/products"): (
            "json",
            {"sku": "MX-NEW", "name": "Matrix new", "net_price": "1", "tax_rate": "19"},
        ),
        ("PATCH", "/products/{product_id}"): ("json", {"name": "Matrix renamed"}),
        ("POST", "/quotes"): ("json", {"organization_id": str(records.organization.pk)}),
        ("PATCH", "/quotes/{quote_id}"): ("json", {"terms": "Matrix terms"}),
        ("POST", "/quotes/{quote_id}/send"): (
            "json",
            {"to": ["einkauf@matrix.example"], "message": "Matrix"},
        ),
        ("POST", "/quotes/{quote_id}/accept"): ("json", {}),
        ("POST", "/orders"): ("json", {"organization_id": str(records.organization.pk)}),
        ("PATCH", "/orders/{order_id}"): ("json", {"status": "delivered"}),
        ("POST", "/invoices"): (
            "json",
            {
                "number": "MX-1",
                "organization_id": str(records.organization.pk),
                "gross_amount": "10",
            },
        ),
        ("PATCH", "/invoices/{invoice_id}"): ("json", {"dunning_level": 1}),
        ("POST", "/webhooks"): ("json", {"url": "http://127.0.0.1:9/matrix", "events": ["*"]}),
        ("PATCH", "/webhooks/{webhook_id}"): ("json", {"description": "renamed"}),
        ("POST", "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): ("json", {}),
        ("PUT", "/sync/{kind}/{source}/{external_id}"): ("json", {"name": "Matrix Org"}),
        ("POST", "/sync/{kind}/{source}/batch"): (
            "json",
            [{"external_id": "matrix-new", "name": "Matrix New"}],
        ),
        ("POST", "/emails"): (
            "json",
            {
                "to": [records.email],
                "subject": "Matrix",
                "text": "Hello",
                "contact_id": str(records.contact.pk),
            },
        ),
        ("POST", "/privacy/requests"): (
            "json",
            {"type": "access", "contact_id": str(records.contact.pk)},
        ),
        ("POST", "/privacy/requests/{request_id}/close"): ("json", {"status": "done"}),
        ("POST", "/tickets"): ("json", {"subject": "Matrix ticket"}),
        ("PATCH", "/tickets/{ticket_id}"): ("json", {"priority": "high"}),
        ("POST", "/tickets/{ticket_id}/messages"): ("json", {"kind": "note", "body": "Matrix"}),
        ("POST", "/tickets/bulk"): ("json", {"ids": [str(records.ticket.pk)], "action": "close"}),
        ("POST", "/duplicates/{pair_id}/not-duplicate"): ("json", {}),
        ("POST", "/contacts/merge"): (
            "json",
            {"keep": str(records.contact.pk), "merge": [str(twins["contact"].pk)]},
        ),
        ("POST", "/organizations/merge"): (
            "json",
            {"keep": str(records.organization.pk), "merge": [str(twins["organization"].pk)]},
        ),
        ("POST", "/merges/{merge_id}/undo"): ("json", {}),
        ("POST", "/imports"): (
            "multipart",
            {
                "file": _upload("matrix.csv", b"first_name,last_name\nImported,Person\n"),
                "type": "contacts",
            },
        ),
        ("POST", "/workflows"): ("json", {**WORKFLOW_RULE, "name": "Matrix new"}),
        ("PATCH", "/workflows/{rule_id}"): ("json", {"name": "Matrix renamed"}),
        ("POST", "/workflows/{rule_id}/test"): (
            "json",
            {"record_type": "contact", "record_id": str(records.contact.pk)},
        ),
        ("POST", "/service-addresses"): (
            "json",
            {"address": "support@matrix.example", "team_id": str(case.extra["team"].pk)},
        ),
        ("PATCH", "/service-addresses/{address_id}"): ("json", {"sla_policy_id": None}),
        ("POST", "/purposes"): ("json", {"key": "matrix-new", "name": "Matrix purpose"}),
        ("POST", "/contacts/{contact_id}/consents"): (
            "json",
            {
                "purpose": case.extra["purpose"].key,
                "status": "granted",
                "text_version": "v1",
                "channel": "phone",
            },
        ),
        ("POST", "/contacts/{contact_id}/consents/{purpose}/opt-in"): (
            "json",
            {"text_version": "Matrix v1"},
        ),
        ("POST", "/privacy/requests/{request_id}/execute"): ("json", {}),
        ("POST", "/privacy/requests/{request_id}/lift"): ("json", {}),
        ("POST", "/privacy/retention-rules"): (
            "json",
            {"record_type": "contact", "category": "customer", "months": 60},
        ),
        ("PATCH", "/privacy/retention-rules/{retention_rule_id}"): ("json", {"months": 84}),
        **{(method, path): ("json", {}) for method, path in INTEGRATION_OPERATIONS},
    }
    if method in ("GET", "DELETE"):
        return None
    if (method, path) not in table:
        pytest.fail(f"no request body for {method} {path}: add one to body_for()", pytrace=False)
    return table[(method, path)]


def query_for(method: str, path: str, case: Case, scope: str) -> dict[str, Any]:
    records = case.world.records[scope]
    queries = {
        ("GET", "/contacts"): {"q": records.marker},
        ("GET", "/organizations"): {"q": records.marker},
        ("GET", "/lookup"): {"phone": records.phone, "email": records.email},
        ("GET", "/activities"): {"contact_id": str(records.contact.pk)},
        ("GET", "/shares"): {"object_type": "contact", "object_id": str(records.contact.pk)},
        ("GET", "/audit"): {"object_type": "contact", "object_id": str(records.contact.pk)},
        ("GET", "/telephony/3cx/lookup"): {"number": records.phone},
    }
    return queries.get((method, path), {})


def _upload(name: str = "matrix.txt", content: bytes = b"matrix upload"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


WORKFLOW_RULE = {
    "name": "Matrix rule",
    "record_type": "contact",
    "trigger": {"on": "created"},
    "actions": [{"type": "add_note", "body": "Hello"}],
}


def _email(address: str) -> bytes:
    return (
        f"From: {address}\r\nTo: sales@company.example\r\nSubject: Matrix\r\n"
        "Message-ID: <matrix@example>\r\n\r\nHello\r\n"
    ).encode()


# Expected statuses ----------------------------------------------------------------------


def _record_parameter(path: str) -> str | None:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return next((name for name in names if name in RECORD_PARAMETERS), None)


def _sales_expected(method: str, path: str, case: Case, scope: str) -> set[int] | None:
    """The sales operations whose answer depends on more than one type's
    rights (None for the others)."""
    world = case.world
    role = world.role
    if path.startswith(("/pipelines", "/business-calendars", "/sla-policies")):
        return {200}  # reads; the writes are ADMIN_ONLY
    if (method, path) == ("GET", "/organizations/{organization_id}/open-payments"):
        if not world.may("read", scope, "organization"):
            return {404}
        return {200} if "financial" in READS[role] else {403}
    if method == "POST" and path in COLLECTION_TYPES:
        return {201} if rights_for(role, COLLECTION_TYPES[path])["create"] else {403}
    if path == "/quotes/{quote_id}/send":
        if not world.may("read", scope, "quote"):
            return {404}
        # Sending logs the email on the customer: that needs creating activities.
        may = world.may("edit", scope, "quote") and rights_for(role, "activity")["create"]
        return {200} if may else {403}
    if path in ("/tickets/{ticket_id}/messages", "/tickets/bulk") and method == "POST":
        if not world.may("read", scope, "ticket"):
            return {422} if path == "/tickets/bulk" else {404}
        if path == "/tickets/bulk":
            return {200}  # the tickets one may not change are answered as refused
        # A note changes the ticket: that needs editing it.
        return {201} if world.may("edit", scope, "ticket") else {403}
    if path == "/quotes/{quote_id}/accept":
        if not world.may("read", scope, "quote"):
            return {404}
        may = world.may("edit", scope, "quote") and rights_for(role, "order")["create"]
        return {201} if may else {403}
    return None


# Operations that change the records they name: each needs the right to edit them.
EDITS = {
    ("POST", "/duplicates/{pair_id}/not-duplicate"): ("contact", {200}),
    ("POST", "/contacts/merge"): ("contact", {201}),
    ("POST", "/organizations/merge"): ("organization", {201}),
    ("POST", "/merges/{merge_id}/undo"): ("contact", {200}),
    ("POST", "/contacts/{contact_id}/consents"): ("contact", {201}),
    ("POST", "/contacts/{contact_id}/consents/{purpose}/opt-in"): ("contact", {202}),
}


def _new_apps_expected(method: str, path: str, case: Case, scope: str) -> set[int] | None:
    """Duplicates, merges, imports and consents (None for the others)."""
    world = case.world
    if (method, path) in EDITS:
        key, done = EDITS[(method, path)]
        if not world.may("read", scope, key):
            return {404}
        may = world.may("edit", scope, key)
        if path.endswith("/opt-in"):
            # The email asking for the consent is logged on the person: that needs
            # creating activities (as sending a quote does).
            may = may and rights_for(world.role, "activity")["create"]
        return done if may else {403}
    if (method, path) == ("GET", "/merges/{merge_id}"):
        return {200} if world.may("read", scope, "contact") else {404}
    if (method, path) == ("POST", "/imports"):
        return {201} if rights_for(world.role, "contact")["create"] else {403}
    if path.startswith("/imports/"):
        # An import is its uploader's; administrators see every one.
        return {200} if world.role == "administrator" or scope == "own" else {404}
    return None


EXPORTS = {
    ("GET", "/contacts/export"): "contact",
    ("GET", "/organizations/export"): "organization",
    ("GET", "/deals/export"): "deal",
}


def expected(method: str, path: str, case: Case, scope: str) -> set[int]:
    role = case.world.role
    rights = rights_for(role)
    admin = role == "administrator"
    if (method, path) in INTEGRATION_OPERATIONS:
        return {403}  # a user's token is no phone system's
    if (method, path) in ADMIN_ONLY:
        if not admin:
            return {403}
        if method == "DELETE":
            return {204}
        return {201} if method == "POST" and (method, path) not in ADMIN_ONLY_ACTIONS else {200}
    if path in ("/webhooks", "/webhook-events"):
        return {201} if method == "POST" else {200}
    if path.startswith("/webhooks/"):
        if not (admin or scope == "own"):
            return {404}  # a user's own, like API tokens; administrators see all
        if path.endswith("/redeliver"):
            return {202}
        return {204} if method == "DELETE" else {200}
    if path.startswith("/sync/"):
        if method == "DELETE":
            return {200} if role in ARCHIVERS else {403}
        return {200} if role in SYNCERS else {403}
    if (method, path) == ("POST", "/emails"):
        if not case.world.may("read", scope):
            return {422}  # the contact is "not an existing contact" for this user
        return {202} if rights["create"] else {403}
    if path.startswith("/privacy/"):
        # The register is the data protection officer's (and administrators'),
        # whoever owns the person's records.
        if role not in PRIVACY_HANDLERS:
            return {403}
        if method == "DELETE":
            return {204}
        creates = {("POST", "/privacy/requests"), ("POST", "/privacy/retention-rules")}
        return {201} if (method, path) in creates else {200}
    if path.startswith("/jobs"):
        return {200} if admin else {403}  # the background queue is the administrators'
    if path.startswith("/tokens"):
        if method == "POST":
            return {403}  # tokens are made in a logged-in browser session only
        if method == "DELETE":
            return {204} if scope == "own" else {404}
        return {200}
    if path.startswith("/notifications"):
        if "{notification_id}" in path:
            return {200} if scope == "own" else {404}
        return {200}
    if path == "/audit":
        if role in ("administrator", "data-protection-officer"):
            return {200}
        if role == "read-only":
            return {403}
        return {200} if case.world.may("read", scope) else {404}
    if path == "/shares" or path.startswith("/shares/"):
        if not case.world.may("read", scope):
            return {404}
        if method == "GET":
            return {200}
        if not case.world.may("edit", scope):
            return {403}
        return {201} if method == "POST" else {204}
    if path == "/events/stream":
        return {200}
    if path == "/telephony/calls" or path == "/tasks":
        return {200}
    if (method, path) == ("POST", "/mail/inbound"):
        # A message is never lost: without the right to log it, it is kept
        # unassigned and the answer names the refusal among its problems.
        return {201}
    if (sales := _sales_expected(method, path, case, scope)) is not None:
        return sales
    if (new := _new_apps_expected(method, path, case, scope)) is not None:
        return new
    if (method, path) in EXPORTS:
        # The list's records as a file: only with the export right on the type.
        return {200} if rights_for(role, EXPORTS[(method, path)])["export"] else {403}
    parameter = _record_parameter(path)
    key = RECORD_TYPE_PARAMETERS.get(parameter or "")
    if parameter is None:  # a collection: lists and searches, or making a record
        if method == "GET":
            return {200}
        if path == "/activities":
            if not case.world.may("read", scope):
                return {422}  # the contact is "not an existing contact" for this user
            return {201} if rights["create"] else {403}
        return {201} if rights["create"] else {403}
    if not case.world.may("read", scope, key):
        return {404}
    if path == "/telephony/calls/{call_id}/contact":
        return {422}  # the caller is known: the call is on the contact's timeline already
    if method == "GET":
        return {200}
    if method == "DELETE":
        return {204} if case.world.may("delete", scope, key) else {403}
    if method in ("PATCH", "PUT"):
        return {200} if case.world.may("edit", scope, key) else {403}
    # POST on a record: a file or another record attached to it.
    return {201} if rights["create"] else {403}


# The walk ---------------------------------------------------------------------------------


def _extra(world: World) -> dict[str, Any]:
    from tests.access.integrations import calls_and_messages

    tokens = {
        "own": api_token_create(actor=world.me, user=world.me, name="other")[0],
        "team": api_token_create(actor=world.teammate, user=world.teammate, name="t")[0],
        "foreign": api_token_create(actor=world.stranger, user=world.stranger, name="f")[0],
    }
    notifications = {
        scope: Notification.objects.create(
            recipient=world.owner(scope), reason="mention", activity=world.records[scope].meeting
        )
        for scope in SCOPES
    }
    from kontor.access.services import share_create

    shares = {
        scope: share_create(
            actor=world.admin, record=world.records[scope].contact, user=world.stranger
        )
        for scope in SCOPES
    }
    failed = enqueue(always_fails, name="matrix job", max_attempts=1)
    run_until_empty()
    from kontor.sales.services import pipeline_create

    # A pipeline without deals, so that deleting it is allowed.
    pipeline = pipeline_create(
        actor=world.admin, data={"name": "Matrix pipeline", "stages": [{"name": "Offen"}]}
    )
    from kontor.sla.services import calendar_create, policy_create

    # A calendar no policy uses and a policy no ticket uses: both may be deleted.
    calendar, in_use = (
        calendar_create(
            actor=world.admin, data={"name": name, "hours": {"fri": [["08:00", "12:00"]]}}
        )
        for name in ("Matrix", "Matrix in use")
    )
    policy = policy_create(
        actor=world.admin, data={"name": "Matrix", "calendar_id": in_use.pk, "targets": {}}
    )
    from kontor.privacy.services import request_create

    privacy_requests = {
        scope: request_create(
            actor=world.admin, type="access", contact_id=world.records[scope].contact.pk
        )
        for scope in SCOPES
    }
    from kontor.privacy.models import RetentionRule

    retention_rule = RetentionRule.objects.update_or_create(
        record_type="order", category="", defaults={"months": 72}
    )[0]
    return {
        **_new_app_records(world),
        "privacy_requests": privacy_requests,
        "retention_rule": retention_rule,
        "job": failed,
        "pipeline": pipeline,
        "calendar": calendar,
        "policy": policy,
        **_integration_records(world),
        "tokens": tokens,
        "notifications": notifications,
        "shares": shares,
        **calls_and_messages(world),
    }


def _new_app_records(world: World) -> dict[str, Any]:
    """Per scope: a contact and an organization of the scope's user to merge
    into the scope's ones, a duplicate pair of the scope's contact, a merge
    into it, an import of the scope's user, an erasure request of the
    person, a lead score of the deal; and a workflow rule, a purpose of
    processing and a service address."""
    from django.utils import timezone

    from kontor.access.models import Team
    from kontor.analytics.models import DealScore
    from kontor.consent.services import purpose_create
    from kontor.contacts.services import contact_create, organization_create
    from kontor.dedupe.models import DuplicatePair
    from kontor.dedupe.services import merge_records
    from kontor.imports.models import Import
    from kontor.privacy.restriction import execute_restriction
    from kontor.privacy.services import request_create
    from kontor.service.addresses import address_create
    from kontor.workflow.services import rule_create

    twins, pairs, merges, imports, erasures, restrictions = {}, {}, {}, {}, {}, {}
    for scope in SCOPES:
        records, owner = world.records[scope], world.owner(scope)
        twins[scope] = {
            "contact": contact_create(
                actor=world.admin,
                data={"first_name": "Matrix", "last_name": f"Twin {scope}", "owner_id": owner.pk},
            ),
            "organization": organization_create(
                actor=world.admin, data={"name": f"Matrix Twin {scope}", "owner_id": owner.pk}
            ),
        }
        a, b = sorted([records.contact.pk, twins[scope]["contact"].pk], key=str)
        pairs[scope] = DuplicatePair.objects.create(kind="contact", a=a, b=b, score=0.9)
        merged = contact_create(
            actor=world.admin,
            data={"first_name": "Matrix", "last_name": f"Merged {scope}", "owner_id": owner.pk},
        )
        merges[scope] = merge_records(
            actor=world.admin, kind="contact", keep=records.contact.pk, merge=[merged.pk]
        )
        imports[scope] = Import.objects.create(
            created_by=owner, record_type="contacts", filename=f"{scope}.csv", file_format="csv",
            status="done", rows_total=0,
        )  # fmt: skip
        erasures[scope] = request_create(
            actor=world.admin, type="erasure", contact_id=records.contact.pk
        )
        # A person of their own, restricted: the world's records stay visible.
        restricted = contact_create(
            actor=world.admin, data={"first_name": f"Restricted {scope}", "owner_id": owner.pk}
        )
        restrictions[scope] = execute_restriction(
            actor=world.admin,
            request=request_create(actor=world.admin, type="restriction", contact_id=restricted.pk),
        )
        DealScore.objects.create(
            deal_id=records.deal.pk, score=0.5, model_version="matrix", scored_at=timezone.now()
        )
    team = Team.objects.get(name="Team A")
    return {
        "twins": twins,
        "pairs": pairs,
        "merges": merges,
        "imports": imports,
        "erasures": erasures,
        "restrictions": restrictions,
        "team": team,
        "rule": rule_create(actor=world.admin, data=WORKFLOW_RULE),
        "purpose": purpose_create(actor=world.admin, key="newsletter", name="Newsletter"),
        "service_address": address_create(
            actor=world.admin, data={"address": "service@matrix.example", "team_id": team.pk}
        ),
    }


def _integration_records(world: World) -> dict[str, Any]:
    """Per scope: a webhook of the scope's user with a delivery, the
    organization an ERP knows as matrix-<scope>, an email to the contact."""
    from django.utils import timezone

    from kontor.integration.email.services import email_send
    from kontor.integration.models import WebhookDelivery
    from kontor.integration.webhooks.services import subscription_create
    from kontor.sources.models import ExternalRecord

    webhooks, deliveries, emails = {}, {}, {}
    now = timezone.now()
    for scope in SCOPES:
        records = world.records[scope]
        webhooks[scope], _secret = subscription_create(
            actor=world.owner(scope),
            data={"url": f"http://127.0.0.1:9/{scope}", "events": ["contact.*"]},
        )
        deliveries[scope] = WebhookDelivery.objects.create(
            subscription=webhooks[scope], event_id=uuid7(), event_name="contact.updated",
            model="contacts.Contact", record_id=str(records.contact.pk),
            record_key=f"contacts.Contact:{records.contact.pk}", occurred_at=now, sequence=1,
            status="delivered", next_attempt_at=now, give_up_at=now, attempts=1,
        )  # fmt: skip
        ExternalRecord.objects.create(
            source="sap", record_type="organization", external_id=f"matrix-{scope}",
            record_id=str(records.organization.pk), fields=["name"], digest="",
        )  # fmt: skip
        emails[scope] = email_send(
            actor=world.admin, to=[records.email], subject=f"{scope} email", text="Hello",
            contact=records.contact,
        )  # fmt: skip
    return {"webhooks": webhooks, "deliveries": deliveries, "emails": emails}


def _fill(path: str, case: Case, scope: str) -> str:
    for name in [part[1:-1] for part in path.split("/") if part.startswith("{")]:
        if name not in PATH_PARAMETERS:
            pytest.fail(
                f"{path}: the matrix cannot fill the path parameter {name!r}; add it to "
                "PATH_PARAMETERS in tests/access/test_authorization_matrix.py",
                pytrace=False,
            )
        path = path.replace(f"{{{name}}}", str(PATH_PARAMETERS[name](case, scope)))
    return path


def _call(client, method: str, url: str, body: tuple[str, Any] | None, query: dict[str, Any]):
    if method == "GET":
        return client.get(url, query)
    if method == "DELETE":
        return client.delete(url)
    kind, data = body or ("json", {})
    send = getattr(Client, method.lower())
    if kind == "multipart":
        return send(client, url, data)
    if kind == "raw":
        return send(client, url, data, content_type="message/rfc822")
    return send(client, url, json.dumps(data), content_type="application/json")


def _body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.KONTOR_API_RATE_LIMIT = None
    settings.KONTOR_EVENT_STREAM_SECONDS = 0
    settings.KONTOR_WEBHOOKS_ALLOW_PRIVATE = True


class Rollback(Exception):
    pass


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_each_role_as_its_rights_say(role):
    world = build_world(role)
    case = Case(world=world, extra=_extra(world))
    client = api_client_for(world.me)
    forbidden = world.forbidden_strings()
    problems: list[str] = []
    walked = 0
    for method, path, _operation in operations():
        relative = path.removeprefix(PREFIX)
        scoped = "{" in relative or relative in {
            "/activities",
            "/lookup",
            "/shares",
            "/audit",
            "/contacts",
            "/organizations",
            "/mail/inbound",
            "/emails",
            "/privacy/requests",
            "/tickets/bulk",
            "/contacts/merge",
            "/organizations/merge",
        }
        for scope in SCOPES if scoped else ["own"]:
            case.extra["path"] = relative
            url = PREFIX + _fill(relative, case, scope)
            body = body_for(method, relative, case, scope)
            query = query_for(method, relative, case, scope) if method == "GET" else {}
            wanted = expected(method, relative, case, scope)
            try:
                with transaction.atomic():
                    response = _call(client, method, url, body, query)
                    text = _body_text(response)
                    raise Rollback
            except Rollback:
                pass
            walked += 1
            label = f"{role} {method} {path} [{scope}]"
            if response.status_code not in wanted:
                problems.append(
                    f"{label}: {response.status_code}, expected {sorted(wanted)}: {text[:600]}"
                )
            sent = url + json.dumps(query) + (str(body[1]) if body else "")
            leaked = [s for s in forbidden if s in text and s not in sent]
            if leaked:
                problems.append(f"{label}: the answer shows {leaked}")
    assert walked > 50
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_every_dashboard_answers_each_role_without_what_it_may_not_read(role):
    """The matrix walks /analytics/{dashboard_key} with the payments
    dashboard; here every dashboard, for every role: each answers, and none
    shows a record or a field the role may not read."""
    from kontor.analytics.dashboards import DASHBOARDS

    world = build_world(role)
    client = api_client_for(world.me)
    forbidden = world.forbidden_strings()
    problems = []
    for key in DASHBOARDS:
        response = client.get(f"{PREFIX}/analytics/{key}")
        text = _body_text(response)
        if response.status_code != 200:
            problems.append(f"{role} {key}: {response.status_code}: {text[:600]}")
        if leaked := [s for s in forbidden if s in text]:
            problems.append(f"{role} {key}: the answer shows {leaked}")
    assert not problems, "\n".join(problems)
