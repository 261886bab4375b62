"""Factories for tests. Records are made through the services, so they carry
the same derived values (normalized contact points, display names) as real data."""

import factory
from django.contrib.auth import get_user_model

from kontor.contacts.models import Contact, Organization
from kontor.contacts.services import contact_create, organization_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@kontor.example")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class _ServiceFactory(factory.Factory):
    """Passes every declared attribute as the service's ``data``."""

    owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, owner, **data):
        return cls._service(actor=owner, data={"owner_id": owner.pk, **data})


class OrganizationFactory(_ServiceFactory):
    class Meta:
        model = Organization

    name = factory.Faker("company", locale="de_DE")

    _service = staticmethod(organization_create)


class ContactFactory(_ServiceFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")

    _service = staticmethod(contact_create)
