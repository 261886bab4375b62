import pytest

from kontor.dedupe.keys import blocking_keys, cologne_phonetics, organization_name
from kontor.dedupe.scoring import score


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Meier", "67"),
        ("Meyer", "67"),
        ("Maier", "67"),
        ("Müller", "657"),
        ("Mueller", "657"),
        ("Schmidt", "862"),
        ("Schmitt", "862"),
        ("Wikipedia", "3412"),
        ("Müller-Lüdenscheidt", "65752682"),
        ("", ""),
    ],
)
def test_kolner_phonetik_codes(name, code):
    assert cologne_phonetics(name) == code


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("Müller GmbH & Co. KG", "muller"),
        ("Müller GmbH", "muller"),
        ("Acme Inc.", "acme"),
        ("Schulz e.K.", "schulz"),
        ("Bäckerei Schulz e. K.", "backerei schulz"),
        ("AG", "ag"),
    ],
)
def test_organization_names_lose_their_legal_form(name, plain):
    assert organization_name(name) == plain


def test_meier_meyer_and_maier_share_a_blocking_key():
    keys = [
        blocking_keys("contact", {"first_name": "Hans", "last_name": last, "emails": []})
        for last in ("Meier", "Meyer", "Maier")
    ]
    assert keys[0] & keys[1] & keys[2] == {"k:67:h"}


def test_a_pair_explains_its_score_field_by_field():
    value, reasons = score(
        "contact",
        {"first_name": "Hans", "last_name": "Meier", "emails": ["hans@meier.example"]},
        {"first_name": "Hans", "last_name": "Meyer", "emails": ["hans@meier.example"]},
    )
    assert 0.9 <= value < 1
    assert [r["field"] for r in reasons] == ["name", "email"]
    assert reasons[1] == {
        "field": "email",
        "a": "hans@meier.example",
        "b": "hans@meier.example",
        "similarity": 1.0,
    }


def test_different_people_of_one_name_score_lower_with_other_numbers():
    same, _ = score(
        "contact",
        {"first_name": "Anna", "last_name": "Schmidt", "phones": ["+4930111"]},
        {"first_name": "Anna", "last_name": "Schmidt", "phones": ["+4930111"]},
    )
    other, _ = score(
        "contact",
        {"first_name": "Anna", "last_name": "Schmidt", "phones": ["+4930111"]},
        {"first_name": "Anna", "last_name": "Schmidt", "phones": ["+4989999"]},
    )
    assert same == 1.0
    assert other < 0.8


def test_organizations_compare_without_legal_form_and_by_domain():
    value, reasons = score(
        "organization",
        {"name": "Müller GmbH", "domain": "mueller.example"},
        {"name": "Müller AG", "domain": "mueller.example"},
    )
    assert value == 1.0
    assert {r["field"] for r in reasons} == {"name", "domain"}
