import contextlib

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import example as hypothesis_example
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from kontor.contacts.normalization import (
    InvalidContactPoint,
    _reads_back_unchanged,
    digits_for_search,
    domain_from_website,
    is_free_mail_domain,
    main_number_candidates,
    normalize_email,
    normalize_phone,
    phone_lookup_candidates,
    unstorable_text_reason,
)

BERLIN = "+49301234567"

# Phone numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "+49 30 1234567",
        "030 1234567",
        "0049 (30) 123-4567",
        "49301234567",
        "+49301234567",
        "+49 (0)30 1234567",
        "030/1234567",
        "tel:+49-30-1234567",
        "  030 1234567  ",
    ],
)
def test_it_reads_a_berlin_number_in_any_format(typed):
    assert normalize_phone(typed).e164 == BERLIN
    assert phone_lookup_candidates(typed)[0] == BERLIN


def test_it_keeps_the_number_as_typed_without_surrounding_space():
    phone = normalize_phone("  030 123 45 67 ")

    assert phone.original == "030 123 45 67"
    assert phone.extension == ""


def test_it_reads_national_numbers_in_the_given_region():
    assert normalize_phone("020 7946 0018", region="GB").e164 == "+442079460018"
    assert normalize_phone("(202) 555-0100", region="us").e164 == "+12025550100"


def test_it_reads_national_numbers_in_the_default_region(settings):
    settings.KONTOR_DEFAULT_REGION = "AT"

    assert normalize_phone("01 5123456").e164 == "+4315123456"


def test_it_keeps_the_extension_apart():
    phone = normalize_phone("+49 30 1234567 ext. 89")

    assert (phone.e164, phone.extension) == (BERLIN, "89")


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("call me", "must contain digits"),
        ("0" * 65, "at most 64 characters"),
        ("1", "Not a phone number"),
        ("+1 12", "Not a possible phone number"),
        ("+49 30 1234567890123456", "too long"),
        ("0030 1234567", "Not a possible phone number"),
        ("030 1234567\x00", "control characters"),
        ("030\n1234567", "control characters"),
        ("030 1234567\ud800", "control characters"),
        ("+49 30 1234567 ext. 12345678901234567", "extension must be at most 16 digits"),
    ],
)
def test_it_rejects_what_is_no_phone_number(typed, reason):
    with pytest.raises(InvalidContactPoint, match=reason):
        normalize_phone(typed)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (301234567, "A phone number must be text."),
        ("  ", "A phone number must not be empty."),
        ("0" * 65, "A phone number must be at most 64 characters."),
        ("030\n1234567", "A phone number must not contain control characters."),
        ("call me", "A phone number must contain digits."),
        (
            "+1 12",
            "Not a possible phone number (wrong length for its country); "
            "international numbers need a + or 00 prefix.",
        ),
        ("+49 30 1234567 ext. " + "1" * 17, "A phone extension must be at most 16 digits."),
    ],
)
def test_the_reason_for_a_rejected_phone_number_is_a_sentence(typed, message):
    with pytest.raises(InvalidContactPoint) as excinfo:
        normalize_phone(typed)
    assert str(excinfo.value) == message


def test_a_phone_number_of_the_longest_length_allowed_is_read():
    typed = "+49" + " " * 52 + "301234567"
    assert len(typed) == 64

    assert normalize_phone(typed).e164 == BERLIN


def test_an_extension_of_the_longest_length_allowed_is_kept():
    phone = normalize_phone("+49 30 1234567 ext. " + "1" * 16)

    assert phone.extension == "1" * 16


def test_it_rejects_a_phone_number_that_is_not_text():
    with pytest.raises(InvalidContactPoint, match="must be text"):
        normalize_phone(301234567)  # type: ignore[arg-type]


def test_lookup_candidates_read_bare_international_digits_both_ways():
    candidates = phone_lookup_candidates("49 30 1234567")

    assert candidates[0] == BERLIN


@pytest.mark.parametrize(
    ("sent", "candidates"),
    [
        # Bare digits are read both ways, a valid number before a merely
        # possible one (Berlin, not a Greek number that exists nowhere) ...
        ("301234567890", ["+49301234567890", "+301234567890"]),
        # ... and, both valid, the international reading first.
        ("442079460958", ["+442079460958", "+49442079460958"]),
        ("44 20 7946 0958", ["+442079460958", "+49442079460958"]),
        # A reading that is no number at all is passed over, not the end.
        ("1234567", ["+491234567"]),
        # Typed with punctuation and without + or 0: a national number.
        ("44-20-7946-0958", ["+49442079460958"]),
    ],
)
def test_lookup_candidates_come_in_the_order_of_their_likelihood(sent, candidates):
    assert phone_lookup_candidates(sent) == candidates


def test_lookup_candidates_read_national_numbers_in_the_given_region():
    assert phone_lookup_candidates("01 234567", region="AT") == ["+431234567"]
    assert phone_lookup_candidates("01 234567") == ["+491234567"]


def test_lookup_candidates_of_garbage_are_empty():
    assert phone_lookup_candidates("") == []
    assert phone_lookup_candidates("anonymous") == []
    assert phone_lookup_candidates(None) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("term", "digits"),
    [("030 12", "3012"), ("+49 30", "4930"), ("0049-30", "4930"), ("Müller", "")],
)
def test_search_digits_drop_trunk_and_international_prefixes(term, digits):
    assert digits_for_search(term) == digits


# Email addresses -------------------------------------------------------------------


def test_it_makes_a_case_insensitive_key_of_an_email_address():
    email = normalize_email("  Max.Mustermann@Example.COM ")

    assert email.original == "Max.Mustermann@Example.COM"
    assert email.normalized == "max.mustermann@example.com"
    assert email.domain == "example.com"


def test_it_keys_international_domains_by_their_ascii_form():
    stored = normalize_email("x@bücher.de")
    asked = normalize_email("X@xn--bcher-kva.de")

    assert stored.normalized == asked.normalized == "x@xn--bcher-kva.de"
    assert stored.domain == "xn--bcher-kva.de"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "must not be empty"),
        ("max", "An email address must have an @-sign."),
        ("max@", "There must be something after the @-sign."),
        ("@example.com", "There must be something before the @-sign."),
        ("a b@example.com", "invalid character"),
        ("a\x00@example.com", "invalid characters before the @-sign"),
        ("a@b@example.com", "after the @-sign contains invalid characters"),
    ],
)
def test_it_rejects_what_is_no_email_address(typed, reason):
    with pytest.raises(InvalidContactPoint, match=reason):
        normalize_email(typed)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (None, "An email address must be text."),
        (42, "An email address must be text."),
        ("   ", "An email address must not be empty."),
    ],
)
def test_the_reason_for_a_rejected_email_address_is_a_sentence(typed, message):
    with pytest.raises(InvalidContactPoint) as excinfo:
        normalize_email(typed)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    ("domain", "free"),
    [
        ("gmail.com", True),
        ("GMX.de", True),
        ("web.de", True),
        ("googlemail.com", True),
        ("t-online.de", True),
        ("acme.de", False),
        ("xn--bcher-kva.de", False),
    ],
)
def test_it_knows_free_mail_domains(domain, free):
    assert is_free_mail_domain(domain) is free


@pytest.mark.parametrize(
    ("website", "domain"),
    [
        ("https://www.ACME.de/kontakt?x=1", "acme.de"),
        ("acme.de", "acme.de"),
        ("http://shop.acme.de:8080", "shop.acme.de"),
        ("www.bücher.de", "xn--bcher-kva.de"),
        ("www.acme.de.", "acme.de"),  # the root's dot, as DNS writes it
        ("", ""),
        ("https://", ""),
        ("https://" + "a" * 300, ""),
    ],
)
def test_it_takes_the_domain_from_a_website(website, domain):
    assert domain_from_website(website) == domain


def test_it_names_text_no_database_can_store():
    reason = "must not contain NUL characters or unpaired surrogates"
    assert unstorable_text_reason("Müller & Söhne\t\n") is None
    assert unstorable_text_reason("a\x00b") == reason
    assert unstorable_text_reason("a\udc80b") == reason


def test_a_website_keeps_a_domain_of_the_longest_length_allowed():
    longest = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    assert len(longest) == 253

    assert domain_from_website(f"https://{longest}/") == longest
    assert domain_from_website(f"https://{longest}e/") == ""


# Main numbers behind extensions ----------------------------------------------------


def test_main_number_candidates_shorten_the_number_digit_by_digit():
    """+49 30 1234567 may be extension 7 of +49 30 123456(-0), extension 67 of
    +49 30 12345(-0) …, down to two digits after the area code."""
    assert main_number_candidates("+49301234567") == [
        ("+4930123456", 1),
        ("+49301234560", 1),
        ("+493012345", 2),
        ("+4930123450", 2),
        ("+49301234", 3),
        ("+493012340", 3),
        ("+4930123", 4),
        ("+49301230", 4),
        ("+493012", 5),
        ("+4930120", 5),
    ]


def test_a_main_number_is_no_candidate_of_itself():
    assert main_number_candidates("+493012340") == [
        ("+49301234", 1),
        ("+4930123", 2),
        ("+49301230", 2),
        ("+493012", 3),
        ("+4930120", 3),
    ]


def test_a_main_number_leaves_off_at_most_six_digits():
    assert [number for number, _digits in main_number_candidates("+4930123456789")] == [
        "+493012345678",
        "+4930123456780",
        "+49301234567",
        "+493012345670",
        "+4930123456",
        "+49301234560",
        "+493012345",
        "+4930123450",
        "+49301234",
        "+493012340",
        "+4930123",
        "+49301230",
    ]


@pytest.mark.parametrize("number", ["+491701234567", "not a number", "+4930"])
def test_mobile_numbers_and_non_numbers_have_no_main_number(number):
    assert main_number_candidates(number) == []


# Properties ----------------------------------------------------------------------

_GERMAN_PREFIXES = [
    *(
        str(example.national_number)[:4]
        for kind in (
            PhoneNumberType.FIXED_LINE,
            PhoneNumberType.MOBILE,
            PhoneNumberType.TOLL_FREE,
            PhoneNumberType.PREMIUM_RATE,
            PhoneNumberType.PERSONAL_NUMBER,
            PhoneNumberType.VOIP,
            PhoneNumberType.UAN,
        )
        if (example := phonenumbers.example_number_for_type("DE", kind)) is not None
    ),
    # Area codes of every length, and mobile networks.
    "30",
    "40",
    "89",
    "221",
    "711",
    "6221",
    "3303",
    "35204",
    "151",
    "160",
    "170",
    "176",
]


@st.composite
def german_numbers(draw: st.DrawFn) -> phonenumbers.PhoneNumber:
    prefix = draw(st.sampled_from(_GERMAN_PREFIXES))
    rest = draw(st.text("0123456789", min_size=3, max_size=9))
    number = phonenumbers.parse(f"+49{prefix}{rest}")
    assume(phonenumbers.is_valid_number(number))
    return number


@given(german_numbers())
def test_every_format_of_a_german_number_reads_as_the_same_e164(number):
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    formats = [
        phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
        international,
        e164,
        phonenumbers.format_number(number, PhoneNumberFormat.RFC3966),
        "00" + international.removeprefix("+"),
        "00" + e164.removeprefix("+"),
    ]

    for typed in formats:
        assert normalize_phone(typed).e164 == e164, typed
        assert e164 in phone_lookup_candidates(typed), typed
    # Phone systems also send the international digits without a plus.
    assert e164 in phone_lookup_candidates(e164.removeprefix("+"))


@given(st.text(max_size=80))
def test_reading_any_text_as_a_phone_number_fails_only_with_invalid_contact_point(text):
    try:
        phone = normalize_phone(text)
    except InvalidContactPoint:
        return
    assert phone.e164.startswith("+")
    assert phone.e164[1:].isdigit()
    assert len(phone.e164) <= 16


_PHONE_ALPHABET = "0123456789+()-/. xext;=tel:#*"


@given(st.text(_PHONE_ALPHABET, max_size=40))
@hypothesis_example("0000000")  # read back from +49000000 it was +4900000: never found again
@hypothesis_example("4900000")
def test_phone_like_text_fails_only_with_invalid_contact_point(text):
    with contextlib.suppress(InvalidContactPoint):
        normalize_phone(text)
    for candidate in phone_lookup_candidates(text):
        assert normalize_phone(candidate).e164 == candidate


@given(st.text(max_size=80))
def test_reading_any_text_as_an_email_address_fails_only_with_invalid_contact_point(text):
    with contextlib.suppress(InvalidContactPoint):
        normalize_email(text)


_LOCAL = st.from_regex(r"[a-zA-Z0-9äöüÄÖÜé_+-]{1,12}(\.[a-zA-Z0-9äöü_-]{1,8}){0,2}", fullmatch=True)
_DOMAIN = st.sampled_from(["example.com", "ACME.de", "bücher.de", "xn--bcher-kva.de", "mail.co.uk"])


@st.composite
def email_addresses(draw: st.DrawFn) -> str:
    return f"{draw(_LOCAL)}@{draw(_DOMAIN)}"


@given(st.one_of(st.emails(), email_addresses()))
def test_normalizing_an_email_address_is_idempotent(address):
    key = normalize_email(address).normalized

    assert normalize_email(key).normalized == key


@given(st.one_of(st.emails(), email_addresses()))
def test_the_email_key_ignores_case(address):
    key = normalize_email(address).normalized

    assert normalize_email(address.swapcase()).normalized == key
    assert normalize_email(address.upper()).normalized == key


@pytest.mark.parametrize("text", ["0000000", "000000", "00000000"])
def test_digits_that_do_not_read_back_as_the_same_number_are_refused(text):
    with pytest.raises(InvalidContactPoint, match="do not name one number"):
        normalize_phone(text)


_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


@given(
    st.sampled_from(_REGIONS),
    st.sampled_from(["", "0", "00", "+", "0000", "1", "8", "90"]),
    st.text("0123456789", min_size=6, max_size=13),
)
@hypothesis_example("DE", "0", "000000")
@hypothesis_example("AR", "0", "1123456789")
@hypothesis_example("IT", "", "0612345678")
def test_the_shortcut_of_the_read_back_check_agrees_with_parsing_again(region, prefix, digits):
    """Most numbers skip the second parse (their national number cannot
    start with the national prefix); the answer is the one it would give."""
    try:
        parsed = phonenumbers.parse(prefix + digits, region)
        e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
        parsed_again = phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        assume(False)

    assert _reads_back_unchanged(parsed, e164) == (parsed_again == e164)
