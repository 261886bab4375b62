"""GET /api/v1/deals/export and the export menu of the sales board: the
deals the list (or the board) shows with its filters, as CSV or XLSX, with
the access rules and field categories of the API's answers (a financial
amount, a customer the user may not see), and one audit entry."""

import pytest
from django.test import Client
from django.urls import reverse

from kontor.access.models import Role
from kontor.access.services import field_category_set
from kontor.audit.models import AuditEntry
from kontor.customfields.models import CustomFieldDefinition
from kontor.sales.models import Deal, Pipeline
from kontor.sales.records import DEAL_COLUMNS
from kontor.sales.services import deal_create
from tests.conftest import api_client_for
from tests.contacts.api_support import field_errors
from tests.exports.test_api_exports import body_of, csv_rows, xlsx_rows
from tests.factories import ContactFactory, OrganizationFactory, UserFactory

DEALS = "/api/v1/deals/export"


@pytest.fixture
def pipeline(db):
    return Pipeline.objects.get(name="New business")


@pytest.fixture
def stages(pipeline):
    return {stage.name: stage for stage in pipeline.stages.all()}


@pytest.fixture
def rollout(user):
    organization = OrganizationFactory(owner=user, name="Müller & Söhne KG")
    contact = ContactFactory(
        owner=user, first_name="Jürgen", last_name="Müßig", organization_id=organization.pk
    )
    return deal_create(
        actor=user,
        data={"title": "Rollout Köln", "organization_id": organization.pk,
              "contact_id": contact.pk, "amount": "12000.00", "probability": 25,
              "expected_close_date": "2027-03-31", "next_step": "=Angebot senden"},
    )  # fmt: skip


def _deal(actor, title: str, **data):
    if "organization_id" not in data:
        data["organization_id"] = OrganizationFactory(owner=actor, name=f"Kunde {title}").pk
    return deal_create(actor=actor, data={"title": title, "amount": "100.00", **data})


# Content -----------------------------------------------------------------------------


def test_csv_holds_the_deals_of_the_list_with_their_customer_and_amounts(api, user, rollout):
    response = api.get(DEALS, {"format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    assert response["X-Export-Count"] == "1"
    [row] = csv_rows(response)
    assert list(row) == list(DEAL_COLUMNS)
    assert row["id"] == str(rollout.pk)
    assert row["title"] == "Rollout Köln"
    assert row["pipeline"] == "New business"
    assert row["stage_name"] == "Qualification"
    assert row["status"] == "open"
    assert row["amount"] == "12000.00"
    assert row["weighted_amount"] == "3000.00"
    assert row["probability"] == "25"
    assert row["currency"] == "EUR"
    assert row["expected_close_date"] == "2027-03-31"
    assert row["organization"] == "Müller & Söhne KG"
    assert row["organization_id"] == str(rollout.organization_id)
    assert row["contact"] == "Jürgen Müßig"
    assert row["contact_id"] == str(rollout.contact_id)
    assert row["owner_id"] == str(user.pk)
    # A cell that would run as a formula in a spreadsheet is neutralised.
    assert row["next_step"] == "'=Angebot senden"


def test_xlsx_holds_the_same_rows(api, user, rollout):
    response = api.get(DEALS, {"format": "xlsx"})

    assert response["Content-Disposition"].endswith('.xlsx"')
    [row] = xlsx_rows(response)
    assert row["title"] == "Rollout Köln"
    assert row["organization"] == "Müller & Söhne KG"
    assert row["amount"] == 12000  # a number in the spreadsheet
    assert row["next_step"] == "=Angebot senden"


def test_the_owner_is_named_by_full_name_else_username_and_left_empty_without_one(api, user):
    named = UserFactory(username="kollege", first_name="Karla", last_name="Kollegin")
    _deal(user, "Benannt", owner_id=named.pk)
    _deal(user, "Nur Login", owner_id=user.pk)
    nobodys = _deal(user, "Niemandes")
    Deal.objects.filter(pk=nobodys.pk).update(owner=None)

    owners = {row["title"]: row["owner"] for row in csv_rows(api.get(DEALS))}

    assert owners == {"Benannt": "Karla Kollegin", "Nur Login": "rep", "Niemandes": ""}


def test_the_lists_filters_choose_the_rows(api, user, rollout, stages, settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    other = UserFactory(username="kollege")
    _deal(user, "Wartung Hamburg", owner_id=other.pk, stage_id=stages["Won"].pk)
    _deal(user, "Wartung Bremen", expected_close_date="2026-01-15")

    def titles(**filters) -> list[str]:
        return [row["title"] for row in csv_rows(api.get(DEALS, filters))]

    assert titles() == ["Wartung Bremen", "Wartung Hamburg", "Rollout Köln"]
    assert titles(status="won") == ["Wartung Hamburg"]
    assert titles(owner_id=other.pk) == ["Wartung Hamburg"]
    assert titles(q="wartung", close_before="2026-06-01") == ["Wartung Bremen"]
    assert titles(organization_id=rollout.organization_id) == ["Rollout Köln"]
    assert titles(stage_id=stages["Qualification"].pk, q="Rollout") == ["Rollout Köln"]


def test_invalid_filters_are_refused_as_the_list_refuses_them(api, rollout):
    wrong = {"status": "nonsense", "close_after": "gestern"}
    errors = field_errors(api.get(DEALS, wrong))
    listed = field_errors(api.get("/api/v1/deals", wrong))

    assert errors == listed
    assert not AuditEntry.objects.filter(action="export").exists()


def test_vcard_and_unknown_formats_are_refused_naming_the_allowed_ones(api, rollout):
    for export_format in ("vcf", "pdf"):
        [reason] = field_errors(api.get(DEALS, {"format": export_format}))["query.format"]
        assert "'csv'" in reason and "'xlsx'" in reason and "vcf" not in reason
    assert not AuditEntry.objects.filter(action="export").exists()


# Access -------------------------------------------------------------------------------


def test_sales_export_only_their_own_deals_though_they_read_their_teams(user):
    rep = UserFactory(username="rep-a", roles=["sales"], teams=["Nord"])
    colleague = UserFactory(username="rep-b", roles=["sales"], teams=["Nord"])
    stranger = UserFactory(username="rep-c", roles=["sales"], teams=["Süd"])
    _deal(user, "Meiner", owner_id=rep.pk)
    _deal(user, "Kollege", owner_id=colleague.pk)
    _deal(user, "Fremd", owner_id=stranger.pk)
    client = api_client_for(rep)

    listed = {item["title"] for item in client.get("/api/v1/deals").json()["items"]}
    assert listed == {"Meiner", "Kollege"}
    for rows in (csv_rows(client.get(DEALS)), xlsx_rows(client.get(DEALS, {"format": "xlsx"}))):
        assert [row["title"] for row in rows] == ["Meiner"]


def test_a_customer_the_user_may_not_see_is_not_named(user):
    rep = UserFactory(username="rep-a", roles=["sales"], teams=["Nord"])
    stranger = UserFactory(username="rep-c", roles=["sales"], teams=["Süd"])
    hidden = OrganizationFactory(owner=stranger, name="Geheime GmbH")
    contact = ContactFactory(owner=stranger, first_name="Greta", last_name="Geheim")
    deal = _deal(user, "Mein Deal", owner_id=rep.pk, organization_id=hidden.pk,
                 contact_id=contact.pk)  # fmt: skip
    client = api_client_for(rep)

    [row] = csv_rows(client.get(DEALS))
    answer = client.get(f"/api/v1/deals/{deal.pk}").json()

    assert answer["organization_id"] is None and answer["contact_id"] is None
    assert (row["organization"], row["organization_id"]) == ("", "")
    assert (row["contact"], row["contact_id"]) == ("", "")


def test_without_the_export_right_it_is_refused(user):
    agent = UserFactory(username="agent", roles=["service"])
    _deal(user, "Sichtbar", owner_id=agent.pk)
    client = api_client_for(agent)

    assert client.get("/api/v1/deals").json()["items"]
    response = client.get(DEALS)
    assert response.status_code == 403
    assert "export" in response.json()["detail"]
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.fixture
def standard_only(db):
    role = Role.objects.create(
        slug="standard-exporter",
        name="standard exporter",
        levels={"*": {"read": "all", "export": "all"}},
        categories={"standard": "read"},
    )
    exporter = UserFactory(username="plain", roles=[])
    role.users.add(exporter)
    return exporter


def test_a_financial_amount_is_left_out_for_a_role_without_financial_access(
    user, rollout, standard_only
):
    field_category_set(actor=user, object_type_key="deal", field="amount", category="financial")
    CustomFieldDefinition.objects.create(
        object_type="deal", key="region", label="Region", field_type="text"
    )
    CustomFieldDefinition.objects.create(
        object_type="deal", key="margin", label="Margin", field_type="text", category="financial"
    )
    client = api_client_for(standard_only)

    [row] = csv_rows(client.get(DEALS))
    answer_keys = set(client.get(f"/api/v1/deals/{rollout.pk}").json())

    assert {"amount", "weighted_amount"} & set(row) == set()
    assert {"amount", "weighted_amount"} & answer_keys == set()  # the same rule as the API
    assert "custom.region" in row and "custom.margin" not in row
    assert row["title"] == "Rollout Köln"
    # Administrators read financial data: theirs has the amount.
    [admin_row] = csv_rows(api_client_for(user).get(DEALS))
    assert admin_row["amount"] == "12000.00"
    assert "custom.margin" in admin_row


# Audit ----------------------------------------------------------------------------------


def test_each_export_is_recorded_once_in_the_audit_trail(api, user, rollout):
    _deal(user, "Wartung")

    body_of(api.get(DEALS, {"format": "xlsx", "q": "Rollout"}))

    [entry] = AuditEntry.objects.filter(action="export")
    assert entry.actor_id == user.pk
    assert entry.object_type == "deal"
    assert entry.changes["count"] == [None, 1]
    assert entry.changes["format"] == [None, "xlsx"]
    assert entry.changes["filters"] == [None, {"q": "Rollout"}]
    assert "amount" in entry.fields
    assert not entry.sensitive


def test_an_export_with_a_financial_amount_is_a_sensitive_entry(api, user, rollout):
    field_category_set(actor=user, object_type_key="deal", field="amount", category="financial")

    body_of(api.get(DEALS))

    [entry] = AuditEntry.objects.filter(action="export")
    assert entry.sensitive
    assert "amount" in entry.fields


# The board's export menu ----------------------------------------------------------------


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_boards_menu_exports_what_the_filtered_board_shows(user, rollout, pipeline, settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    other = UserFactory(username="kollegin")
    _deal(user, "Ihr Deal", owner_id=other.pk)
    client = _browser(user)

    page = client.get(reverse("sales-board", args=[pipeline.pk]), {"owner": other.pk})
    links = page.context["export_links"]

    assert b'data-testid="export-menu"' in page.content
    assert [link.url.split("?")[1] for link in links] == [
        f"owner={other.pk}&format=csv&delimiter=semicolon",
        f"owner={other.pk}&format=csv",
        f"owner={other.pk}&format=xlsx",
    ]
    rows = csv_rows(client.get(links[0].url), ";")
    assert [row["title"] for row in rows] == ["Ihr Deal"]
    [entry] = AuditEntry.objects.filter(action="export")
    assert entry.channel == "ui"
    assert entry.changes["filters"] == [
        None, {"pipeline_id": str(pipeline.pk), "owner_id": str(other.pk)}
    ]  # fmt: skip


def test_without_the_export_right_the_board_has_no_menu_and_no_export(user, pipeline):
    agent = UserFactory(username="agent", roles=["service"])
    _deal(user, "Sichtbar", owner_id=agent.pk)
    client = _browser(agent)

    page = client.get(reverse("sales-board", args=[pipeline.pk]))

    assert page.status_code == 200
    assert page.context["export_links"] == []
    assert b'data-testid="export-menu"' not in page.content
    assert client.get(reverse("sales-board-export", args=[pipeline.pk])).status_code == 403


def test_a_vcard_from_the_board_returns_to_it_with_a_message(user, rollout, pipeline):
    client = _browser(user)

    response = client.get(reverse("sales-board-export", args=[pipeline.pk]), {"format": "vcf"})

    assert response.status_code == 302
    assert response["Location"] == reverse("sales-board", args=[pipeline.pk])
    assert not AuditEntry.objects.filter(action="export").exists()
