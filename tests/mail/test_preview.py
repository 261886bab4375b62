"""The preview of an email: the new text, without quotes and signature."""

import pytest

from kontor.mail.preview import reply_text


@pytest.mark.parametrize(
    "text",
    [
        "Passt.\n\nOn Tue, 3 Mar 2026 at 10:00, Rita Rep <rita@kontor.example> wrote:\n> Angebot\n",
        "Passt.\n\nOn Tue, 3 Mar 2026 at 10:00, Rita Rep <rita@kontor.example>\n"
        "wrote:\n> Angebot\n",
        "Passt.\n\nAm 03.03.2026 um 10:00 schrieb Rita Rep:\n> Angebot\n",
        "Passt.\n\n-----Original Message-----\nFrom: Rita\nSent: Tuesday\n\nAngebot\n",
        "Passt.\n\n-----Ursprüngliche Nachricht-----\nVon: Rita\nGesendet: Dienstag\n",
        "Passt.\n\n________________________________\nVon: Rita Rep\nGesendet: Dienstag\n",
        "Passt.\n\nFrom: Rita Rep <rita@kontor.example>\nSent: Tuesday, March 3\n"
        "Subject: Angebot\n",
        "Passt.\n\nVon: Rita Rep\nGesendet: Dienstag, 3. März\nAn: Anna\n",
        "Passt.\n-- \nAnna Schmidt\nACME GmbH | Tel. 030 1234567\n",
        "Passt.\n> quoted inline\n",
    ],
)
def test_quotes_and_signatures_are_left_out(text):
    assert reply_text(text) == "Passt."


def test_text_between_quotes_is_kept():
    text = "> Frage 1?\nAntwort 1.\n> Frage 2?\nAntwort 2.\n"

    assert reply_text(text) == "Antwort 1.\nAntwort 2."


def test_a_message_that_is_only_a_quote_keeps_its_text():
    assert reply_text("> nur zitiert\n") == "> nur zitiert"


def test_ordinary_lines_about_writing_are_kept():
    text = "Von wem ist das Angebot?\nOn Monday we talked about it.\nGruß, Anna"

    assert reply_text(text) == text


def test_windows_line_endings_are_read():
    assert reply_text("Ja.\r\n\r\n-- \r\nAnna\r\n") == "Ja."


def test_an_empty_text_is_empty():
    assert reply_text("") == ""
