import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from kontor.activities.models import Activity
from kontor.contacts.models import Contact
from kontor.files.models import Attachment
from kontor.files.services import attachment_create, clean_file_name
from tests.conftest import api_client_for
from tests.factories import ActivityFactory, ContactFactory

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def upload(api, url: str, name: str, content: bytes):
    from django.test import Client

    return Client.post(api, url, {"file": SimpleUploadedFile(name, content)})


def test_a_file_is_attached_to_an_activity_and_downloaded_again(api, user, contact):
    call = ActivityFactory(author=user, contact=contact, kind="call")

    response = upload(
        api, f"/api/v1/activities/{call.pk}/files", "Angebot 2026.pdf", b"%PDF-1.7 hi"
    )

    assert response.status_code == 201, response.content
    meta = response.json()
    assert meta["name"] == "Angebot 2026.pdf"
    assert meta["size"] == len(b"%PDF-1.7 hi")
    assert meta["content_type"] == "application/pdf"
    assert meta["activity_id"] == str(call.pk)
    download = api.get(meta["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.7 hi"
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    files = api.get(f"/api/v1/activities/{call.pk}/files").json()["items"]
    assert [f["id"] for f in files] == [meta["id"]]
    assert api.get(f"/api/v1/activities/{call.pk}").json()["files"][0]["id"] == meta["id"]


def test_files_attach_straight_to_contacts_and_organizations(api, user, contact, organization):
    on_contact = upload(api, f"/api/v1/contacts/{contact.pk}/files", "vcard.txt", b"hello")
    on_org = upload(api, f"/api/v1/organizations/{organization.pk}/files", "logo.png", PNG)
    assert on_contact.status_code == on_org.status_code == 201
    assert on_contact.json()["contact_id"] == str(contact.pk)
    assert on_org.json()["organization_id"] == str(organization.pk)
    contact_files = api.get(f"/api/v1/contacts/{contact.pk}/files").json()["items"]
    assert [f["name"] for f in contact_files] == ["vcard.txt"]
    # The organization lists its own files and its people's.
    org_files = api.get(f"/api/v1/organizations/{organization.pk}/files").json()["items"]
    assert {f["name"] for f in org_files} == {"vcard.txt", "logo.png"}


def test_the_content_type_comes_from_the_content_not_the_name(api, user, contact):
    disguised = upload(api, f"/api/v1/contacts/{contact.pk}/files", "harmless.txt", PNG)
    assert disguised.json()["content_type"] == "image/png"
    plain = upload(api, f"/api/v1/contacts/{contact.pk}/files", "notes.csv", b"a;b\n1;2\n")
    assert plain.json()["content_type"] == "text/csv"
    unknown = upload(api, f"/api/v1/contacts/{contact.pk}/files", "blob", b"\x00\x01\x02")
    assert unknown.json()["content_type"] == "application/octet-stream"


def test_a_file_past_the_limit_is_refused_with_a_clear_message(api, contact, settings):
    settings.KONTOR_MAX_UPLOAD_MB = 1
    response = upload(
        api, f"/api/v1/contacts/{contact.pk}/files", "big.bin", b"x" * (1024 * 1024 + 1)
    )
    assert response.status_code == 413
    body = response.json()
    assert body["detail"][0]["loc"] == ["body", "file"]
    assert "at most 1 MB" in body["detail"][0]["msg"]
    assert body["max_upload_mb"] == 1
    assert not Attachment.objects.exists()


def test_a_file_at_the_limit_is_accepted(api, contact, settings):
    settings.KONTOR_MAX_UPLOAD_MB = 1
    response = upload(api, f"/api/v1/contacts/{contact.pk}/files", "ok.bin", b"x" * 1024 * 1024)
    assert response.status_code == 201


def test_an_upload_without_a_file_or_with_an_empty_one_is_a_422(api, contact):
    assert api.post(f"/api/v1/contacts/{contact.pk}/files", {}).status_code in (400, 422)
    empty = upload(api, f"/api/v1/contacts/{contact.pk}/files", "empty.txt", b"")
    assert empty.status_code == 422


def test_others_get_a_404_for_files_of_records_they_cannot_see(user, stranger):
    hidden = ContactFactory(owner=stranger)
    note = ActivityFactory(author=stranger, contact=hidden)
    attachment = attachment_create(
        actor=stranger, upload=SimpleUploadedFile("secret.txt", b"secret"), activity=note
    )
    owner_api, my_api = api_client_for(stranger), api_client_for(user)
    assert owner_api.get(f"/api/v1/files/{attachment.pk}").status_code == 200
    assert my_api.get(f"/api/v1/files/{attachment.pk}").status_code == 404
    assert my_api.delete(f"/api/v1/files/{attachment.pk}").status_code == 404
    assert my_api.get(f"/api/v1/contacts/{hidden.pk}/files").status_code == 404
    assert upload(my_api, f"/api/v1/activities/{note.pk}/files", "x.txt", b"x").status_code == 404


def test_files_are_never_served_without_logging_in(client, user, contact):
    attachment = attachment_create(
        actor=user, upload=SimpleUploadedFile("a.txt", b"abc"), contact=contact
    )
    assert client.get(f"/api/v1/files/{attachment.pk}").status_code == 401
    page = client.get(f"/files/{attachment.pk}/")
    assert page.status_code == 302
    assert "/accounts/login/" in page["Location"]


def test_the_web_ui_serves_a_file_to_a_logged_in_user(client, user, contact):
    attachment = attachment_create(
        actor=user, upload=SimpleUploadedFile("a.html", b"<script>x</script>"), contact=contact
    )
    client.force_login(user)
    response = client.get(f"/files/{attachment.pk}/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_bytes_are_stored_under_a_name_that_reveals_nothing(user, contact):
    attachment = attachment_create(
        actor=user, upload=SimpleUploadedFile("Kündigung Koch.pdf", b"%PDF-1.4"), contact=contact
    )
    assert "Koch" not in attachment.file.name
    assert default_storage.exists(attachment.file.name)


@pytest.mark.django_db(transaction=True)
def test_deleting_a_file_or_its_record_removes_the_bytes(user):
    contact = ContactFactory(first_name="Temp")
    first = attachment_create(actor=user, upload=SimpleUploadedFile("a.txt", b"a"), contact=contact)
    second = attachment_create(
        actor=user,
        upload=SimpleUploadedFile("b.txt", b"b"),
        activity=ActivityFactory(author=user, contact=contact),
    )
    api = api_client_for(user)
    assert api.delete(f"/api/v1/files/{first.pk}").status_code == 204
    assert not default_storage.exists(first.file.name)
    contact.delete()
    assert not default_storage.exists(second.file.name)


def test_file_names_lose_directories_and_control_characters():
    assert clean_file_name("../../etc/passwd") == "passwd"
    assert clean_file_name("C:\\Users\\x\\bericht.docx") == "bericht.docx"
    assert clean_file_name("a\x00b\nc.txt") == "abc.txt"
    assert clean_file_name("") == "file"
    long = clean_file_name("x" * 300 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")


def test_an_organizations_files_are_those_of_what_the_user_sees_there(user, stranger, organization):
    """Its own files, its visible people's and their activities', and those of
    activities on the organization itself — not those of a colleague there
    whom the user may not see."""
    seen = ContactFactory(owner=user, organization_id=organization.pk)
    hidden = ContactFactory(owner=stranger)

    def attach(name: str, **to):
        actor = stranger if name.startswith("hidden") else user
        upload = SimpleUploadedFile(f"{name}.txt", name.encode())
        return attachment_create(actor=actor, upload=upload, **to)

    attach("organization", organization=organization)
    attach("seen", contact=seen)
    attach("hidden", contact=hidden)
    attach(
        "organization-call",
        activity=ActivityFactory(author=user, contact=None, organization=organization),
    )
    attach("seen-call", activity=ActivityFactory(author=user, contact=seen))
    hidden_call = ActivityFactory(author=stranger, contact=hidden)
    attach("hidden-call", activity=hidden_call)
    # The stranger's contact moves to the organization (which the stranger
    # may not see), the call with it.
    Contact.objects.filter(pk=hidden.pk).update(organization_id=organization.pk)
    Activity.objects.filter(pk=hidden_call.pk).update(organization_id=organization.pk)
    mine, theirs = api_client_for(user), api_client_for(stranger)

    def names(api, url: str) -> set[str]:
        answer = api.get(url)
        assert answer.status_code == 200, answer.content
        return {f["name"] for f in answer.json().get("items", answer.json().get("files"))}

    expected = {"organization.txt", "seen.txt", "organization-call.txt", "seen-call.txt"}
    assert names(mine, f"/api/v1/organizations/{organization.pk}/files") == expected
    assert names(mine, f"/api/v1/organizations/{organization.pk}/overview") == expected
    assert names(mine, f"/api/v1/contacts/{seen.pk}/files") == {"seen.txt", "seen-call.txt"}
    assert names(mine, f"/api/v1/contacts/{seen.pk}/overview") == {"seen.txt", "seen-call.txt"}
    assert names(theirs, f"/api/v1/contacts/{hidden.pk}/files") == {"hidden.txt", "hidden-call.txt"}
