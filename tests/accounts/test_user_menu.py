"""The user menu leads to the pages of the user's own account security."""

import re

import pytest
from django.urls import reverse


def user_menu(html: str) -> str:
    match = re.search(r'<details class="user-menu">.*?</details>', html, re.DOTALL)
    assert match, "no user menu on the page"
    return match.group(0)


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("url_name", ["two-factor-setup", "token-list"])
def test_the_user_menu_links_to_the_account_security_pages(logged_in, url_name):
    menu = user_menu(logged_in.get(reverse("contact-list")).content.decode())

    assert f'href="{reverse(url_name)}"' in menu
    assert logged_in.get(reverse(url_name)).status_code == 200


def test_the_user_menu_in_german(logged_in):
    page = logged_in.get(reverse("contact-list"), headers={"Accept-Language": "de"})

    menu = user_menu(page.content.decode())
    assert "Zwei-Faktor-Authentifizierung" in menu
    assert "API-Tokens" in menu
