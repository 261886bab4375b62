"""Who sees and changes which records: levels, teams, several roles, shares."""

import pytest

from kontor.access.grants import access_for, combine
from kontor.access.models import Role
from kontor.access.policy import can, can_create, readable
from kontor.access.rights import Level
from kontor.access.services import share_create
from kontor.activities.selectors import visible_activities
from kontor.contacts.selectors import contact_list, lookup, visible_contacts
from kontor.contacts.services import contact_delete, contact_update
from kontor.core.exceptions import PermissionDenied
from kontor.files.selectors import visible_attachments
from tests.access.world import build_world
from tests.factories import ActivityFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

DEFAULT_ROLE_NAMES = {
    "administrator",
    "sales",
    "service",
    "team lead",
    "data protection officer",
    "read-only",
}


def _ids(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


def test_the_default_roles_exist_with_their_names():
    assert set(Role.objects.values_list("name", flat=True)) >= DEFAULT_ROLE_NAMES


def test_a_sales_rep_sees_the_records_of_their_team_and_no_others():
    world = build_world("sales")
    own, team, foreign = (world.records[s] for s in ("own", "team", "foreign"))

    assert _ids(visible_contacts(world.me)) == {own.contact.pk, team.contact.pk}
    assert foreign.meeting.pk not in _ids(visible_activities(world.me))
    assert foreign.contact_file.pk not in _ids(visible_attachments(world.me))
    assert own.meeting_file.pk in _ids(visible_attachments(world.me))


def test_a_sales_rep_does_not_find_a_foreign_contact_by_name_phone_or_email():
    world = build_world("sales")
    foreign = world.records["foreign"]

    assert not contact_list(user=world.me, q=foreign.marker).exists()
    assert not contact_list(user=world.me, q="3333333").exists()
    assert lookup(user=world.me, phone=foreign.phone) == []
    assert lookup(user=world.me, email=foreign.email) == []
    assert [m.record for m in lookup(user=world.teammate, phone=foreign.phone)] == []
    assert [m.record for m in lookup(user=world.stranger, phone=foreign.phone)] == [foreign.contact]


def test_a_sales_rep_edits_team_records_but_deletes_only_their_own():
    world = build_world("sales")
    team = world.records["team"].contact

    contact_update(actor=world.me, contact=team, data={"notes": "called"})
    with pytest.raises(PermissionDenied):
        contact_delete(actor=world.me, contact=team)
    contact_delete(actor=world.me, contact=world.records["own"].contact)


def test_read_only_users_read_everything_and_change_nothing():
    world = build_world("read-only")
    foreign = world.records["foreign"].contact

    assert foreign in visible_contacts(world.me)
    with pytest.raises(PermissionDenied):
        contact_update(actor=world.me, contact=foreign, data={"notes": "x"})


def test_nobody_gives_a_record_to_an_owner_beyond_their_level():
    world = build_world("sales")
    own = world.records["own"].contact

    with pytest.raises(PermissionDenied):
        contact_update(actor=world.me, contact=own, data={"owner_id": world.stranger.pk})
    contact_update(actor=world.me, contact=own, data={"owner_id": world.teammate.pk})


def test_several_roles_give_the_most_permissive_combination():
    user = UserFactory(roles=["sales", "read-only"], teams=["A"])
    access = access_for(user)

    assert access.level("contact", "read") == Level.ALL
    assert access.level("contact", "edit") == Level.TEAM
    assert access.level("contact", "delete") == Level.OWN
    assert access.may_read_category("financial")


def test_a_role_that_names_an_object_type_overrides_its_other_levels():
    access = combine(
        1,
        [{"levels": {"*": {"read": "team"}, "contact": {"read": "own"}}}],
    )
    assert access.level("contact", "read") == Level.OWN
    assert access.level("organization", "read") == Level.TEAM
    assert access.level("deal", "read") == Level.TEAM  # a type an app registers later


def test_a_role_that_names_an_object_type_with_no_levels_grants_nothing_there():
    """Naming a type with every action at none takes the role's "*" levels
    away for that type; they do not come back through the fallback."""
    access = combine(
        1,
        [
            {"levels": {"*": {"read": "all", "edit": "team"}, "ticket": {"read": "none"}}},
            {"levels": {"*": {"read": "own"}, "ticket": {}}},
        ],
    )
    for action in ("read", "create", "edit", "delete"):
        assert access.level("ticket", action) == Level.NONE
    assert access.level("contact", "read") == Level.ALL


def test_a_user_without_roles_sees_nothing():
    ContactFactory()
    nobody = UserFactory(roles=[])

    assert not visible_contacts(nobody).exists()
    assert not can_create(nobody, "contact", owner_ids=[nobody.pk])


def test_a_deactivated_user_sees_nothing():
    ContactFactory()
    gone = UserFactory(roles=["administrator"], is_active=False)

    assert not visible_contacts(gone).exists()


def test_superusers_act_as_administrators():
    contact = ContactFactory()
    superuser = UserFactory(roles=[], is_superuser=True)

    assert contact in visible_contacts(superuser)
    assert can(superuser, "delete", contact)
    assert access_for(superuser).manage_access


def test_a_record_shared_with_a_user_is_readable_and_editable_only_with_can_edit():
    world = build_world("sales")
    foreign = world.records["foreign"].contact
    share_create(actor=world.admin, record=foreign, user=world.me)

    assert foreign in visible_contacts(world.me)
    assert world.records["foreign"].meeting in visible_activities(world.me)
    assert not can(world.me, "edit", foreign)

    share_create(actor=world.admin, record=foreign, user=world.me, can_edit=True)
    assert can(world.me, "edit", foreign)
    assert not can(world.me, "delete", foreign)


def test_a_record_shared_with_a_team_reaches_every_member():
    world = build_world("sales")
    foreign = world.records["foreign"].contact
    from kontor.access.models import Team

    share_create(actor=world.admin, record=foreign, team=Team.objects.get(name="Team A"))

    assert foreign in visible_contacts(world.me)
    assert foreign in visible_contacts(world.teammate)


def test_readable_keeps_in_order_what_the_user_may_read_asking_only_for_shares(
    django_assert_num_queries,
):
    world = build_world("sales")
    own, team, foreign = (world.records[s] for s in ("own", "team", "foreign"))
    shared = ContactFactory(owner=foreign.owner)
    share_create(actor=world.admin, record=shared, user=world.me)
    records = [
        foreign.contact, own.contact, foreign.organization, shared, team.organization,
        team.contact,
    ]  # fmt: skip
    access_for(world.me).team_member_ids(), access_for(world.me).team_ids()

    with django_assert_num_queries(1):  # the shares of the two foreign records
        found = readable(world.me, records)
    with django_assert_num_queries(0):  # owned within the team: no share to ask about
        assert readable(world.me, [own.contact, team.organization]) == [
            own.contact,
            team.organization,
        ]

    assert found == [own.contact, shared, team.organization, team.contact]
    assert {r.pk for r in found if r in visible_contacts(world.me)} == {
        own.contact.pk,
        shared.pk,
        team.contact.pk,
    }
    assert readable(world.stranger, records) == [foreign.contact, foreign.organization, shared]


def test_nobody_without_a_user_reads_anything():
    from django.contrib.auth.models import AnonymousUser

    assert readable(AnonymousUser(), [ContactFactory()]) == []


def test_activities_follow_their_contact_and_their_author():
    rep = UserFactory(roles=["sales"], teams=["A"])
    stranger = UserFactory(roles=["sales"], teams=["B"])
    theirs = ContactFactory(owner=stranger)
    note = ActivityFactory(author=stranger, contact=theirs)

    assert note not in visible_activities(rep)
    assert not can(rep, "edit", note)
    share_create(actor=stranger, record=theirs, user=rep)
    assert note in visible_activities(rep)


def test_an_own_level_for_activities_lets_a_rep_change_only_what_they_wrote():
    strict = Role.objects.create(
        slug="strict",
        name="strict",
        levels={
            "*": {"read": "team", "create": "team", "edit": "team"},
            "activity": {"read": "team", "create": "team", "edit": "own"},
        },
        categories={"standard": "edit", "personal": "edit"},
    )
    rep = UserFactory(roles=[], teams=["A"])
    colleague = UserFactory(roles=["sales"], teams=["A"])
    rep.kontor_roles.set([strict])
    contact = ContactFactory(owner=colleague)
    mine = ActivityFactory(author=rep, contact=contact)
    theirs = ActivityFactory(author=colleague, contact=contact)

    assert can(rep, "edit", mine)
    assert not can(rep, "edit", theirs)
