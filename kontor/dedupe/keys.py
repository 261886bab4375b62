"""Blocking keys: the scan compares only records that share one, so that it
is not a comparison of every record with every other.

A contact's keys: each normalized email address and phone number (E.164),
its surname's Kölner Phonetik code with the first name's initial (Meier,
Meyer and Maier meet), the surname's first four letters with that initial,
and the surname at its email domain. An organization's: its name without its
legal form (GmbH, AG, GmbH & Co. KG, e.K., Ltd, Inc, …), that name's Kölner
Phonetik code, its web domain and its email addresses and phone numbers."""

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

# Kölner Phonetik (Hans Joachim Postel, 1969): letters to digits by their
# sound in German. Implemented here from the published rules: the packages
# that offer it are unmaintained single-author releases.
_VOWELS = set("AEIJOUY")
_FOLD = str.maketrans({"Ä": "A", "Ö": "O", "Ü": "U", "ß": "S", "ẞ": "S"})


def _letters(text: str) -> str:
    text = text.upper().translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if "A" <= ch <= "Z")


def _code(prev: str, ch: str, nxt: str, first: bool) -> str:
    if ch in _VOWELS:
        return "0"
    if ch == "H":
        return ""
    if ch == "B":
        return "1"
    if ch == "P":
        return "3" if nxt == "H" else "1"
    if ch in "DT":
        return "8" if nxt in ("C", "S", "Z") else "2"
    if ch in "FVW":
        return "3"
    if ch in "GKQ":
        return "4"
    if ch == "C":
        if first:
            return "4" if nxt in tuple("AHKLOQRUX") else "8"
        return "4" if nxt in tuple("AHKOQUX") and prev not in ("S", "Z") else "8"
    if ch == "X":
        return "8" if prev in ("C", "K", "Q") else "48"
    if ch == "L":
        return "5"
    if ch in "MN":
        return "6"
    if ch == "R":
        return "7"
    return "8"  # S, Z


def cologne_phonetics(text: str) -> str:
    """The Kölner Phonetik code of ``text`` ("" for no letters)."""
    letters = _letters(text)
    raw = "".join(
        _code(
            letters[i - 1] if i else "",
            ch,
            letters[i + 1] if i + 1 < len(letters) else "",
            i == 0,
        )
        for i, ch in enumerate(letters)
    )
    collapsed = "".join(d for i, d in enumerate(raw) if i == 0 or d != raw[i - 1])
    if not collapsed:
        return ""
    return collapsed[0] + collapsed[1:].replace("0", "")


@lru_cache(maxsize=65536)
def plain(text: str) -> str:
    """Lower case, accents and punctuation gone, spaces single (umlauts as
    their base letter, the way people type them on foreign keyboards).
    Remembered: a scan compares each name with several others."""
    text = unicodedata.normalize("NFKD", (text or "").lower().replace("ß", "ss"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# Legal forms, as plain() leaves them, longest first.
LEGAL_FORMS = (
    "gmbh co kgaa",
    "gmbh co kg",
    "gmbh co ohg",
    "ug haftungsbeschrankt",
    "gmbh",
    "ggmbh",
    "mbh",
    "ag",
    "kgaa",
    "kg",
    "ohg",
    "gbr",
    "ug",
    "e k",
    "ek",
    "e v",
    "ev",
    "eg",
    "se",
    "ltd",
    "limited",
    "llc",
    "inc",
    "corp",
    "co",
    "plc",
    "sa",
    "sarl",
    "bv",
    "nv",
    "srl",
    "spa",
)
_LEGAL = re.compile(r"(?:\s|^)(?:" + "|".join(re.escape(f) for f in LEGAL_FORMS) + r")$")


@lru_cache(maxsize=65536)
def organization_name(name: str) -> str:
    """An organization's name without its legal forms: "Müller GmbH & Co. KG"
    and "Mueller" both become comparable ("muller" / "mueller"). Remembered
    as ``plain`` is: many contacts share an organization."""
    text = plain(name)
    while True:
        stripped = _LEGAL.sub("", text).strip()
        if stripped == text or not stripped:
            return stripped or text
        text = stripped


def _surname(values: Mapping[str, Any]) -> str:
    return plain(values.get("last_name") or "").replace(" ", "")


def contact_keys(values: Mapping[str, Any]) -> set[str]:
    keys = {f"e:{email}" for email in values.get("emails", ())}
    keys |= {f"p:{phone}" for phone in values.get("phones", ())}
    last = _surname(values)
    first = plain(values.get("first_name") or "")
    if last:
        initial = first[:1]
        phonetic = cologne_phonetics(last)
        if phonetic:
            keys.add(f"k:{phonetic}:{initial}")
        keys.add(f"l:{last[:4]}:{initial}")
        for email in values.get("emails", ()):
            keys.add(f"d:{email.rpartition('@')[2]}:{last}")
    return keys


def organization_keys(values: Mapping[str, Any]) -> set[str]:
    keys = {f"e:{email}" for email in values.get("emails", ())}
    keys |= {f"p:{phone}" for phone in values.get("phones", ())}
    name = organization_name(values.get("name") or "")
    if name:
        keys.add(f"o:{name}")
        phonetic = cologne_phonetics(name)
        if phonetic:
            keys.add(f"k:{phonetic}")
    if values.get("domain"):
        keys.add(f"w:{values['domain']}")
    return keys


def blocking_keys(kind: str, values: Mapping[str, Any]) -> set[str]:
    """The keys of one record, truncated to the column's length."""
    keys = contact_keys(values) if kind == "contact" else organization_keys(values)
    return {key[:200] for key in keys}
