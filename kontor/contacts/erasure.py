"""GDPR erasure of a contact (kontor.core.erasure): the person's record with
its email addresses, phone numbers, tags and custom values goes; the search
tables follow by themselves (the contact's search row is deleted with it,
SQLite's FTS5 tables follow through their triggers, PostgreSQL's trigram
indexes with the rows)."""

import phonenumbers
from django.utils.translation import gettext_noop

from kontor.contacts.models import Contact, EmailAddress, PhoneNumber
from kontor.core.erasure import Erasure, Identifiers


def _phone_forms(e164: str, raw: str, digits: str) -> list[str]:
    forms = [e164, raw, digits, e164.lstrip("+"), "00" + e164.lstrip("+")]
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return [form for form in forms if form]
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    forms += [national, international, "".join(ch for ch in national if ch.isdigit())]
    return [form for form in dict.fromkeys(forms) if len(form) >= 6]


def contact_identifiers(person: Contact) -> Identifiers:
    """The contact's names, email addresses and phone numbers in every form
    they may appear in elsewhere. Names only whole (a last name alone would
    take other people's rows along)."""
    names = [person.display_name, f"{person.first_name} {person.last_name}".strip()]
    if person.first_name and person.last_name:
        names.append(f"{person.last_name}, {person.first_name}")
    emails = []
    for address, normalized in EmailAddress.objects.filter(contact=person).values_list(
        "address", "normalized"
    ):
        emails += [address, normalized]
    phones = []
    for e164, raw, digits in PhoneNumber.objects.filter(contact=person).values_list(
        "e164", "raw", "digits"
    ):
        phones += _phone_forms(e164, raw, digits)
    return Identifiers(
        names=[name for name in dict.fromkeys(names) if len(name) >= 3],
        emails=list(dict.fromkeys(email for email in emails if email)),
        phones=list(dict.fromkeys(phones)),
    )


def erase_contact(erasure: Erasure) -> None:
    person = erasure.person
    if not isinstance(person, Contact) or not Contact.objects.filter(pk=person.pk).exists():
        return
    emails = EmailAddress.objects.filter(contact=person)
    phones = PhoneNumber.objects.filter(contact=person)
    erasure.removed(gettext_noop("email addresses"), emails.count())
    erasure.removed(gettext_noop("phone numbers"), phones.count())
    emails.delete()
    phones.delete()
    custom = len(person.custom or {}) + (1 if person.custom_sensitive else 0)
    erasure.removed(gettext_noop("custom field values"), custom)
    person.tags.clear()
    erasure.touched(Contact, [person.pk])
    deleted = Contact.objects.filter(pk=person.pk).delete()[1].get(Contact._meta.label, 0)
    erasure.removed(gettext_noop("contacts"), deleted)
