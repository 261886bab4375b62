from tests.factories import ContactFactory


def test_a_contact_created_from_only_an_email_is_found_by_lookup(api):
    created = api.post("/api/v1/contacts", {"email": "Max@Example.COM"})
    assert created.status_code == 201

    found = api.get("/api/v1/lookup", {"email": "max@example.com"}).json()["matches"]

    assert [m["id"] for m in found] == [created.json()["id"]]


def test_factories_make_contacts_through_the_service(db):
    contact = ContactFactory(first_name="Anna", last_name="Schmidt")
    assert contact.display_name == "Anna Schmidt"
    assert contact.version == 1
