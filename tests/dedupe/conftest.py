import pytest

from kontor.contacts.services import contact_create, organization_create


def make_contact(actor, first, last, *, owner=None, emails=(), phones=(), **data):
    return contact_create(
        actor=actor,
        data={
            "first_name": first,
            "last_name": last,
            "owner_id": (owner or actor).pk,
            "emails": [{"address": e} for e in emails],
            "phones": [{"number": p} for p in phones],
            **data,
        },
    )


def make_organization(actor, name, *, owner=None, **data):
    return organization_create(
        actor=actor, data={"name": name, "owner_id": (owner or actor).pk, **data}
    )


@pytest.fixture
def meiers(user):
    """Two spellings of one person and somebody else."""
    hans = make_contact(user, "Hans", "Meier", emails=["hans@meier.example"])
    hans_again = make_contact(user, "Hans", "Meyer", emails=["Hans@Meier.example"])
    other = make_contact(user, "Petra", "Schulz", emails=["petra@schulz.example"])
    return hans, hans_again, other
