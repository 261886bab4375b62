"""The German interface is complete: every message of the catalogue is
translated (none left fuzzy), and the compiled catalogue Django reads holds
exactly what the source catalogue says."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[1] / "kontor" / "locale" / "de" / "LC_MESSAGES"


def _catalog():
    with (LOCALE / "django.po").open("rb") as source:
        return read_po(source, locale="de")


def test_every_message_has_a_german_translation():
    missing = [
        message.id
        for message in _catalog()
        if message.id
        and (
            message.fuzzy
            or not (all(message.string) if isinstance(message.string, tuple) else message.string)
        )
    ]
    assert not missing, f"{len(missing)} messages without German: {missing[:20]}"


def _frozen(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def test_the_compiled_catalogue_is_up_to_date():
    with (LOCALE / "django.mo").open("rb") as compiled:
        mo = {
            (message.context, _frozen(message.id)): _frozen(message.string)
            for message in read_mo(compiled)
            if message.id
        }
    po = {
        (message.context, _frozen(message.id)): _frozen(message.string)
        for message in _catalog()
        if message.id
    }
    stale = [key for key in po if mo.get(key) != po[key]]
    assert not stale, f"django.mo is older than django.po (kontor compilemessages): {stale[:10]}"
