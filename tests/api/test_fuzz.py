"""Property-based testing of the whole API from its live OpenAPI document
(schemathesis): every operation, with valid and invalid data, as an
administrator and as a restricted user. No answer may be a server error,
every answer must match the documented schema, and every rejection is a 4xx
with a JSON reason.

New endpoints are picked up by themselves: the document is read from
/api/v1/openapi.json when the tests are collected. The number of generated
cases per operation comes from KONTOR_FUZZ_EXAMPLES (default small, for CI)."""

import json
import zlib
from datetime import timedelta

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from schemathesis.config._checks import NegativeDataRejectionConfig, PositiveDataAcceptanceConfig
from schemathesis.core.failures import Failure
from schemathesis.generation.modes import GenerationMode
from schemathesis.hooks import HookContext

from kontor.accounts.services import api_token_create
from kontor.wsgi import application
from tests.api.fuzzing import STATS, examples_per_operation
from tests.factories import ContactFactory, OrganizationFactory, UserFactory

# Raw email bodies (message/rfc822) are sent as the bytes they are.
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")


def _streaming_paths(document: dict) -> list[str]:
    """Operations answering with an open stream (server-sent events): each
    case would wait for the stream to end, so they are left to their own tests."""
    return sorted(
        path
        for path, operations in document["paths"].items()
        for operation in operations.values()
        for response in operation.get("responses", {}).values()
        if "text/event-stream" in response.get("content", {})
    )


def _schema_takes_a_list(schema: dict) -> bool:
    return schema.get("type") == "array" or any(
        option.get("type") == "array" for option in schema.get("anyOf", [])
    )


def _takes_a_list(parameter) -> bool:
    return _schema_takes_a_list(parameter.definition.get("schema", {}))


def _no_repeated_scalar_parameters(context, query) -> bool:
    """Drop cases that give a single-valued query parameter several times
    (?tag=a&tag=b): Django reads the last value, like most web frameworks; that
    leniency is known and accepted (docs/security.md), not worth a failure."""
    if not query:
        return True
    scalar = {p.name for p in context.operation.query if not _takes_a_list(p)}
    return not any(
        name in scalar and isinstance(value, list) and len(value) > 1
        for name, value in query.items()
    )


def _form_fields(operation) -> dict[str, dict]:
    """The fields of the operation's multipart body and their schemas."""
    for body in operation.body:
        if body.media_type == "multipart/form-data":
            return body.definition.get("schema", {}).get("properties", {})
    return {}


def _no_scalar_form_fields_as_lists(context, body) -> bool:
    """Drop cases that give a single-valued field of a multipart form as a
    list: a form sends a list as its items, each as the field once more, so
    [] is no field at all and ["email"] the field once — a valid request
    either way, which the schema check would count as accepted bad data —
    and of several Django reads the last, as for query parameters."""
    if not isinstance(body, dict):
        return True
    fields = _form_fields(context.operation)
    return not any(
        isinstance(value, list) and name in fields and not _schema_takes_a_list(fields[name])
        for name, value in body.items()
    )


def _load_schema(*, boundary_cases: bool):
    """The live OpenAPI document, read over WSGI as a client would."""
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    for path in _streaming_paths(loaded.raw_schema):
        loaded = loaded.exclude(path=path)
    loaded.hook("filter_query")(_no_repeated_scalar_parameters)
    loaded.hook("filter_body")(_no_scalar_form_fields_as_lists)
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=examples_per_operation(),
        database="none",
        # Each case is sent with the role's token; schemathesis' checks send
        # requests without or with wrong credentials by themselves.
        with_security_parameters=False,
    )
    # The coverage phase sends the schema's boundary and wrong-type values
    # systematically; it is about input handling, so one role is enough.
    loaded.config.phases.coverage.enabled = boundary_cases
    # Well-formed input may still break a business rule (an owner_id of
    # nobody, a contact without any name or address): a 422, not a bug.
    loaded.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=["2xx", "401", "403", "404", "409", "422", "429"]
    )
    loaded.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
        expected_statuses=["400", "401", "403", "404", "405", "409", "413", "415", "422", "429"]
    )
    return loaded


as_administrator = _load_schema(boundary_cases=True)
as_restricted_user = _load_schema(boundary_cases=False)

# Records the tests make; path parameters use them now and then, so that
# operations on existing records are exercised and not only 404s.
KNOWN_IDS: dict[str, list[str]] = {}


class NoJsonReason(Failure):
    def __init__(self, *, operation: str, status: int, body: str):
        super().__init__(
            operation=operation,
            title="Rejection without a JSON reason",
            message=f"{status} answer is not JSON with a `detail`: {body[:200]!r}",
        )


def rejections_carry_a_json_reason(ctx, response, case) -> bool | None:
    """Every 4xx answer says why, as JSON with a `detail`."""
    if not 400 <= response.status_code < 500 or case.method.upper() == "HEAD":
        return None
    try:
        body = json.loads(response.content or b"")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("detail"):
        raise NoJsonReason(
            operation=case.operation.label, status=response.status_code, body=response.text
        )
    return True


@pytest.fixture
def django_wsgi():
    """Serve requests in the test's transaction, as Django's test client does:
    the WSGI handler would otherwise close the connection after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _prepare(user, settings) -> str:
    """Records to work on, and the user's token."""
    # Wrong tokens are generated on purpose; their throttle has its own tests.
    settings.KONTOR_API_TOKEN_FAILURE_LIMIT = 1_000_000
    settings.KONTOR_API_RATE_LIMIT = None
    other = UserFactory(username="fuzz-other")
    organization = OrganizationFactory(owner=user, name="Fuzz GmbH", website="fuzz.example")
    contacts = [
        ContactFactory(owner=user, organization_id=organization.pk),
        ContactFactory(owner=other),
    ]
    token, key = api_token_create(actor=user, user=user, name="fuzz")
    other_token, _ = api_token_create(
        actor=other, user=other, expires_at=timezone.now() + timedelta(days=1)
    )
    KNOWN_IDS.clear()
    KNOWN_IDS.update(
        contact_id=[str(c.pk) for c in contacts],
        organization_id=[str(organization.pk)],
        token_id=[str(token.pk), str(other_token.pk)],
        **_activity_ids(user, contacts[0]),
    )
    return key


@pytest.fixture
def administrator_key(db, settings) -> str:
    return _prepare(UserFactory(username="fuzz-admin", is_staff=True, is_superuser=True), settings)


@pytest.fixture
def restricted_user_key(db, settings) -> str:
    return _prepare(UserFactory(username="fuzz-user"), settings)


def _activity_ids(user, contact) -> dict[str, list[str]]:
    try:
        from kontor.activities.services import activity_create
    except ImportError:
        return {}
    note = activity_create(
        actor=user,
        data={"kind": "note", "contact_id": contact.pk, "subject": "Fuzz", "body": "Text"},
    )
    return {"activity_id": [str(note.pk)]}


def _use_known_ids(case) -> None:
    """In valid cases, point half of the path parameters at existing records."""
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    for name, value in list((case.path_parameters or {}).items()):
        known = KNOWN_IDS.get(name)
        pick = zlib.crc32(str(value).encode())
        if known and pick % 2 == 0:
            case.path_parameters[name] = known[pick // 2 % len(known)]


def _call_and_check(case, role: str, key: str, app) -> None:
    _use_known_ids(case)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        response = case.call(app=app, headers=headers)
        STATS.record(role, case.operation.label, response.status_code)
        case.validate_response(
            response,
            additional_checks=[rejections_carry_a_json_reason],
            headers=headers,
            transport_kwargs={"app": app},
        )
    except (Exception, BaseExceptionGroup):
        failure = f"{role}: {case.operation.label}"
        if failure not in STATS.failures:
            STATS.failures.append(failure)
        raise


# The fixtures' records live through all cases of an operation on purpose: the
# cases may read, change and delete them like a real client would.
FUZZ_SETTINGS = hypothesis.settings(
    max_examples=examples_per_operation(),
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


@as_administrator.parametrize()
@FUZZ_SETTINGS
def test_the_api_survives_any_input_as_an_administrator(case, administrator_key, django_wsgi):
    _call_and_check(case, "administrator", administrator_key, django_wsgi)


@as_restricted_user.parametrize()
@FUZZ_SETTINGS
def test_the_api_survives_any_input_as_a_restricted_user(case, restricted_user_key, django_wsgi):
    _call_and_check(case, "restricted user", restricted_user_key, django_wsgi)


def test_cases_giving_a_single_valued_form_field_as_a_list_are_left_out():
    upload = HookContext(operation=as_administrator["/api/v1/imports"]["POST"])
    case = {"file": b"data", "type": "contacts"}

    # [] is sent as no field and ["email"] as the field once: valid requests.
    assert not _no_scalar_form_fields_as_lists(upload, {**case, "update_by": []})
    assert not _no_scalar_form_fields_as_lists(upload, {**case, "update_by": ["email"]})
    assert _no_scalar_form_fields_as_lists(upload, {**case, "update_by": 5})
    assert _no_scalar_form_fields_as_lists(upload, case)
