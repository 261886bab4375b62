import io
import json

import pytest
from django.core.management import CommandError, call_command

from kontor.contacts.models import Contact, ContactSearch, EmailAddress, PhoneNumber
from kontor.dedupe.models import BlockingKey, DuplicatePair
from kontor.perf.generate import Scale, generate
from kontor.perf.planted_duplicates import (
    PLANTED_NOTE,
    format_planted,
    planted_duplicates_bench,
)


def _generate(contacts=400):
    generate(Scale(contacts=contacts, organizations=40, activities=0, seed=5), lambda *_: None)


def _counts():
    return (
        Contact.objects.count(),
        EmailAddress.objects.count(),
        PhoneNumber.objects.count(),
        ContactSearch.objects.count(),
    )


@pytest.mark.django_db(transaction=True)
def test_it_finds_the_duplicates_planted_among_generated_contacts_and_removes_them():
    _generate()
    before = _counts()

    report = planted_duplicates_bench(60, log=lambda message: None)

    assert report["planted_pairs"] == 60
    assert report["scanned"] == 460
    assert report["recall"] >= 0.8
    assert report["precision"] >= 0.8
    assert set(report["recall_by_way"]) == {
        "respelled surname, same email in capitals",
        "same phone, typo in the name",
        "same name at another mail provider",
    }
    assert report["peak_rss_mb"] >= report["peak_rss_mb_before_scan"] > 0
    assert "Recall" in format_planted(report)
    assert _counts() == before
    assert report["remaining_planted"] == 0
    assert not Contact.objects.filter(notes__startswith=PLANTED_NOTE).exists()
    generated = set(Contact.objects.values_list("pk", flat=True))
    assert set(BlockingKey.objects.values_list("record_id", flat=True)) <= generated
    for a, b in DuplicatePair.objects.values_list("a", "b"):
        assert {a, b} <= generated


@pytest.mark.django_db(transaction=True)
def test_the_planted_contacts_are_written_as_the_services_would_and_can_be_kept(tmp_path):
    _generate(200)
    out = tmp_path / "report.json"

    call_command(
        "bench", "--duplicates-planted", "20", "--keep", "--json", str(out), stdout=io.StringIO()
    )

    report = json.loads(out.read_text())
    planted = Contact.objects.filter(notes__startswith=PLANTED_NOTE)
    assert report["kept"] is True
    assert report["remaining_planted"] == planted.count() == 20
    for contact in planted:
        original = Contact.objects.get(pk=contact.notes.removeprefix(PLANTED_NOTE))
        assert contact.first_name == original.first_name
        assert contact.owner_id == original.owner_id
        assert contact.display_name == f"{contact.first_name} {contact.last_name}"
        assert contact.search_row.names
        keys = set(BlockingKey.objects.filter(record_id=contact.pk).values_list("key", flat=True))
        assert keys, "the scan gave the planted contact its blocking keys"
    for email in EmailAddress.objects.filter(contact__in=planted):
        assert email.normalized == email.address.lower()


def test_keep_needs_the_planted_mode():
    with pytest.raises(CommandError, match="--keep"):
        call_command("bench", "--keep")
