"""Retention rules: the preview names exactly what the daily run erases; a
rule never takes a person with a recent interaction; documents kept by law
for an erased person go once their period has ended; only the data
protection officer and administrators manage the rules; bad input is a 422
naming the field."""

import datetime
from importlib import import_module

import pytest
from django.utils import timezone

from kontor.activities.services import activity_create
from kontor.audit.models import AuditAction, AuditEntry
from kontor.contacts.models import Contact
from kontor.contacts.services import contact_create
from kontor.notifications.models import Notification
from kontor.privacy.erasure import execute_erasure
from kontor.privacy.models import RetentionRule, RetentionRun
from kontor.privacy.retention import preview, run_retention
from kontor.privacy.services import request_create
from kontor.sales import services as sales
from kontor.sales.erasure import ACCOUNTING_RECORD
from kontor.sales.models import Invoice
from kontor.tasks.schedules import registered_schedules
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/privacy/retention-rules"


@pytest.fixture
def admin():
    return UserFactory(username="retention-admin", roles=["administrator"])


@pytest.fixture
def dpo():
    return UserFactory(username="retention-dpo", roles=["data-protection-officer"])


@pytest.fixture
def api(dpo):
    return api_client_for(dpo)


def _person(admin, name: str, *, stage: str = "lead", months_ago: int = 40) -> Contact:
    contact = contact_create(
        actor=admin, data={"first_name": name, "last_name": "Retention", "lifecycle_stage": stage}
    )
    Contact.objects.filter(pk=contact.pk).update(created_at=_ago(months_ago))
    return contact


def _ago(months: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=months * 31)


def _note(admin, contact: Contact, months_ago: int) -> None:
    activity_create(
        actor=admin,
        data={
            "kind": "note",
            "body": "We spoke.",
            "contact_id": contact.pk,
            "occurred_at": _ago(months_ago),
        },
    )


def _rule(**values) -> RetentionRule:
    RetentionRule.objects.filter(
        record_type=values["record_type"], category=values.get("category", "")
    ).delete()
    return RetentionRule.objects.create(**values)


def test_the_preview_names_exactly_what_the_run_erases(admin, dpo, api):
    silent = _person(admin, "Silent")
    long_ago = _person(admin, "Longago")
    _note(admin, long_ago, 30)
    recent = _person(admin, "Recent")
    _note(admin, recent, 3)
    new = _person(admin, "New", months_ago=2)
    customer = _person(admin, "Customer", stage="customer")
    rule = _rule(record_type="contact", category="lead", months=24)

    response = api.get(f"{URL}/{rule.pk}/preview")

    assert response.status_code == 200, response.content
    body = response.json()
    previewed = {item["id"] for item in body["sample"]}
    assert body["count"] == 2
    assert previewed == {str(silent.pk), str(long_ago.pk)}
    assert {item["name"] for item in body["sample"]} == {"Silent Retention", "Longago Retention"}

    run = run_retention()

    (reported,) = [item for item in run.report["rules"] if item["rule"] == str(rule.pk)]
    assert set(reported["ids"]) == previewed
    assert reported["erased"] == 2
    remaining = set(Contact.objects.values_list("pk", flat=True))
    assert silent.pk not in remaining and long_ago.pk not in remaining
    assert {recent.pk, new.pk, customer.pk} <= remaining
    assert preview(rule)["count"] == 0
    # The erasure went through the person erasure: audited, naming the rule.
    erased = AuditEntry.objects.filter(action=AuditAction.ERASE, object_id=str(silent.pk))
    assert erased.get().changes == {"retention_rule": [None, str(rule.pk)]}
    # The data protection officer is told, with a link to the report.
    notice = Notification.objects.get(recipient=dpo)
    assert "2 records erased" in notice.message
    assert notice.link == "/privacy/retention/"


def test_a_rule_never_erases_a_person_with_a_recent_interaction(admin):
    called = _person(admin, "Called")
    _note(admin, called, 1)
    met = _person(admin, "Met")
    other = _person(admin, "Host", stage="customer")
    start = _ago(1)
    activity_create(
        actor=admin,
        data={
            "kind": "meeting",
            "subject": "Workshop",
            "contact_id": other.pk,
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=1),
            "participants": [{"contact_id": str(met.pk)}],
        },
    )
    rule = _rule(record_type="contact", months=24)

    assert {item["id"] for item in preview(rule)["sample"]}.isdisjoint(
        {str(called.pk), str(met.pk), str(other.pk)}
    )
    run_retention()

    assert Contact.objects.filter(pk__in=[called.pk, met.pk, other.pk]).count() == 3


def test_a_disabled_rule_erases_nothing(admin):
    silent = _person(admin, "Dormant")
    _rule(record_type="contact", category="lead", months=24, enabled=False)

    run = run_retention()

    assert Contact.objects.filter(pk=silent.pk).exists()
    assert run.erased == 0


def _invoice(admin, number: str, day: str, contact: Contact) -> Invoice:
    return sales.invoice_create(
        actor=admin,
        data={
            "number": number,
            "gross_amount": "119",
            "invoice_date": day,
            "due_date": day,
            "contact_id": contact.pk,
        },
    )


def test_an_invoice_rule_erases_the_invoices_of_years_past_the_period(admin):
    customer = _person(admin, "Buyer", stage="customer")
    old = _invoice(admin, "RE-2016-1", "2016-12-31", customer)
    young = _invoice(admin, "RE-2017-1", "2017-01-01", customer)
    rule = _rule(record_type="invoice", months=120)
    today = datetime.date(2027, 1, 1)

    shown = preview(rule, today=today)
    run = run_retention(today=today)

    assert shown["count"] == 1
    assert [item["id"] for item in shown["sample"]] == [str(old.pk)]
    (reported,) = run.report["rules"]
    assert reported["ids"] == [str(old.pk)]
    assert not Invoice.objects.filter(pk=old.pk).exists()
    assert Invoice.objects.filter(pk=young.pk).exists()
    # The audit keeps that it went, not what it held.
    deleted = AuditEntry.objects.get(action=AuditAction.DELETE, object_id=str(old.pk))
    assert deleted.actor_id is None
    created = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(old.pk))
    assert created.changes
    assert all(pair == [None, None] for pair in created.changes.values())


def test_an_invoice_kept_for_an_erased_person_goes_when_its_period_ends(admin, dpo):
    person = _person(admin, "Kept", stage="customer")
    invoice = _invoice(admin, "RE-KEPT-1", "2026-03-01", person)
    request = request_create(actor=dpo, type="erasure", contact_id=person.pk)
    report = execute_erasure(actor=dpo, request=request)
    (kept,) = report["kept"]
    assert kept["until"] == "2034-12-31"  # 8 years after 2026
    assert (kept["type"], kept["id"]) == ("invoice", str(invoice.pk))
    assert not RetentionRule.objects.filter(enabled=True).exists()

    run_retention(today=datetime.date(2034, 12, 31))
    assert Invoice.objects.filter(pk=invoice.pk).exists()

    run = run_retention(today=datetime.date(2035, 1, 1))

    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert run.report["kept_erased"] == [
        {
            "source": f"request:{request.pk}",
            "type": "invoice",
            "id": str(invoice.pk),
            "until": "2034-12-31",
            "erased": True,
        }
    ]
    assert run.erased == 1
    # A second run finds nothing left to do.
    assert run_retention(today=datetime.date(2035, 1, 2)).erased == 0


def test_documents_kept_for_a_person_a_rule_erased_are_remembered(admin):
    person = _person(admin, "Ruled")
    invoice = _invoice(admin, "RE-RULED-1", "2026-03-01", person)
    _rule(record_type="contact", category="lead", months=24)

    run = run_retention()

    assert [item["id"] for item in run.report["kept"]] == [str(invoice.pk)]
    run_retention(today=datetime.date(2037, 1, 1))
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_the_run_is_a_daily_schedule_of_the_worker():
    (spec,) = [spec for spec in registered_schedules() if spec.name == "privacy.retention"]
    assert spec.task_path == "kontor.privacy.retention.run_retention_rules"
    assert spec.cron


def test_the_defaults_follow_german_law_and_start_switched_off():
    defaults = {
        (rule.record_type, rule.category): (rule.months, rule.enabled)
        for rule in RetentionRule.objects.all()
    }

    assert defaults[("contact", "lead")] == (24, False)
    assert defaults[("quote", "")] == (72, False)
    assert defaults[("order", "")] == (72, False)
    assert defaults[("invoice", "")] == (96, False)


# The API ---------------------------------------------------------------------------------


def test_the_officer_manages_rules_through_the_api(api):
    RetentionRule.objects.filter(record_type="contact", category="customer").delete()

    created = api.post(
        URL,
        {"record_type": "contact", "category": "customer", "months": 60, "legal_ground": "x"},
    )
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    assert created.json()["counted_from"]

    changed = api.patch(f"{URL}/{rule_id}", {"months": 48, "enabled": False})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["months"], changed.json()["enabled"]) == (48, False)
    assert rule_id in {item["id"] for item in api.get(URL).json()["items"]}
    assert api.get(f"{URL}/{rule_id}").json()["months"] == 48

    assert api.delete(f"{URL}/{rule_id}").status_code == 204
    assert api.get(f"{URL}/{rule_id}").status_code == 404
    actions = AuditEntry.objects.filter(object_id=rule_id).values_list("action", flat=True)
    assert set(actions) == {AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE}


def test_the_runs_are_listed_latest_first(api):
    run_retention(today=datetime.date(2030, 1, 1))
    run_retention(today=datetime.date(2030, 1, 2))

    items = api.get("/api/v1/privacy/retention-runs").json()["items"]

    assert [item["ran_on"] for item in items] == ["2030-01-02", "2030-01-01"]
    assert RetentionRun.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"record_type": "ticket", "months": 12}, "record_type", "No retention rules"),
        ({"record_type": "contact", "category": "vip", "months": 12}, "category", "Not a category"),
        ({"record_type": "invoice", "category": "lead", "months": 12}, "category", "no categories"),
        ({"record_type": "contact", "category": "lead", "months": 0}, "months", "1 to 1200"),
        ({"record_type": "contact", "category": "lead", "months": 5000}, "months", "1 to 1200"),
        ({"record_type": "invoice", "months": 12}, "category", "already"),
        ({"record_type": "contact", "months": "many"}, "months", ""),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api, body, field, words):
    response = api.post(URL, body)

    assert response.status_code == 422, response.content
    errors = {detail["loc"][-1]: detail["msg"] for detail in response.json()["detail"]}
    assert field in errors, errors
    assert words in errors[field]


def test_only_the_officer_and_administrators_manage_rules(admin, api):
    rule = RetentionRule.objects.get(record_type="invoice", category="")
    rep = api_client_for(UserFactory(username="retention-rep", roles=["sales"]))
    lead = api_client_for(UserFactory(username="retention-lead", roles=["team-lead"]))

    for client in (rep, lead):
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"record_type": "contact", "months": 1}).status_code == 403
        assert client.get(f"{URL}/{rule.pk}/preview").status_code == 403
        assert client.patch(f"{URL}/{rule.pk}", {"months": 1}).status_code == 403
        assert client.delete(f"{URL}/{rule.pk}").status_code == 403
    assert api_client_for(admin).get(f"{URL}/{rule.pk}/preview").status_code == 200
    assert RetentionRule.objects.get(pk=rule.pk).months == 96


# The pages --------------------------------------------------------------------------------


def test_the_retention_page_shows_rules_with_their_previews(client, admin, dpo):
    _person(admin, "Paged")
    rule = _rule(record_type="contact", category="lead", months=24)
    client.force_login(dpo)

    page = client.get("/privacy/retention/")
    detail = client.get(f"/privacy/retention/rules/{rule.pk}/")

    assert page.status_code == 200
    assert 'data-testid="retention-rules"' in page.content.decode()
    assert "Paged Retention" in detail.content.decode()
    saved = client.post(
        f"/privacy/retention/rules/{rule.pk}/",
        {"record_type": "contact", "category": "lead", "months": "30", "enabled": "on"},
    )
    assert saved.status_code == 302
    assert RetentionRule.objects.get(pk=rule.pk).months == 30


def test_the_retention_page_is_the_officers(client):
    client.force_login(UserFactory(username="retention-page-rep", roles=["sales"]))

    assert client.get("/privacy/retention/").status_code == 403
    assert client.get("/privacy/register/").status_code == 403


def test_every_type_with_retention_says_how_its_records_go():
    from django.utils.module_loading import import_string

    from kontor.privacy.retention import retention_types
    from kontor.privacy.subjects import person_type

    kinds = {kind.key: kind for kind in retention_types()}
    assert {"contact", "quote", "order", "invoice"} <= set(kinds)
    for kind in kinds.values():
        spec = kind.retention
        import_string(spec.expired)
        assert kind.key == person_type().key or import_string(spec.erase), kind.key
        assert bool(spec.categories) == bool(spec.category_field), kind.key
        for default in spec.defaults:
            assert not default.category or default.category in dict(spec.categories)


def test_updating_shortens_an_unchanged_default_invoice_rule_to_eight_years(db):
    """The migration of the Fourth Bureaucracy Relief Act: the default as it
    was made (120 months) becomes 96; a rule the officer changed stays."""
    from django.apps import apps

    shorten = import_module("kontor.privacy.migrations.0006_invoices_kept_eight_years").shorten
    rule = RetentionRule.objects.get(record_type="invoice", category="")
    RetentionRule.objects.filter(pk=rule.pk).update(
        months=120, legal_ground="§ 257 (1) no. 4, (4) HGB; § 147 (1) no. 4, (3) AO (invoice)"
    )
    shorten(apps, None)
    rule.refresh_from_db()
    assert (rule.months, rule.legal_ground) == (96, ACCOUNTING_RECORD)

    RetentionRule.objects.filter(pk=rule.pk).update(months=130, legal_ground="our own rule")
    shorten(apps, None)
    rule.refresh_from_db()
    assert (rule.months, rule.legal_ground) == (130, "our own rule")
