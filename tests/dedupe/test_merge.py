"""Merging contacts and organizations: every relation of the merged records
moves to the survivor, and an undo puts each back."""

import datetime
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kontor.access.models import Share
from kontor.access.services import share_create
from kontor.activities.models import Activity, Participant
from kontor.contacts.models import Contact, EmailAddress, Organization
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.records import merge_links
from kontor.dedupe.models import Merge
from kontor.dedupe.services import Conflict, NotFound, merge_records, merge_undo
from kontor.events.models import OutboxEvent
from kontor.files.models import Attachment
from kontor.files.services import attachment_create
from kontor.sales import services as sales
from kontor.sales.models import Deal, Invoice, Order
from kontor.sources.models import ExternalRecord
from tests.dedupe.conftest import make_contact, make_organization
from tests.factories import ActivityFactory, UserFactory


def relation_counts(model, pk) -> Counter:
    """Rows of every relation the registry names that point at the record,
    counted straight from the tables."""
    counts: Counter = Counter()
    for link in merge_links():
        rows = link.model_class()
        for path in link.paths:
            if rows._meta.get_field(path).related_model is model:
                counts[f"{link.key}.{path}"] += rows.objects.filter(**{path: pk}).count()
        if link.generic:
            type_field, id_field = link.generic
            key = "contact" if model is Contact else "organization"
            value = rows._meta.get_field(id_field).to_python(str(pk))
            counts[link.key] += rows.objects.filter(**{type_field: key, id_field: value}).count()
    return counts


@pytest.fixture
def colleague(db):
    return UserFactory(username="colleague", roles=["sales"])


@pytest.fixture
def twins(user, colleague):
    """One customer twice, each with relations of every kind."""
    keep = make_contact(
        user, "Hans", "Meier", emails=["hans@meier.example"], phones=["+49 30 1111111"]
    )
    merge = make_contact(
        user,
        "Hans",
        "Meyer",
        emails=["HANS@meier.example", "h.meyer@private.example"],
        phones=["+49 171 2222222"],
        notes="Prefers calls in the morning.",
        tags=["vip"],
        lifecycle_stage="customer",
    )
    for record, count in ((keep, 2), (merge, 3)):
        for _ in range(count):
            ActivityFactory(author=user, contact=record)
    meeting = ActivityFactory(
        author=user,
        contact=keep,
        kind="meeting",
        subject="Kick-off",
        starts_at="2026-03-02T10:00:00+01:00",
    )
    Participant.objects.create(activity=meeting, contact=merge)
    attachment_create(actor=user, upload=SimpleUploadedFile("a.txt", b"abc"), contact=merge)
    deal = sales.deal_create(actor=user, data={"title": "Rollout", "contact_id": merge.pk})
    sales.order_create(actor=user, data={"contact_id": merge.pk})
    sales.invoice_create(
        actor=user, data={"number": "RE-1", "contact_id": merge.pk, "gross_amount": "119.00"}
    )
    share_create(actor=user, record=merge, user=colleague)
    ExternalRecord.objects.create(
        source="erp", record_type="contact", external_id="K-1", record_id=str(merge.pk), digest=""
    )
    return keep, merge, deal


def test_every_relation_moves_to_the_survivor_and_undo_puts_it_back(user, twins):
    keep, merge, deal = twins
    before_keep = relation_counts(Contact, keep.pk)
    before_merge = relation_counts(Contact, merge.pk)
    assert before_merge["activity.contact"] == 3
    assert before_merge["file.contact"] == 1
    assert before_merge["deal.contact"] == 1
    assert before_merge["order.contact"] == 1
    assert before_merge["invoice.contact"] == 1
    assert before_merge["share"] == 1
    assert before_merge["external_id"] == 1
    assert before_merge["participant.contact"] == 1

    record = merge_records(actor=user, kind="contact", keep=keep.pk, merge=[merge.pk])

    after_keep = relation_counts(Contact, keep.pk)
    after_merge = relation_counts(Contact, merge.pk)
    assert sum(after_merge.values()) == 0
    expected = before_keep + before_merge
    # The address both had is kept once.
    expected["email_address.contact"] -= 1
    assert after_keep == expected
    assert sorted(
        EmailAddress.objects.filter(contact=keep).values_list("normalized", flat=True)
    ) == [
        "h.meyer@private.example",
        "hans@meier.example",
    ]
    assert Activity.objects.filter(contact=keep).count() == 5 + 1
    assert Attachment.objects.filter(contact=keep).count() == 1
    assert Deal.objects.get(pk=deal.pk).contact_id == keep.pk
    assert Order.objects.filter(contact=keep).count() == 1
    assert Invoice.objects.filter(contact=keep).count() == 1
    assert Share.objects.filter(object_id=keep.pk).count() == 1
    # Values the survivor lacked came along; its own stayed.
    keep.refresh_from_db()
    assert keep.notes == "Prefers calls in the morning."
    assert keep.last_name == "Meier"
    assert [tag.name for tag in keep.tags.all()] == ["vip"]
    merge.refresh_from_db()
    assert merge.archived_at is not None

    merge_undo(actor=user, merge=record)

    assert relation_counts(Contact, keep.pk) == before_keep
    assert relation_counts(Contact, merge.pk) == before_merge
    keep.refresh_from_db()
    merge.refresh_from_db()
    assert keep.notes == ""
    assert not keep.tags.exists()
    assert merge.archived_at is None


def test_moved_rows_are_changes_the_warehouse_and_webhooks_see(user, twins):
    """A moved activity or deal is changed like any other: its updated_at
    moves (the warehouse export and sync read changes by it) and it emits
    its updated event; the undo does both again."""
    keep, merge, deal = twins
    moved = set(Activity.objects.filter(contact=merge).values_list("pk", flat=True))
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Activity.objects.filter(pk__in=moved).update(updated_at=long_ago)
    Deal.objects.filter(pk=deal.pk).update(updated_at=long_ago)
    started = timezone.now()

    record = merge_records(actor=user, kind="contact", keep=keep.pk, merge=[merge.pk])

    assert all(a.updated_at >= started for a in Activity.objects.filter(pk__in=moved))
    assert Deal.objects.get(pk=deal.pk).updated_at >= started
    updated = Counter(
        OutboxEvent.objects.filter(name__in=["activity.updated", "deal.updated"]).values_list(
            "name", "record_id"
        )
    )
    assert {pk for name, pk in updated if name == "activity.updated"} >= {str(pk) for pk in moved}
    assert ("deal.updated", str(deal.pk)) in updated

    Activity.objects.filter(pk__in=moved).update(updated_at=long_ago)
    undone = timezone.now()
    merge_undo(actor=user, merge=record)

    assert all(a.updated_at >= undone for a in Activity.objects.filter(pk__in=moved))
    again = Counter(
        OutboxEvent.objects.filter(name="activity.updated").values_list("record_id", flat=True)
    )
    assert all(again[str(pk)] == updated[("activity.updated", str(pk))] + 1 for pk in moved)


def test_chosen_fields_take_the_named_records_value(user, twins):
    keep, merge, _ = twins
    merge_records(
        actor=user,
        kind="contact",
        keep=keep.pk,
        merge=[merge.pk],
        fields={"last_name": str(merge.pk), "lifecycle_stage": str(keep.pk)},
    )
    keep.refresh_from_db()
    assert keep.last_name == "Meyer"
    assert keep.lifecycle_stage == "lead"


def test_merging_organizations_moves_their_contacts(user):
    keep = make_organization(user, "Müller GmbH")
    merge = make_organization(user, "Mueller AG", emails=[{"address": "info@mueller.example"}])
    people = [make_contact(user, "Eva", f"Person{i}", organization_id=merge.pk) for i in range(3)]
    before = relation_counts(Organization, keep.pk) + relation_counts(Organization, merge.pk)
    record = merge_records(actor=user, kind="organization", keep=keep.pk, merge=[merge.pk])
    assert relation_counts(Organization, keep.pk) == before
    assert {c.organization_id for c in Contact.objects.filter(pk__in=[p.pk for p in people])} == {
        keep.pk
    }
    merge_undo(actor=user, merge=record)
    assert Contact.objects.filter(organization=merge).count() == 3


def test_a_rep_cannot_merge_a_record_they_may_not_edit(user, colleague):
    theirs = make_contact(colleague, "Hans", "Meier", owner=colleague)
    not_theirs = make_contact(user, "Hans", "Meyer")
    with pytest.raises(NotFound):
        merge_records(actor=colleague, kind="contact", keep=theirs.pk, merge=[not_theirs.pk])
    # Shared for reading only: seen, but not theirs to change.
    share_create(actor=user, record=not_theirs, user=colleague)
    with pytest.raises(PermissionDenied):
        merge_records(actor=colleague, kind="contact", keep=theirs.pk, merge=[not_theirs.pk])
    assert not Merge.objects.exists()
    share_create(actor=user, record=not_theirs, user=colleague, can_edit=True)
    merge_records(actor=colleague, kind="contact", keep=theirs.pk, merge=[not_theirs.pk])


def test_bad_merges_are_refused(user, twins):
    keep, merge, _ = twins
    with pytest.raises(FieldErrors):
        merge_records(actor=user, kind="contact", keep=keep.pk, merge=[keep.pk])
    with pytest.raises(FieldErrors):
        merge_records(actor=user, kind="contact", keep=keep.pk, merge=[])
    with pytest.raises(FieldErrors) as refused:
        merge_records(
            actor=user,
            kind="contact",
            keep=keep.pk,
            merge=[merge.pk],
            fields={"password": str(keep.pk), "notes": "not an id"},
        )
    assert set(refused.value.errors) == {"fields.password", "fields.notes"}
    merge_records(actor=user, kind="contact", keep=keep.pk, merge=[merge.pk])
    # A merged record is merged once.
    with pytest.raises(NotFound):
        merge_records(actor=user, kind="contact", keep=keep.pk, merge=[merge.pk])


def test_an_undo_happens_once_and_within_30_days(user, twins):
    keep, merge, _ = twins
    record = merge_records(actor=user, kind="contact", keep=keep.pk, merge=[merge.pk])
    Merge.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=31)
    )
    record.refresh_from_db()
    with pytest.raises(Conflict):
        merge_undo(actor=user, merge=record)
    Merge.objects.filter(pk=record.pk).update(created_at=timezone.now())
    record.refresh_from_db()
    merge_undo(actor=user, merge=record)
    with pytest.raises(Conflict):
        merge_undo(actor=user, merge=record)
