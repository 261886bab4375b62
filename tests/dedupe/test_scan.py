from kontor.dedupe.models import BlockingKey, DuplicatePair, PairStatus
from kontor.dedupe.scan import scan_all
from kontor.dedupe.services import pair_decide_not_duplicate
from kontor.events.dispatch import dispatch_pending
from tests.dedupe.conftest import make_contact, make_organization


def _pairs(kind="contact"):
    return {frozenset((str(p.a), str(p.b))): p for p in DuplicatePair.objects.filter(kind=kind)}


def test_the_full_scan_finds_spellings_of_one_person_with_reasons(meiers):
    hans, hans_again, _other = meiers
    result = scan_all("contact")
    assert result.records == 3
    pairs = _pairs()
    assert set(pairs) == {frozenset((str(hans.pk), str(hans_again.pk)))}
    pair = next(iter(pairs.values()))
    assert pair.score >= 0.9
    assert {r["field"] for r in pair.reasons} == {"name", "email"}


def test_the_scan_finds_the_same_pairs_in_chunks_of_few_records(user, monkeypatch):
    """The full scan reads records and keys in batches: pairs whose records
    fall into different batches, and records sharing several keys, come out
    as with one batch for everything."""
    people = [
        make_contact(user, first, last, emails=[email])
        for first, last, email in [
            ("Hans", "Meier", "hans@meier.example"),
            ("Hans", "Meyer", "hans@meier.example"),
            ("Petra", "Schulz", "petra@schulz.example"),
            ("Petra", "Schultz", "petra@schulz.example"),
            ("Jana", "Kowalski", "jana@kowalski.example"),
            ("Jana", "Kowalsky", "jana@kowalski.example"),
            ("Otto", "Normal", "otto@normal.example"),
        ]
    ]
    scan_all("contact")
    whole = {pair: p.score for pair, p in _pairs().items()}
    assert len(whole) == 3
    monkeypatch.setattr("kontor.dedupe.scan.BATCH", 2)
    DuplicatePair.objects.all().delete()
    result = scan_all("contact")
    assert result.records == len(people)
    assert {pair: p.score for pair, p in _pairs().items()} == whole


def test_organizations_are_found_without_their_legal_form(user):
    a = make_organization(user, "Bäckerei Schulz GmbH", website="https://schulz.example")
    b = make_organization(user, "Baeckerei Schulz KG", website="schulz.example")
    make_organization(user, "Stadtwerke Köln")
    scan_all("organization")
    assert set(_pairs("organization")) == {frozenset((str(a.pk), str(b.pk)))}


def test_not_a_duplicate_is_remembered_by_later_scans(user, meiers):
    scan_all("contact")
    pair = DuplicatePair.objects.get()
    pair_decide_not_duplicate(actor=user, pair=pair)
    scan_all("contact")
    pair.refresh_from_db()
    assert pair.status == PairStatus.NOT_DUPLICATE
    assert DuplicatePair.objects.count() == 1


def test_a_new_or_changed_contact_is_compared_on_the_worker(user, meiers):
    hans, _, other = meiers
    scan_all("contact")
    dispatch_pending()
    late = make_contact(user, "Hans", "Maier", phones=["+49 30 1234567"])
    dispatch_pending()
    assert BlockingKey.objects.filter(record_id=late.pk).exists()
    assert frozenset((str(hans.pk), str(late.pk))) in _pairs()
    # The other record turns out to be Hans too: it becomes a candidate.
    from kontor.contacts.services import contact_update

    contact_update(actor=user, contact=other, data={"first_name": "Hans", "last_name": "Mayer"})
    dispatch_pending()
    assert frozenset((str(hans.pk), str(other.pk))) in _pairs()


def test_an_archived_contact_drops_out_of_the_candidates(user, meiers):
    from kontor.contacts.services import contact_archive

    _hans, hans_again, _ = meiers
    scan_all("contact")
    dispatch_pending()
    contact_archive(actor=user, contact=hans_again)
    dispatch_pending()
    assert not DuplicatePair.objects.exists()
    assert not BlockingKey.objects.filter(record_id=hans_again.pk).exists()
