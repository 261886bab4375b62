"""The deals API: the public contract of the sales issue, its errors, stage
history, conflicts and filters."""

from kontor.sales.models import Deal, DealStageChange
from tests.factories import UserFactory


def test_a_new_deal_lands_in_the_first_open_stage_of_the_default_pipeline(
    api, user, pipeline, stages, organization
):
    response = api.post(
        "/api/v1/deals",
        {"title": "Neue Telefonanlage", "organization_id": str(organization.pk),
         "amount": "48000.5", "expected_close_date": "2026-09-30"},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    deal = response.json()
    assert deal["pipeline_id"] == str(pipeline.pk)
    assert deal["stage_id"] == str(stages["Qualification"].pk)
    assert deal["status"] == "open"
    assert deal["amount"] == "48000.50"
    assert deal["currency"] == "EUR"
    assert deal["probability"] == 10
    assert deal["weighted_amount"] == "4800.05"
    assert deal["owner_id"] == user.pk
    assert deal["version"] == 1
    assert response["ETag"] == '"1"'
    assert set(deal) >= {
        "id", "title", "pipeline_id", "stage_id", "status", "amount", "currency",
        "probability", "expected_close_date", "organization_id", "contact_id", "owner_id",
        "source", "lost_reason", "custom", "created_at", "updated_at", "version",
    }  # fmt: skip


def test_a_deal_needs_a_customer_and_a_title(api):
    response = api.post("/api/v1/deals", {"title": " "})
    assert response.status_code == 422
    fields = {tuple(d["loc"]) for d in response.json()["detail"]}
    assert ("body", "title") in fields
    assert ("body", "organization_id") in fields


def test_bad_amounts_and_currencies_are_refused_with_the_field_named(api, organization):
    for amount, reason in [
        ("12.345", "2 decimal places"),
        ("-5", "less than 0"),
        ("lots", "decimal number"),
        ("1e20", "less than"),
    ]:
        response = api.post(
            "/api/v1/deals",
            {"title": "X", "organization_id": str(organization.pk), "amount": amount},
        )
        assert response.status_code == 422, amount
        detail = response.json()["detail"]
        assert detail[0]["loc"] == ["body", "amount"]
        assert reason in detail[0]["msg"]
    response = api.post(
        "/api/v1/deals", {"title": "X", "organization_id": str(organization.pk), "amount": 1.5}
    )
    assert response.status_code == 422
    response = api.post(
        "/api/v1/deals",
        {"title": "X", "organization_id": str(organization.pk), "currency": "EURO"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "currency"]


def test_moving_to_a_lost_stage_needs_a_reason_and_every_move_is_kept(api, user, deal, stages):
    url = f"/api/v1/deals/{deal.pk}"
    lost = api.patch(url, {"stage_id": str(stages["Lost"].pk)})
    assert lost.status_code == 422
    assert lost.json()["detail"][0]["loc"] == ["body", "lost_reason"]

    proposal = api.patch(url, {"stage_id": str(stages["Proposal"].pk), "version": 1})
    assert proposal.status_code == 200
    assert proposal.json()["probability"] == 50
    lost = api.patch(
        url, {"stage_id": str(stages["Lost"].pk), "lost_reason": "Preis", "version": 2}
    )
    assert lost.status_code == 200
    assert lost.json()["status"] == "lost"
    assert lost.json()["closed_at"] is not None

    history = api.get(f"{url}/history").json()["items"]
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        ("", "Qualification"),
        ("Qualification", "Proposal"),
        ("Proposal", "Lost"),
    ]
    assert all(h["changed_by_id"] == user.pk for h in history)


def test_a_stage_of_another_pipeline_is_refused(api, admin_user, deal):
    from tests.conftest import api_client_for

    other = api_client_for(admin_user).post(
        "/api/v1/pipelines",
        {"name": "Service contracts", "stages": [{"name": "Offen", "probability": 20}]},
    )
    assert other.status_code == 201, other.content
    foreign_stage = other.json()["stages"][0]["id"]
    response = api.patch(f"/api/v1/deals/{deal.pk}", {"stage_id": foreign_stage})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "stage_id"]


def test_a_stale_version_gets_409_and_changes_nothing(api, deal, stages):
    url = f"/api/v1/deals/{deal.pk}"
    assert api.patch(url, {"title": "Renamed", "version": 1}).status_code == 200
    response = api.patch(url, {"stage_id": str(stages["Proposal"].pk), "version": 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert Deal.objects.get(pk=deal.pk).stage == stages["Qualification"]
    assert DealStageChange.objects.filter(deal=deal).count() == 1


def test_a_write_that_changes_nothing_keeps_the_version(api, deal):
    response = api.patch(f"/api/v1/deals/{deal.pk}", {"title": deal.title, "amount": "12000"})
    assert response.status_code == 200
    assert response.json()["version"] == 1


def test_the_list_filters_by_status_stage_owner_customer_and_close_dates(
    api, user, deal, stages, organization, settings
):
    # A colleague's deals by owner are a list of their work: not in works-council
    # mode (tests/access/test_works_council_routes.py).
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    other = UserFactory(username="other")
    from kontor.sales.services import deal_create

    late = deal_create(
        actor=user,
        data={"title": "Später", "organization_id": organization.pk, "owner_id": other.pk,
              "expected_close_date": "2027-01-15", "stage_id": stages["Won"].pk},
    )  # fmt: skip

    def ids(query: str) -> list[str]:
        response = api.get(f"/api/v1/deals?{query}")
        assert response.status_code == 200, response.content
        return [d["id"] for d in response.json()["items"]]

    assert ids("status=won") == [str(late.pk)]
    assert ids(f"stage_id={stages['Qualification'].pk}") == [str(deal.pk)]
    assert ids(f"owner_id={other.pk}") == [str(late.pk)]
    assert set(ids(f"organization_id={organization.pk}")) == {str(deal.pk), str(late.pk)}
    assert ids("close_after=2026-12-31") == [str(late.pk)]
    assert ids("close_before=2026-12-31") == []
    assert ids("q=später") == [str(late.pk)]
    page = api.get("/api/v1/deals?limit=1").json()
    assert len(page["items"]) == 1 and page["next"]
    assert api.get("/api/v1/deals?status=maybe").status_code == 422


def test_an_unknown_or_malformed_deal_is_404(api):
    assert api.get("/api/v1/deals/not-a-uuid").status_code == 404
    assert api.get("/api/v1/deals/0190d6f0-0000-7000-8000-000000000000").status_code == 404


def test_custom_fields_of_deals_are_validated_like_those_of_contacts(api, organization):
    from kontor.customfields.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(
        object_type="deal", key="segment", label="Segment", field_type="choice",
        choices=["SMB", "Enterprise"],
    )  # fmt: skip
    url = "/api/v1/deals"
    body = {"title": "X", "organization_id": str(organization.pk)}
    bad = api.post(url, {**body, "custom": {"segment": "Huge"}})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "custom", "segment"]
    good = api.post(url, {**body, "custom": {"segment": "SMB"}})
    assert good.json()["custom"] == {"segment": "SMB"}


def test_activities_and_files_name_a_deal(api, user, deal, contact):
    note = api.post(
        "/api/v1/activities", {"kind": "note", "body": "Kickoff", "deal_id": str(deal.pk)}
    )
    assert note.status_code == 201, note.content
    assert note.json()["deal_id"] == str(deal.pk)
    assert note.json()["contact_id"] == str(contact.pk)  # the deal's contact by default

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    upload = Client.post(
        api, f"/api/v1/deals/{deal.pk}/files", {"file": SimpleUploadedFile("spec.txt", b"x")}
    )
    assert upload.status_code == 201, upload.content
    assert upload.json()["deal_id"] == str(deal.pk)
    assert upload.json()["contact_id"] == str(contact.pk)

    timeline = api.get(f"/api/v1/deals/{deal.pk}/activities").json()["items"]
    assert [a["id"] for a in timeline] == [note.json()["id"]]
    files = api.get(f"/api/v1/deals/{deal.pk}/files").json()["items"]
    assert [f["name"] for f in files] == ["spec.txt"]
    bad = api.post("/api/v1/activities", {"kind": "note", "body": "x", "deal_id": str(user.pk)})
    assert bad.status_code == 422


def test_pipelines_are_changed_by_administrators_only(api, pipeline, stages, deal):
    from tests.conftest import api_client_for

    rep = api_client_for(UserFactory(username="rep2", roles=["sales"]))
    listed = rep.get("/api/v1/pipelines").json()["items"]
    assert [s["name"] for s in listed[0]["stages"]] == [
        "Qualification", "Needs analysis", "Proposal", "Negotiation", "Won", "Lost",
    ]  # fmt: skip
    assert rep.patch(f"/api/v1/pipelines/{pipeline.pk}", {"name": "Mine"}).status_code == 403

    keep = [{"id": str(s.pk), "name": s.name, "probability": s.probability, "kind": s.kind}
            for s in pipeline.stages.all() if s.name != "Qualification"]  # fmt: skip
    refused = api.patch(f"/api/v1/pipelines/{pipeline.pk}", {"stages": keep})
    assert refused.status_code == 422  # the deal is in Qualification
    assert "move the deals" in refused.json()["detail"][0]["msg"]
    renamed = api.patch(
        f"/api/v1/pipelines/{pipeline.pk}",
        {"stages": [{**s, "name": s["name"] + "!"} if s["kind"] == "won" else s for s in
                    [{"id": str(stages["Qualification"].pk), "name": "Qualification",
                      "probability": 15, "kind": "open"}, *keep]]},
    )  # fmt: skip
    assert renamed.status_code == 200, renamed.content
    assert [s["name"] for s in renamed.json()["stages"]][-2] == "Won!"
    assert api.delete(f"/api/v1/pipelines/{pipeline.pk}").status_code == 422


def test_the_furthest_stage_stays_when_a_deal_moves_back_or_is_lost(api, deal, stages):
    """The leads dashboard counts a deal as having reached every stage up to
    the furthest it got to (kontor.analytics)."""
    assert Deal.objects.get(pk=deal.pk).furthest_stage == stages["Qualification"]
    url = f"/api/v1/deals/{deal.pk}"
    assert api.patch(url, {"stage_id": str(stages["Proposal"].pk)}).status_code == 200
    assert api.patch(url, {"stage_id": str(stages["Qualification"].pk)}).status_code == 200
    assert Deal.objects.get(pk=deal.pk).furthest_stage == stages["Proposal"]
    lost = api.patch(url, {"stage_id": str(stages["Lost"].pk), "lost_reason": "Preis"})
    assert lost.status_code == 200
    assert Deal.objects.get(pk=deal.pk).furthest_stage == stages["Proposal"]
    assert api.patch(url, {"stage_id": str(stages["Won"].pk)}).status_code == 200
    assert Deal.objects.get(pk=deal.pk).furthest_stage == stages["Won"]
