"""Scores of hand-made records: each part and its reasons."""

import datetime

import pytest
from django.utils import timezone

from kontor.activities.services import activity_create
from kontor.contacts.models import Contact, EmailAddress
from kontor.dedupe.scan import scan_all
from kontor.quality.compute import rescore, rescore_all
from kontor.quality.models import QualityScore
from kontor.quality.scoring import WEIGHTS, Facts, score
from tests.dedupe.conftest import make_contact, make_organization

NOW = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)


def _stored(record, kind="contact"):
    return QualityScore.objects.get(kind=kind, record_id=record.pk)


def _codes(row):
    return {(r["code"], r.get("field")) for r in row.reasons}


def test_the_weights_add_up_to_a_hundred():
    assert sum(WEIGHTS.values()) == 100


def test_a_complete_fresh_record_without_duplicates_scores_a_hundred():
    facts = Facts(
        filled={"name", "email", "phone", "organization", "owner"},
        checked=3,
        last_touched=NOW - datetime.timedelta(days=10),
    )
    result = score("contact", facts, NOW)
    assert result.score == 100
    assert result.reasons == []


def test_each_part_loses_points_and_says_why():
    facts = Facts(
        filled={"name", "email", "owner"},
        problems=[("email", "", "bouncing")],
        checked=2,
        last_touched=NOW - datetime.timedelta(days=548),
        open_duplicates=2,
    )
    result = score("contact", facts, NOW)
    assert result.completeness == 24  # 3 of 5 fields
    assert result.validity == 12  # 1 of 2 checked values (12.5 rounds to even)
    assert result.freshness == 6  # 548 days: 182 of the 640 days from 90 to 730 left
    assert result.duplicates == 0
    assert result.score == 24 + 12 + 6 + 0
    assert {"part": "completeness", "code": "missing", "field": "phone"} in result.reasons
    assert {"part": "freshness", "code": "untouched", "months": 18} in result.reasons
    assert {"part": "duplicates", "code": "duplicates", "count": 2} in result.reasons


def test_one_duplicate_costs_half_the_part():
    facts = Facts(filled=set(), last_touched=NOW, open_duplicates=1)
    assert score("contact", facts, NOW).duplicates == WEIGHTS["duplicates"] // 2


def test_a_contact_with_only_an_email_address_is_scored_from_the_database(user):
    contact = make_contact(user, "", "", emails=["only@mail.example"], owner_id=None)
    rescore("contact", [contact.pk])
    row = _stored(contact)
    assert _codes(row) >= {("missing", "name"), ("missing", "phone"),
                           ("missing", "organization"), ("missing", "owner")}  # fmt: skip
    assert row.completeness == 8  # 1 of 5
    assert row.validity == WEIGHTS["validity"]
    assert row.freshness == WEIGHTS["freshness"]
    assert row.score == 8 + 25 + 20 + 15


def test_a_bouncing_address_and_an_unassigned_number_count_against_validity(user):
    organization = make_organization(user, "Schulz GmbH")
    contact = make_contact(
        user, "Petra", "Schulz", emails=["petra@schulz.example"],
        # A possible German number, but no valid one (no area code 01…).
        phones=["+49 1 2345678"], organization_id=str(organization.pk),
    )  # fmt: skip
    EmailAddress.objects.filter(contact=contact).update(bouncing=True)
    rescore("contact", [contact.pk])
    row = _stored(contact)
    assert ("bouncing", "email") in _codes(row)
    assert ("bad_phone", "phone") in _codes(row)
    assert row.validity == round(WEIGHTS["validity"] * 1 / 3)  # the name is fine
    # The score table copies no personal data.
    for personal in ("petra", "schulz", "2345678"):
        assert personal not in str(row.reasons).lower()
    assert row.completeness == WEIGHTS["completeness"]


def test_an_old_record_ages_unless_an_activity_took_place(user):
    contact = make_contact(user, "Alt", "Bestand", emails=["alt@bestand.example"])
    long_ago = timezone.now() - datetime.timedelta(days=800)
    Contact.objects.filter(pk=contact.pk).update(updated_at=long_ago)
    rescore("contact", [contact.pk])
    row = _stored(contact)
    assert row.freshness == 0
    assert any(r["code"] == "untouched" and r["months"] == 26 for r in row.reasons)
    activity_create(
        actor=user,
        data={"kind": "note", "body": "Called back", "contact_id": str(contact.pk)},
    )
    rescore("contact", [contact.pk])
    assert _stored(contact).freshness == WEIGHTS["freshness"]


def test_open_duplicate_candidates_are_counted(user, meiers):
    hans, hans_again, other = meiers
    scan_all("contact")
    rescore_all("contact")
    assert _stored(hans).duplicates == WEIGHTS["duplicates"] // 2
    assert ("duplicates", None) in _codes(_stored(hans_again))
    assert _stored(other).duplicates == WEIGHTS["duplicates"]


def test_an_organization_needs_a_website_contacts_and_a_readable_website(user):
    lone = make_organization(user, "Einzel AG")
    staffed = make_organization(user, "Voll GmbH", website="https://voll.example")
    make_contact(user, "Eva", "Voll", organization_id=str(staffed.pk))
    rescore_all("organization")
    assert _codes(_stored(lone, "organization")) >= {("missing", "website"),
                                                      ("missing", "contacts")}  # fmt: skip
    staffed_codes = _codes(_stored(staffed, "organization"))
    assert ("missing", "website") not in staffed_codes
    assert ("missing", "contacts") not in staffed_codes


@pytest.mark.parametrize("name", ["Hans 2", "info@firma"])
def test_a_name_with_digits_or_an_at_sign_is_not_valid(user, name):
    contact = make_contact(user, name, "")
    rescore("contact", [contact.pk])
    assert ("bad_name", "name") in _codes(_stored(contact))


def test_the_full_rescore_drops_scores_of_archived_and_deleted_records(user, meiers):
    from kontor.contacts.services import contact_archive

    hans, hans_again, other = meiers
    rescore_all("contact")
    contact_archive(actor=user, contact=hans)
    Contact.objects.filter(pk=other.pk).delete()
    rescore_all("contact")
    assert set(QualityScore.objects.values_list("record_id", flat=True)) == {hans_again.pk}


def test_a_record_named_by_text_and_by_uuid_is_scored_once_in_place(user):
    contact = make_contact(user, "Eva", "Voll")
    rescore("contact", [contact.pk])
    row = _stored(contact)
    assert rescore("contact", [str(contact.pk), contact.pk, "no id"]) == 1
    assert _stored(contact).pk == row.pk  # updated, not dropped and made again
