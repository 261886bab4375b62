"""Importing .eml and .mbox files at /mail/import/."""

import mailbox

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kontor.activities.models import Activity, Kind
from kontor.mail.models import InboundMessage, Source
from tests.mail import corpus


def mbox_file(tmp_path, *messages: bytes) -> bytes:
    path = tmp_path / "export.mbox"
    box = mailbox.mbox(path)
    for raw in messages:
        box.add(raw)
    box.flush()
    box.close()
    return path.read_bytes()


def upload(client, *files: SimpleUploadedFile, create: bool = True):
    data = {"files": list(files)}
    if create:
        data["create_unknown_contacts"] = "on"
    return client.post(reverse("mail-import"), data)


def test_the_import_page_offers_eml_and_mbox(client, user):
    client.force_login(user)

    page = client.get(reverse("mail-import")).content.decode()

    assert 'type="file"' in page
    assert ".eml,.mbox" in page
    assert "multiple" in page


def test_an_eml_file_is_imported(client, user, anna):
    client.force_login(user)

    response = upload(client, SimpleUploadedFile("angebot.eml", corpus.plain()))

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 message imported" in page
    assert "Anna Schmidt" in page
    email = Activity.objects.get(kind=Kind.EMAIL)
    assert email.contact == anna
    assert InboundMessage.objects.get().source == Source.UPLOAD


def test_an_mbox_file_brings_all_its_messages(client, user, anna, tmp_path):
    client.force_login(user)
    data = mbox_file(tmp_path, corpus.plain(), corpus.alternative(), corpus.iso_8859_1())

    response = upload(client, SimpleUploadedFile("Posteingang.mbox", data))

    assert "3 messages imported" in response.content.decode()
    assert Activity.objects.filter(kind=Kind.EMAIL, contact=anna).count() == 2  # + Jürgen's


def test_an_mbox_without_the_extension_is_recognized(client, user, anna, tmp_path):
    client.force_login(user)
    data = mbox_file(tmp_path, corpus.plain(), corpus.alternative())

    response = upload(client, SimpleUploadedFile("export", data))

    assert "2 messages imported" in response.content.decode()


def test_a_second_upload_of_the_same_file_imports_nothing_twice(client, user, anna):
    client.force_login(user)
    upload(client, SimpleUploadedFile("a.eml", corpus.plain()))

    response = upload(client, SimpleUploadedFile("a.eml", corpus.plain()))

    page = response.content.decode()
    assert "0 messages imported" in page
    assert "1 had been imported before" in page
    assert InboundMessage.objects.count() == 1


def test_problems_are_listed_with_a_link_to_the_raw_message(client, user, anna):
    client.force_login(user)

    page = upload(
        client, SimpleUploadedFile("kaputt.eml", corpus.undecodable_charset())
    ).content.decode()

    message = InboundMessage.objects.get()
    assert "unknown charset" in page
    assert reverse("mail-message-raw", args=[message.pk]) in page
    raw = client.get(reverse("mail-message-raw", args=[message.pk]))
    assert b"".join(raw.streaming_content) == corpus.undecodable_charset()


def test_unknown_senders_become_contacts_only_when_ticked(client, user):
    client.force_login(user)

    upload(
        client, SimpleUploadedFile("a.eml", corpus.plain(sender="neu@example.org")), create=False
    )

    assert InboundMessage.objects.get().activity is None


def test_an_empty_file_is_reported(client, user):
    client.force_login(user)

    response = upload(client, SimpleUploadedFile("leer.eml", b""))

    assert response.status_code == 200
    assert not InboundMessage.objects.exists()


def test_the_import_needs_a_login(client):
    response = client.get(reverse("mail-import"))

    assert response.status_code == 302
