"""Who sees and changes which records: levels, teams, several roles, shares;
and the Access value they are read into, once per request."""

from dataclasses import FrozenInstanceError, fields, replace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from kontor.access.grants import Access, access_for, combine, forget_access
from kontor.access.models import FieldCategory, Role, Team
from kontor.access.policy import (
    can,
    can_create,
    check_field_edits,
    field_categories,
    fields_for,
    may_read_owned,
    may_use_level,
    readable,
    require,
    require_create,
    restrict,
    visible_records,
)
from kontor.access.rights import ACTIONS, CategoryAccess, Level
from kontor.access.services import share_create
from kontor.activities.models import Activity
from kontor.activities.selectors import visible_activities
from kontor.contacts.models import Contact
from kontor.contacts.selectors import contact_list, lookup, visible_contacts
from kontor.contacts.services import contact_delete, contact_update
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.records import CATEGORIES
from kontor.customfields.models import CustomFieldDefinition
from kontor.files.models import Attachment
from kontor.files.selectors import visible_attachments
from kontor.files.services import attachment_create
from tests.access.world import build_world
from tests.factories import ActivityFactory, ContactFactory, OrganizationFactory, UserFactory

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


def test_readable_keeps_in_order_what_the_user_may_read_without_asking_the_database(
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
    access_for(world.me)

    with django_assert_num_queries(0):  # the shares come with the access
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


# The Access value ------------------------------------------------------------

EVERY_ACTION_ALL = dict.fromkeys(ACTIONS, Level.ALL)
EVERY_CATEGORY_EDIT = dict.fromkeys(CATEGORIES, CategoryAccess.EDIT)


def test_a_level_comes_from_the_type_then_from_the_star_then_is_none():
    access = Access(
        user_id=1,
        levels={"contact": {"read": Level.OWN}, "*": {"read": Level.ALL, "edit": Level.TEAM}},
    )

    assert access.level("contact", "read") == Level.OWN
    assert access.level("contact", "edit") == Level.NONE  # the type is named: no fallback
    assert access.level("deal", "read") == Level.ALL
    assert access.level("deal", "edit") == Level.TEAM
    assert access.level("deal", "delete") == Level.NONE
    assert Access(user_id=1).level("deal", "read") == Level.NONE


def test_a_category_is_read_from_read_on_and_edited_only_with_edit():
    access = Access(
        user_id=1,
        categories={"personal": CategoryAccess.READ, "financial": CategoryAccess.EDIT},
    )

    assert access.category_access("special") == CategoryAccess.NONE
    assert (access.may_read_category("special"), access.may_edit_category("special")) == (
        False,
        False,
    )
    assert (access.may_read_category("personal"), access.may_edit_category("personal")) == (
        True,
        False,
    )
    assert (access.may_read_category("financial"), access.may_edit_category("financial")) == (
        True,
        True,
    )


@pytest.mark.parametrize("missing", CATEGORIES)
def test_every_category_means_every_single_one(missing):
    reads = {c: CategoryAccess.READ for c in CATEGORIES}
    edits = dict(EVERY_CATEGORY_EDIT)

    assert Access(user_id=1, categories=reads).reads_every_category
    assert not Access(user_id=1, categories=reads).edits_every_category
    assert Access(user_id=1, categories=edits).edits_every_category
    assert not Access(
        user_id=1, categories={**reads, missing: CategoryAccess.NONE}
    ).reads_every_category
    assert not Access(
        user_id=1, categories={**edits, missing: CategoryAccess.READ}
    ).edits_every_category


def test_roles_combine_to_their_most_permissive_levels_and_categories():
    access = combine(
        7,
        [
            {
                "levels": {"*": {"read": "own", "edit": "team"}, "contact": {"read": "all"}},
                "categories": {"personal": "read", "financial": "edit"},
            },
            {
                "levels": {"*": {"read": "team", "edit": "own", "delete": "own"}},
                "categories": {"personal": "edit", "financial": "none", "special": "read"},
            },
        ],
    )

    assert access == Access(
        user_id=7,
        levels={
            # The first role names contact with only a read level (no edit
            # there), the second does not name it: its "*" levels count.
            "contact": {"read": Level.ALL, "edit": Level.OWN, "delete": Level.OWN},
            "*": {"read": Level.TEAM, "edit": Level.TEAM, "delete": Level.OWN},
        },
        categories={
            "personal": CategoryAccess.EDIT,
            "financial": CategoryAccess.EDIT,
            "special": CategoryAccess.READ,
        },
    )


def test_no_roles_combine_to_nothing():
    assert combine(3, []) == Access(user_id=3)
    assert combine(3, [{}]) == Access(user_id=3, levels={"*": {}})
    assert combine(3, [{"levels": None, "categories": None, "audit_scope": None}]) == combine(
        3, [{}]
    )


def test_unknown_levels_and_category_rights_grant_nothing():
    access = combine(
        1,
        [
            {
                "levels": {"*": {"read": "everything", "edit": None, "delete": 3}},
                "categories": {"personal": "write", "financial": None},
            }
        ],
    )

    assert access.levels == {"*": {}}
    assert access.categories == {}


def test_levels_and_category_rights_may_be_given_as_values():
    access = combine(
        1,
        [{"levels": {"*": {"read": Level.TEAM}}, "categories": {"special": CategoryAccess.READ}}],
    )

    assert access.level("contact", "read") == Level.TEAM
    assert access.category_access("special") == CategoryAccess.READ


@pytest.mark.parametrize(
    ("scopes", "combined"),
    [
        ([], "none"),
        (["records"], "records"),
        (["records", "none"], "records"),
        (["all", "records"], "all"),
        (["records", "all", "none"], "all"),
        (["everything"], "none"),
        (["records", "everything"], "records"),
    ],
)
def test_the_widest_audit_scope_counts(scopes, combined):
    assert combine(1, [{"audit_scope": s} for s in scopes]).audit_scope == combined


@pytest.mark.parametrize("flag", ["manage_access", "audit_by_employee", "data_subject_requests"])
def test_one_role_with_a_right_is_enough(flag):
    assert getattr(combine(1, [{flag: True}, {flag: False}]), flag) is True
    assert getattr(combine(1, [{flag: False}, {flag: True}]), flag) is True
    assert getattr(combine(1, [{flag: False}, {}]), flag) is False
    others = {"manage_access", "audit_by_employee", "data_subject_requests"} - {flag}
    assert not any(getattr(combine(1, [{flag: True}]), other) for other in others)


def test_nobody_anonymous_and_deactivated_users_have_no_rights():
    gone = UserFactory(roles=["administrator"], is_active=False)

    for user in (None, AnonymousUser(), gone):
        assert access_for(user) == Access(user_id=None)


def test_a_superuser_may_do_everything_whatever_their_roles(django_assert_num_queries):
    boss = UserFactory(roles=[], is_superuser=True)

    with django_assert_num_queries(2):  # no roles: the teams and the field categories
        access = access_for(boss)
    assert access == Access(
        user_id=boss.pk,
        levels={"*": EVERY_ACTION_ALL},
        categories=EVERY_CATEGORY_EDIT,
        manage_access=True,
        audit_scope="all",
        data_subject_requests=True,
        is_superuser=True,
        team_member_ids=frozenset({boss.pk}),
    )


def test_a_users_rights_are_their_roles_combined_and_read_once(django_assert_num_queries):
    officer = UserFactory(roles=["data-protection-officer", "read-only"])

    with django_assert_num_queries(4):  # the roles, the teams, the shares, the field categories
        access = access_for(officer)
    with django_assert_num_queries(0):
        assert access_for(officer) is access
    roles = Role.objects.filter(slug__in=["data-protection-officer", "read-only"])
    assert _grants_of(access) == combine(
        officer.pk,
        list(
            roles.values(
                "levels",
                "categories",
                "manage_access",
                "audit_scope",
                "audit_by_employee",
                "data_subject_requests",
            )
        ),
    )
    assert access.audit_by_employee and access.data_subject_requests
    assert not access.is_superuser


def test_forgotten_rights_are_read_again():
    rep = UserFactory(roles=["read-only"])
    before = access_for(rep)
    rep.kontor_roles.set([])

    assert access_for(rep) is before
    forget_access(rep)
    assert _grants_of(access_for(rep)) == Access(user_id=rep.pk)
    forget_access(rep)  # nothing to forget
    forget_access(None)


def test_teams_and_their_members_are_read_with_the_access(django_assert_num_queries):
    me = UserFactory(roles=[], teams=["A", "B"])
    mate_a = UserFactory(roles=[], teams=["A"])
    mate_b = UserFactory(roles=[], teams=["B", "C"])
    UserFactory(roles=[], teams=["C"])
    alone = UserFactory(roles=[])
    expected = sorted(Team.objects.filter(name__in=["A", "B"]).values_list("pk", flat=True))

    access = access_for(me)

    with django_assert_num_queries(0):
        assert sorted(access.team_ids) == expected
        assert access.team_member_ids == {me.pk, mate_a.pk, mate_b.pk}
    assert access_for(alone).team_ids == ()
    assert access_for(alone).team_member_ids == {alone.pk}


def test_without_a_user_there_are_no_teams():
    Team.objects.create(name="Nobody yet")
    access = Access(user_id=None)

    assert access.team_ids == ()
    assert access.team_member_ids == frozenset()


def test_field_categories_are_read_with_the_access(django_assert_num_queries):
    FieldCategory.objects.create(object_type="contact", field="notes", category="personal")
    rep = UserFactory(roles=["sales"])

    access = access_for(rep)

    with django_assert_num_queries(0):
        assert access.field_categories == {"contact": {"notes": "personal"}}


@pytest.mark.parametrize(
    "change",
    [
        lambda access: setattr(access, "manage_access", True),
        lambda access: setattr(access, "team_ids", (1,)),
        lambda access: setattr(access, "field_categories", {}),
        lambda access: delattr(access, "levels"),
    ],
)
def test_an_access_cannot_be_changed(change):
    access = access_for(UserFactory(roles=["sales"]))

    with pytest.raises(FrozenInstanceError):
        change(access)


def test_what_a_request_derives_from_the_access_is_kept_beside_it():
    rep = UserFactory(roles=["sales"])
    contact_fields = fields_for(rep, "contact")

    assert fields_for(rep, "contact") is contact_fields
    assert set(vars(access_for(rep))) == {f.name for f in fields(Access)}
    forget_access(rep)
    assert fields_for(rep, "contact") is not contact_fields


@pytest.mark.parametrize("right", [Level, CategoryAccess])
def test_rights_are_read_from_their_names_in_any_case(right):
    for member in right:
        assert right.parse(member) is member
        assert right.parse(member.slug) is member
        assert right.parse(member.name) is member
        assert right.parse(member.slug.title()) is member
    with pytest.raises(KeyError):
        right.parse("some")


def test_a_larger_level_includes_the_smaller_ones():
    assert [level.slug for level in sorted(Level)] == ["none", "own", "team", "all"]
    assert [right.slug for right in sorted(CategoryAccess)] == ["none", "read", "edit"]
    assert ACTIONS == ("read", "create", "edit", "delete", "export")


# Decisions about one record ----------------------------------------------------


def test_a_file_is_shared_through_every_record_it_hangs_on():
    """A file on a meeting of a contact at an organization: a share of any of
    them lets the user read it, a share for editing lets them edit it."""
    admin = UserFactory(roles=["administrator"])
    stranger = UserFactory(roles=["sales"], teams=["B"])
    organization = OrganizationFactory(owner=stranger)
    contact = ContactFactory(owner=stranger, organization_id=organization.pk)
    meeting = ActivityFactory(author=stranger, contact=contact, organization=organization)
    upload = SimpleUploadedFile("minutes.txt", b"minutes")
    file = attachment_create(actor=admin, upload=upload, activity=meeting)
    file = Attachment.objects.select_related("activity").get(pk=file.pk)
    records = {"activity": meeting, "contact": contact, "organization": organization}

    for key, record in records.items():
        rep = UserFactory(roles=["sales"], teams=["A"], username=f"rep-{key}")
        assert not can(rep, "read", file)
        share_create(actor=admin, record=record, user=rep)
        assert can(rep, "read", file), key
        assert not can(rep, "edit", file), key
        share_create(actor=admin, record=record, user=rep, can_edit=True)
        assert can(rep, "edit", file), key
        assert not can(rep, "delete", file), key
    rep = UserFactory(roles=["sales"], teams=["A"], username="rep-file")
    share_create(actor=admin, record=file, user=rep)
    assert can(rep, "read", file)


def test_a_share_for_one_record_reaches_no_other_of_its_type():
    admin = UserFactory(roles=["administrator"])
    stranger = UserFactory(roles=["sales"], teams=["B"])
    shared, other = ContactFactory(owner=stranger), ContactFactory(owner=stranger)
    rep = UserFactory(roles=["sales"], teams=["A"])
    share_create(actor=admin, record=shared, user=rep, can_edit=True)

    assert can(rep, "edit", shared) and not can(rep, "read", other)
    assert set(visible_contacts(rep).values_list("pk", flat=True)) == {shared.pk}


def test_who_may_read_a_record_by_its_owners_alone():
    rep = UserFactory(roles=["sales"], teams=["A"])
    mate = UserFactory(roles=["sales"], teams=["A"])
    stranger = UserFactory(roles=["sales"], teams=["B"])
    reader = UserFactory(roles=["read-only"])

    assert may_read_owned(rep, "contact", [rep.pk])
    assert may_read_owned(rep, "contact", [None, mate.pk])
    assert not may_read_owned(rep, "contact", [stranger.pk, None])
    assert not may_read_owned(rep, "contact", [])
    assert may_read_owned(reader, "contact", [stranger.pk])
    assert may_read_owned(reader, "contact", [])
    assert not may_read_owned(AnonymousUser(), "contact", [rep.pk])
    assert not may_read_owned(UserFactory(roles=[]), "contact", [rep.pk])
    own_contacts = Role.objects.create(
        slug="own-contacts",
        name="own contacts",
        levels={"*": {"read": "all"}, "contact": {"read": "own"}},
    )
    narrow = UserFactory(roles=[])
    narrow.kontor_roles.set([own_contacts])
    assert not may_read_owned(narrow, "contact", [stranger.pk])
    assert may_read_owned(narrow, "organization", [stranger.pk])
    assert not may_use_level(narrow, "contact", "delete")
    assert may_use_level(narrow, "contact", "read")


def test_a_right_on_a_type_is_any_level_above_none():
    rep = UserFactory(roles=["sales"])
    reader = UserFactory(roles=["read-only"])

    assert may_use_level(rep, "contact", "delete")
    assert may_use_level(reader, "contact", "read")
    assert not may_use_level(reader, "contact", "delete")
    assert not may_use_level(AnonymousUser(), "contact", "read")


def test_a_refusal_names_the_action_and_the_type():
    rep = UserFactory(roles=["sales"], teams=["A"])
    foreign = ContactFactory(owner=UserFactory(roles=["sales"], teams=["B"]))
    reader = UserFactory(roles=["read-only"])

    with pytest.raises(PermissionDenied) as refused:
        require(rep, "edit", foreign)
    assert str(refused.value) == "You may not edit this contact."
    with pytest.raises(PermissionDenied) as refused:
        require_create(reader, "organization", owner_ids=[reader.pk])
    assert str(refused.value) == "You may not create this organization."
    require(reader, "read", foreign)
    require_create(rep, "contact", owner_ids=[rep.pk])
    no_organizations = Role.objects.create(
        slug="no-organizations",
        name="no organizations",
        levels={"*": {"create": "all"}, "organization": {"create": "none"}},
    )
    rep.kontor_roles.set([no_organizations])
    forget_access(rep)
    require_create(rep, "contact", owner_ids=[rep.pk])
    with pytest.raises(PermissionDenied):
        require_create(rep, "organization", owner_ids=[rep.pk])
    assert may_use_level(rep, "contact", "create")
    assert not may_use_level(rep, "organization", "create")


def test_a_user_creates_on_a_record_shared_for_editing_only_with_a_right_to_create():
    admin = UserFactory(roles=["administrator"])
    stranger = UserFactory(roles=["sales"], teams=["B"])
    contact = ContactFactory(owner=stranger)
    rep = UserFactory(roles=["sales"], teams=["A"])
    reader = UserFactory(roles=["read-only"])
    share_create(actor=admin, record=contact, user=rep)
    share_create(actor=admin, record=contact, user=reader, can_edit=True)

    assert not can_create(rep, "activity", owner_ids=[stranger.pk], parents=[contact])
    with pytest.raises(PermissionDenied):
        require_create(rep, "activity", owner_ids=[stranger.pk], parents=[contact])
    share_create(actor=admin, record=contact, user=rep, can_edit=True)
    assert can_create(rep, "activity", owner_ids=[stranger.pk], parents=[contact])
    require_create(rep, "activity", owner_ids=[stranger.pk], parents=[contact])
    assert not can_create(rep, "activity", owner_ids=[stranger.pk])
    assert can_create(rep, "activity", owner_ids=[None, rep.pk])
    assert not can_create(reader, "activity", owner_ids=[stranger.pk], parents=[contact])
    assert not can_create(AnonymousUser(), "activity", owner_ids=[None])


# Fields ------------------------------------------------------------------------


@pytest.fixture
def limited_reader():
    """Reads and edits standard fields, reads personal ones, nothing else."""
    role = Role.objects.create(
        slug="limited",
        name="limited",
        levels={"*": {"read": "all", "create": "all", "edit": "all"}},
        categories={"standard": "edit", "personal": "read"},
    )
    user = UserFactory(username="limited", roles=[])
    user.kontor_roles.set([role])
    for key, category in (("size", "standard"), ("colour", "personal"), ("limit", "financial")):
        CustomFieldDefinition.objects.create(
            object_type="contact", key=key, label=key.title(), field_type="text", category=category
        )
    return user


def test_a_user_edits_only_the_fields_of_categories_they_may_edit(
    limited_reader, django_assert_num_queries
):
    fields = fields_for(limited_reader, "contact")

    assert fields is fields_for(limited_reader, "contact")
    assert (fields.may_read("custom.size"), fields.may_edit("custom.size")) == (True, True)
    assert (fields.may_read("custom.colour"), fields.may_edit("custom.colour")) == (True, False)
    assert (fields.may_read("custom.limit"), fields.may_edit("custom.limit")) == (False, False)
    assert fields.may_edit("custom.undefined")
    assert not fields.may_edit("custom.undefined", sensitive_default=True)
    assert not fields.may_read("custom.undefined", sensitive_default=True)
    assert not fields.reads_everything
    admin = UserFactory(username="admin", roles=["administrator"])
    access_for(admin)
    with django_assert_num_queries(0):  # all in the access
        everything = fields_for(admin, "contact")
        assert everything.may_read("custom.limit") and everything.may_edit("custom.limit")
    nobody = fields_for(AnonymousUser(), "contact")
    assert not nobody.may_read("custom.size") and not nobody.may_edit("custom.size")


def test_a_write_names_the_fields_it_may_not_change(limited_reader):
    with pytest.raises(PermissionDenied) as refused:
        check_field_edits(
            limited_reader, "contact", {"first_name": "A", "custom": {"size": "L", "colour": "red"}}
        )
    assert str(refused.value) == "You may not change these fields: colour."
    check_field_edits(limited_reader, "contact", {"custom": {"size": "L"}})


def test_an_unknown_custom_field_gets_the_answer_of_one_the_user_may_not_read(limited_reader):
    for unknown in ("limit", "nothing"):
        with pytest.raises(FieldErrors) as refused:
            check_field_edits(limited_reader, "contact", {"custom": {"size": "L", unknown: "x"}})
        assert refused.value.errors == {
            f"custom.{unknown}": ["is not a custom field here (known fields: colour, size)"]
        }
    CustomFieldDefinition.objects.all().delete()
    nobody_defined = UserFactory(username="other", roles=["sales"])
    with pytest.raises(FieldErrors) as refused:
        check_field_edits(nobody_defined, "contact", {"custom": {"x": 1}})
    assert refused.value.errors == {
        "custom.x": ["is not a custom field here (known fields: none are defined)"]
    }


def test_records_of_a_type_are_read_through_its_own_selector():
    rep = UserFactory(roles=["sales"], teams=["A"])
    mine = ContactFactory(owner=rep)
    ContactFactory(owner=UserFactory(roles=["sales"], teams=["B"]))

    assert list(visible_records(rep, "contact")) == [mine]


def test_records_one_may_edit_or_delete_by_level_and_by_shares_for_editing():
    admin = UserFactory(roles=["administrator"])
    rep = UserFactory(roles=["sales"], teams=["A"])
    mate = UserFactory(roles=["sales"], teams=["A"])
    stranger = UserFactory(roles=["sales"], teams=["B"])
    own, teams = ContactFactory(owner=rep), ContactFactory(owner=mate)
    read_only, editable = ContactFactory(owner=stranger), ContactFactory(owner=stranger)
    share_create(actor=admin, record=read_only, user=rep)
    share_create(actor=admin, record=editable, user=rep, can_edit=True)
    # Activities are the rep's by their author or by their contact's owner.
    written = ActivityFactory(author=rep, contact=teams)
    on_own = ActivityFactory(author=admin, contact=own)
    on_editable = ActivityFactory(author=admin, contact=editable)
    on_read_only = ActivityFactory(author=admin, contact=read_only)

    def ids(model, action):
        return set(restrict(model.objects.all(), rep, action=action).values_list("pk", flat=True))

    assert ids(Contact, "edit") == {own.pk, teams.pk, editable.pk}
    assert ids(Contact, "delete") == {own.pk}
    assert ids(Activity, "delete") == {written.pk, on_own.pk}
    assert ids(Activity, "edit") >= {written.pk, on_own.pk, on_editable.pk}
    assert on_read_only.pk not in ids(Activity, "edit")
    assert not can(AnonymousUser(), "read", own)
    assert not restrict(Contact.objects.all(), AnonymousUser()).exists()


def test_a_write_names_every_field_it_may_not_change_by_its_label(limited_reader):
    with pytest.raises(PermissionDenied) as refused:
        check_field_edits(
            limited_reader,
            "contact",
            {"notes": "x", "emails": ["a@example.com"], "custom": {"colour": "red", "size": "S"}},
        )
    assert str(refused.value) == "You may not change these fields: email addresses, colour."


def test_built_in_fields_take_a_stored_category_only_among_their_own(django_assert_num_queries):
    FieldCategory.objects.create(object_type="contact", field="notes", category="personal")
    FieldCategory.objects.create(object_type="contact", field="name", category="personal")
    FieldCategory.objects.create(object_type="contact", field="gone", category="special")
    rep = UserFactory(roles=["sales"])

    categories = field_categories(rep, "contact")
    assert (categories["notes"], categories["name"]) == ("personal", "standard")
    assert "gone" not in categories
    with django_assert_num_queries(0):  # read once for every type
        assert field_categories(rep, "organization") == fields_for(rep, "organization").categories
    assert fields_for(rep, "contact").category("custom.undefined") == "standard"
    assert fields_for(rep, "contact").category("custom.undefined", sensitive_default=True) == (
        "special"
    )


def test_a_type_with_a_stricter_level_than_its_parents_is_filtered_by_it():
    """A role that reads every contact but only its own activities: a
    colleague's note on a contact it reads stays hidden."""
    own_notes = Role.objects.create(
        slug="own-notes",
        name="own notes",
        levels={
            "*": {"read": "all", "create": "all"},
            "activity": {"read": "own", "create": "all"},
        },
    )
    rep = UserFactory(roles=[], teams=["A"])
    rep.kontor_roles.set([own_notes])
    forget_access(rep)
    colleague = UserFactory(roles=["sales"], teams=["A"])
    contact = ContactFactory(owner=colleague)
    theirs = ActivityFactory(author=colleague, contact=contact)
    mine = ActivityFactory(author=rep, contact=contact)

    assert set(visible_activities(rep)) == {mine}
    assert theirs in visible_activities(colleague)
    assert set(restrict(Contact.objects.all(), rep)) == {contact}
    assert set(restrict(Activity.objects.all(), rep, "activity")) == {mine}


def test_a_narrower_category_right_of_a_later_role_takes_nothing_away():
    access = combine(
        1, [{"categories": {"personal": "edit"}}, {"categories": {"personal": "read"}}]
    )

    assert access.categories == {"personal": CategoryAccess.EDIT}


def _grants_of(access: Access) -> Access:
    """The access as its roles alone give it: without the teams, the shares
    and the field categories read with it."""
    return replace(
        access, team_ids=(), team_member_ids=frozenset(), shares=None, field_categories={}
    )
