"""The contact and organization record types, registered in
``ContactsConfig.ready`` (kontor.core.records).

Ownership: a contact or an organization belongs to its owner; its shares
reach it directly."""

from django.utils.translation import gettext_lazy as _

from kontor.contacts.sync_kinds import CONTACTS_SYNC, ORGANIZATIONS_SYNC
from kontor.core.records import (
    STANDARD_OR_PERSONAL,
    Category,
    FieldSpec,
    PersonalData,
    RecordType,
    SearchSpec,
    WarehouseSpec,
)

CONTACT = RecordType(
    key="contact",
    label=_("contact"),
    label_plural=_("contacts"),
    model="contacts.Contact",
    visible="kontor.contacts.selectors.visible_contacts",
    owner_paths=("owner",),
    custom_fields=True,
    fields=(
        # A record's identity is shown to everyone who may see the record.
        FieldSpec("name", _("name"), output_keys=("first_name", "last_name", "display_name")),
        FieldSpec(
            "organization", _("organization"), output_keys=("organization_id", "organization")
        ),
        FieldSpec("lifecycle_stage", _("lifecycle stage")),
        FieldSpec("owner", _("owner"), output_keys=("owner_id",)),
        FieldSpec("tags", _("tags")),
        FieldSpec("emails", _("email addresses"), Category.PERSONAL, STANDARD_OR_PERSONAL),
        FieldSpec("phones", _("phone numbers"), Category.PERSONAL, STANDARD_OR_PERSONAL),
        FieldSpec("notes", _("notes"), Category.STANDARD, STANDARD_OR_PERSONAL),
    ),
    references=(("organization", "organization"),),
    api_parameter="contact_id",
    events=("created", "updated", "deleted", "archived"),
    serialize="kontor.contacts.payloads.contact_answer",
    search=SearchSpec(
        fields=("display_name", "emails__normalized", "phones__digits", "organization__name")
    ),
    personal_data=PersonalData(links=("",), find="kontor.contacts.selectors.persons_with"),
    merge_links=(),
    warehouse=WarehouseSpec(table="dim_contact"),
    sync=CONTACTS_SYNC,
)

ORGANIZATION = RecordType(
    key="organization",
    label=_("organization"),
    label_plural=_("organizations"),
    model="contacts.Organization",
    visible="kontor.contacts.selectors.visible_organizations",
    owner_paths=("owner",),
    custom_fields=True,
    fields=(
        FieldSpec("name", _("name"), output_keys=("name", "display_name")),
        FieldSpec("website", _("website"), output_keys=("website", "domain")),
        FieldSpec("lifecycle_stage", _("lifecycle stage")),
        FieldSpec("owner", _("owner"), output_keys=("owner_id",)),
        FieldSpec("tags", _("tags")),
        FieldSpec("emails", _("email addresses"), Category.STANDARD, STANDARD_OR_PERSONAL),
        FieldSpec("phones", _("phone numbers"), Category.STANDARD, STANDARD_OR_PERSONAL),
        FieldSpec("notes", _("notes"), Category.STANDARD, STANDARD_OR_PERSONAL),
    ),
    api_parameter="organization_id",
    events=("created", "updated", "deleted", "archived"),
    serialize="kontor.contacts.payloads.organization_answer",
    search=SearchSpec(fields=("name", "domain", "emails__normalized", "phones__digits")),
    warehouse=WarehouseSpec(table="dim_organization"),
    sync=ORGANIZATIONS_SYNC,
)
