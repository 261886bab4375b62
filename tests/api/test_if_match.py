"""If-Match means the same on every PATCH that checks a version: the ETag as
handed out, weak or bare; "*" for any version; anything else is a 422."""

import pytest

from tests.factories import ActivityFactory, ContactFactory

# A field of each kind of record that a PATCH may change.
TEXT_FIELD = {"contacts": "notes", "activities": "body"}


class Record:
    def __init__(self, api, kind: str, pk):
        self.api = api
        self.kind = kind
        self.url = f"/api/v1/{kind}/{pk}"

    def patch(self, text: str, if_match: str | None = None):
        headers = {"If-Match": if_match} if if_match is not None else {}
        return self.api.patch(self.url, {TEXT_FIELD[self.kind]: text}, headers=headers)

    def version(self) -> int:
        return self.api.get(self.url).json()["version"]


@pytest.fixture(params=["contacts", "activities"])
def at_version_3(request, api, user) -> Record:
    created = ContactFactory() if request.param == "contacts" else ActivityFactory(author=user)
    record = Record(api, request.param, created.pk)
    for text in ("second", "third"):
        assert record.patch(text).status_code == 200
    assert record.version() == 3
    return record


@pytest.mark.parametrize("if_match", ['"3"', 'W/"3"', "3", ' "3" '])
def test_it_accepts_the_current_version_in_any_form(at_version_3, if_match):
    response = at_version_3.patch("fourth", if_match)

    assert response.status_code == 200, response.content
    assert response.json()["version"] == 4


@pytest.mark.parametrize("if_match", ['"2"', 'W/"2"', "2"])
def test_it_rejects_a_stale_version(at_version_3, if_match):
    response = at_version_3.patch("fourth", if_match)

    assert response.status_code == 409
    assert response.json()["current_version"] == 3


def test_a_star_accepts_any_version(at_version_3):
    response = at_version_3.patch("fourth", "*")

    assert response.status_code == 200, response.content
    assert response.json()["version"] == 4


@pytest.mark.parametrize("if_match", ['"3', '3"', "abc", "1234567890", '"1234567890"'])
def test_it_rejects_an_if_match_that_names_no_version(at_version_3, if_match):
    response = at_version_3.patch("fourth", if_match)

    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/json")
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "If-Match"]]
    assert at_version_3.version() == 3
