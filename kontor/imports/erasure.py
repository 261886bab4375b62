"""GDPR erasure in imports (kontor.core.erasure): the rejected rows kept
for an import's error report are the person's data as the file had it.
A row goes when it names the person whole (name, email address) or holds
one of their numbers in any notation."""

import re

from django.utils.translation import gettext_noop

from kontor.core.erasure import Erasure
from kontor.imports.models import ImportRejectedRow


def _digits(value: object) -> str:
    return re.sub(r"\D", "", str(value))


def _names_the_person(values: list, words: list[str], numbers: set[str]) -> bool:
    text = " ".join(str(value) for value in values).lower()
    if any(word in text for word in words):
        return True
    return any(_digits(value) in numbers for value in values if len(_digits(value)) >= 6)


def erase_rejected_rows(erasure: Erasure) -> None:
    words = [value.lower() for value in (*erasure.identifiers.names, *erasure.identifiers.emails)]
    numbers = {_digits(phone) for phone in erasure.identifiers.phones} - {""}
    if not words and not numbers:
        return
    rows = ImportRejectedRow.objects.values_list("pk", "values")
    found = [
        pk
        for pk, values in rows.iterator(chunk_size=2000)
        if _names_the_person(values, words, numbers)
    ]
    ImportRejectedRow.objects.filter(pk__in=found).delete()
    erasure.removed(gettext_noop("rows of import error reports"), len(found))
