"""Factories for tests. Records are made through the services, so they carry
the same derived values (normalized contact points, display names) as real data."""

import factory
from django.contrib.auth import get_user_model

from kontor.access.grants import forget_access
from kontor.access.models import Role, Team
from kontor.activities.models import Activity
from kontor.activities.services import activity_create
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

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        """Slugs of default roles (kontor.access). Users act as administrators
        unless a test names their roles: ``roles=["sales"]``, ``roles=[]``."""
        if not create:
            return
        slugs = ["administrator"] if extracted is None else list(extracted)
        roles = list(Role.objects.filter(slug__in=slugs))
        assert len(roles) == len(set(slugs)), f"unknown roles among {slugs}"
        obj.kontor_roles.set(roles)
        forget_access(obj)

    @factory.post_generation
    def teams(obj, create, extracted, **kwargs):
        """Names of teams to put the user in (made when missing)."""
        if create and extracted:
            for name in extracted:
                Team.objects.get_or_create(name=name)[0].members.add(obj)
            forget_access(obj)


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


class ActivityFactory(factory.Factory):
    """Logs an activity through the service. Pass ``contact`` and/or
    ``organization`` (``contact=None`` for an organization's own activity) and
    any field under its API name; a note by default."""

    class Meta:
        model = Activity

    author = factory.SubFactory(UserFactory)
    contact = factory.SubFactory(ContactFactory)
    kind = "note"
    body = factory.Faker("sentence", locale="de_DE")

    @classmethod
    def _create(cls, model_class, author, contact=None, organization=None, **data):
        links = {}
        if contact is not None:
            links["contact_id"] = contact.pk
        if organization is not None:
            links["organization_id"] = organization.pk
        return activity_create(actor=author, data={**links, **data})
