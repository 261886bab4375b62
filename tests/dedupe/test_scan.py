from django.db import connection

from kontor.contacts.models import Contact
from kontor.dedupe import scan
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


def _same_name_at_many_addresses(user):
    """Hans Meier nine times at addresses of his own, and once more at
    another provider under the address he has at the first."""
    people = [
        make_contact(user, "Hans", "Meier", emails=[f"hans.meier{n}@mail.example"])
        for n in range(9)
    ]
    again = make_contact(user, "Hans", "Meier", emails=["hans.meier4@post.example"])
    return people, again


def test_a_large_name_block_is_compared_in_a_sorted_neighbourhood(user, monkeypatch):
    """A key more records share than MAX_BLOCK is not skipped: its records
    are sorted by name and address and each is compared with its next
    neighbours only, so the same person at another provider is found
    without comparing every pair."""
    people, again = _same_name_at_many_addresses(user)
    monkeypatch.setattr("kontor.dedupe.scan.MAX_BLOCK", 3)
    scored = []
    real_score = scan.score

    def counting_score(kind, a, b, **kw):
        scored.append(frozenset((str(a["id"]), str(b["id"]))))
        return real_score(kind, a, b, **kw)

    monkeypatch.setattr("kontor.dedupe.scan.score", counting_score)
    scan_all("contact")
    assert frozenset((str(people[4].pk), str(again.pk))) in _pairs()
    # Ten records: 45 pairs in all; a window of WINDOW compares at most
    # WINDOW - 1 per record and key.
    assert len(set(scored)) <= 10 * (scan.WINDOW - 1)
    # Before, a block of more than MAX_BLOCK records was not compared at all.
    monkeypatch.setattr("kontor.dedupe.scan.WINDOW", 1)
    scan_all("contact")
    assert frozenset((str(people[4].pk), str(again.pk))) not in _pairs()


def test_the_scan_in_two_processes_finds_what_one_finds(transactional_db, user):
    """On PostgreSQL outside a transaction the scan shares keys and blocks
    out over two processes: same pairs, scores and reasons as in one; a
    rescan refreshes a changed pair and drops one no longer found, and
    keeps a decided one."""
    from kontor.contacts.services import contact_update

    people, again = _same_name_at_many_addresses(user)
    petra = make_contact(user, "Petra", "Schulz", emails=["petra@schulz.example"])
    petra_again = make_contact(user, "Petra", "Schultz", emails=["Petra@Schulz.example"])
    make_contact(user, "Jana", "Kowalski", phones=["+49 30 1234567"])
    make_contact(user, "Jana", "Kowalsky", phones=["+49 30 1234567"])

    def found():
        return {pair: (p.score, p.reasons, p.status) for pair, p in _pairs().items()}

    one = scan_all("contact", processes=1)
    in_one = found()
    assert frozenset((str(people[4].pk), str(again.pk))) in in_one
    DuplicatePair.objects.all().delete()
    two = scan_all("contact", processes=2)
    assert (two.records, two.pairs) == (one.records, one.pairs)
    assert found() == in_one
    if one.other_processes_peak_mb is None and connection.vendor == "postgresql":
        assert two.other_processes_peak_mb > 0
    assert BlockingKey.objects.count() == len(
        {(k.record_id, k.key) for k in BlockingKey.objects.all()}
    )

    kowalski = DuplicatePair.objects.get(
        a__in=[p.pk for p in Contact.objects.filter(last_name__startswith="Kowalsk")]
    )
    pair_decide_not_duplicate(actor=user, pair=kowalski)
    petras = frozenset((str(petra.pk), str(petra_again.pk)))
    contact_update(actor=user, contact=petra_again, data={"first_name": "Petrus"})
    contact_update(actor=user, contact=again, data={"first_name": "Otto", "last_name": "Bauer"})
    scan_all("contact", processes=2)
    after = found()
    assert after[petras][0] < in_one[petras][0]
    names = {r["a"] for r in after[petras][1]} | {r["b"] for r in after[petras][1]}
    assert "Petrus Schultz" in names
    assert frozenset((str(people[4].pk), str(again.pk))) not in after
    kowalski.refresh_from_db()
    assert kowalski.status == PairStatus.NOT_DUPLICATE
