import base64
import datetime
import json

import pytest
from django.utils import timezone

from kontor.contacts.models import Contact
from kontor.core.exceptions import FieldErrors
from kontor.core.pagination import paginate
from tests.factories import ContactFactory

NEWEST_FIRST = ("-created_at", "-id")


def _walk(queryset, order, limit: int) -> list:
    items, cursor = [], None
    for _ in range(100):
        page = paginate(queryset, order=order, limit=limit, cursor=cursor)
        items += page.items
        cursor = page.next
        if cursor is None:
            return items
    raise AssertionError("the pages never ended")


@pytest.fixture
def contacts(user):
    """Eight contacts, six of them in two groups sharing their creation time."""
    made = [ContactFactory(owner=user, first_name="Anna", last_name="") for _ in range(8)]
    now = timezone.now()
    Contact.objects.filter(pk__in=[c.pk for c in made[:3]]).update(created_at=now)
    Contact.objects.filter(pk__in=[c.pk for c in made[3:6]]).update(
        created_at=now - datetime.timedelta(minutes=1)
    )
    return made


def test_an_empty_list_is_one_empty_page(db):
    page = paginate(Contact.objects.all(), order=NEWEST_FIRST, limit=10, cursor=None)

    assert (page.items, page.next) == ([], None)


def test_candidates_that_can_match_nothing_make_an_empty_page(contacts):
    """Found by the access model test: a user who may read no contact searched
    and got a server error."""
    page = paginate(
        Contact.objects.all(),
        order=NEWEST_FIRST,
        limit=10,
        cursor=None,
        candidates=[Contact.objects.none(), Contact.objects.none()],
    )
    assert (page.items, page.next) == ([], None)
    some = paginate(
        Contact.objects.all(),
        order=NEWEST_FIRST,
        limit=10,
        cursor=None,
        candidates=[Contact.objects.none(), Contact.objects.filter(pk=contacts[0].pk)],
    )
    assert some.items == [contacts[0]]


def test_a_user_without_any_role_searches_and_finds_nothing(contacts):
    from tests.conftest import api_client_for
    from tests.factories import UserFactory

    api = api_client_for(UserFactory(username="nobody", roles=[]))
    response = api.get("/api/v1/contacts", {"q": "Anna"})
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 7, 8, 9])
@pytest.mark.parametrize(
    "order", [("-created_at", "-id"), ("created_at", "id"), ("display_name", "id")]
)
def test_pages_list_every_row_once_in_order(contacts, order, limit):
    expected = list(Contact.objects.order_by(*order))

    assert _walk(Contact.objects.all(), order, limit) == expected


def test_the_last_full_page_has_no_next_cursor(contacts):
    page = paginate(Contact.objects.all(), order=NEWEST_FIRST, limit=8, cursor=None)

    assert len(page.items) == 8
    assert page.next is None


def test_rows_made_while_paging_neither_repeat_nor_hide_others(contacts, user):
    first = paginate(Contact.objects.all(), order=NEWEST_FIRST, limit=3, cursor=None)
    ContactFactory(owner=user)

    rest = _walk_from(Contact.objects.all(), first.next, limit=3)

    assert sorted(c.pk for c in first.items + rest) == sorted(c.pk for c in contacts)


def test_a_cursor_survives_the_deletion_of_its_row(contacts):
    expected = [c.pk for c in _sorted(contacts)]
    first = paginate(Contact.objects.all(), order=NEWEST_FIRST, limit=4, cursor=None)
    Contact.objects.filter(pk=first.items[-1].pk).delete()

    rest = _walk_from(Contact.objects.all(), first.next, limit=4)

    assert [c.pk for c in first.items + rest] == expected


def _sorted(contacts):
    return sorted(
        Contact.objects.filter(pk__in=[c.pk for c in contacts]),
        key=lambda c: (c.created_at, c.pk),
        reverse=True,
    )


def _walk_from(queryset, cursor: str, limit: int) -> list:
    items = []
    while cursor:
        page = paginate(queryset, order=NEWEST_FIRST, limit=limit, cursor=cursor)
        items += page.items
        cursor = page.next
    return items


def test_a_cursor_is_opaque_text_for_a_url(contacts):
    cursor = paginate(Contact.objects.all(), order=NEWEST_FIRST, limit=1, cursor=None).next

    assert cursor
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


UUID = "0190e123-4567-789a-bcde-f0123456789a"


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "a",
        "äöü",
        "\x00",
        _cursor([]),
        _cursor({"created_at": "2024-01-01T00:00:00+00:00"}),
        _cursor(["2024-01-01T00:00:00+00:00"]),
        _cursor(["2024-01-01T00:00:00+00:00", UUID, UUID]),
        _cursor([1, 2]),
        _cursor([None, UUID]),
        _cursor([["2024"], UUID]),
        _cursor(["yesterday", UUID]),
        _cursor(["2024-01-01T00:00:00", UUID]),
        _cursor(["2024-01-01T00:00:00+00:00", "not-a-uuid"]),
        _cursor(["9999-12-31T23:59:59-14:00", UUID]),
        _cursor(["0001-01-01T00:00:00+14:00", UUID]),
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
        base64.urlsafe_b64encode(b"[" * 300).decode(),
    ],
)
def test_a_cursor_it_did_not_hand_out_is_a_field_error(db, cursor):
    with pytest.raises(FieldErrors) as error:
        paginate(Contact.objects.all(), order=NEWEST_FIRST, limit=10, cursor=cursor)

    assert error.value.errors == {"cursor": ["is not a cursor this list handed out"]}


def test_a_cursor_in_another_time_zone_means_the_same_moment(contacts):
    newest = _sorted(contacts)
    moment = newest[2].created_at.astimezone(datetime.timezone(datetime.timedelta(hours=5)))

    page = paginate(
        Contact.objects.all(),
        order=NEWEST_FIRST,
        limit=10,
        cursor=_cursor([moment.isoformat(), str(newest[2].pk)]),
    )

    assert page.items == newest[3:]
