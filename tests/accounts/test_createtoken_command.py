import re
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from kontor.__main__ import main
from kontor.accounts.models import ApiToken
from tests.conftest import ApiClient
from tests.factories import UserFactory

TOKEN = re.compile(r"^ktr_[A-Za-z0-9_-]{43}$")


def _createtoken(*args: str) -> str:
    out = StringIO()
    call_command("createtoken", *args, stdout=out)
    return out.getvalue()


def test_it_prints_exactly_one_line_the_token(user):
    output = _createtoken("rep")

    lines = output.splitlines()
    assert len(lines) == 1
    assert output == lines[0] + "\n"
    assert TOKEN.match(lines[0])


def test_the_printed_token_authenticates_as_the_user(user):
    key = _createtoken("rep").strip()

    response = ApiClient(key).post("/api/v1/contacts", {"first_name": "Anna"})

    assert response.status_code == 201
    assert response.json()["owner_id"] == user.pk


def test_it_names_the_token(user):
    _createtoken("rep", "--name", "Telefonanlage")
    _createtoken("rep")

    assert sorted(ApiToken.objects.values_list("name", flat=True)) == [
        "Telefonanlage",
        "createtoken",
    ]


def test_it_stores_no_plain_token(user):
    key = _createtoken("rep").strip()

    token = ApiToken.objects.get()
    assert key not in str(list(ApiToken.objects.values().get().values()))
    assert token.user == user


@pytest.mark.parametrize("username", ["nobody", "", "REP"])
def test_an_unknown_user_is_an_error(user, username):
    out = StringIO()

    with pytest.raises(CommandError, match="No active user named"):
        call_command("createtoken", username, stdout=out)

    assert out.getvalue() == ""
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(db):
    UserFactory(username="gone", is_active=False)

    with pytest.raises(CommandError):
        _createtoken("gone")
    assert not ApiToken.objects.exists()


def test_the_kontor_command_prints_the_token_and_fails_for_unknown_users(user, monkeypatch, capsys):
    # A command run from the command line closes the database connections at
    # its end, which would also end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    monkeypatch.setattr(sys, "argv", ["kontor", "createtoken", "rep"])
    main()
    printed = capsys.readouterr()

    monkeypatch.setattr(sys, "argv", ["kontor", "createtoken", "nobody"])
    with pytest.raises(SystemExit) as failed:
        main()
    refused = capsys.readouterr()

    assert TOKEN.match(printed.out.strip())
    assert printed.out.count("\n") == 1
    assert ApiClient(printed.out.strip()).get("/api/v1/contacts").status_code == 200
    assert failed.value.code == 1
    assert refused.out == ""
    assert "No active user named 'nobody'" in refused.err
