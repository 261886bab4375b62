"""The contact and organization record types, registered in
``ContactsConfig.ready`` (kontor.core.records).

Ownership: a contact or an organization belongs to its owner; its shares
reach it directly."""

from django.utils.translation import gettext_lazy as _

from kontor.contacts import warehouse
from kontor.contacts.models import LifecycleStage
from kontor.contacts.sync_kinds import CONTACTS_SYNC, ORGANIZATIONS_SYNC
from kontor.core.records import (
    STANDARD_OR_PERSONAL,
    Category,
    ExportSpec,
    FieldSpec,
    MergeSpec,
    PersonalData,
    RecordType,
    RetentionDefault,
    RetentionSpec,
    SearchSpec,
)

# The columns of the exports (kontor.exports), in file order.
# Legal grounds of the default retention rules (docs/privacy.md).
NO_LONGER_NEEDED = "Art. 5(1)(e), Art. 17(1)(a) GDPR (no longer needed for the purpose)"
LIMITATION_PERIOD = "§§ 195, 199 BGB (regular limitation period of claims); Art. 17(1)(a) GDPR"

CONTACT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "display_name",
    "organization",
    "organization_id",
    "lifecycle_stage",
    "owner",
    "owner_id",
    "tags",
    "emails",
    "phones",
    "notes",
    "created_at",
    "updated_at",
)
ORGANIZATION_COLUMNS = (
    "id",
    "name",
    "website",
    "domain",
    "lifecycle_stage",
    "owner",
    "owner_id",
    "tags",
    "emails",
    "phones",
    "notes",
    "created_at",
    "updated_at",
)

# What a duplicate merge may take from a merged record (kontor.dedupe).
CONTACT_MERGE_FIELDS = (
    "first_name",
    "last_name",
    "organization_id",
    "lifecycle_stage",
    "owner_id",
    "notes",
    "tags",
)
ORGANIZATION_MERGE_FIELDS = ("name", "website", "lifecycle_stage", "owner_id", "notes", "tags")


CONTACT = RecordType(
    key="contact",
    label=_("contact"),
    label_plural=_("contacts"),
    model="contacts.Contact",
    visible="kontor.contacts.selectors.visible_contacts",
    owner_paths=("owner",),
    # Restriction of processing (GDPR Art. 18), set by the data protection officer.
    restricted_by=("processing_restricted_at",),
    custom_fields=True,
    fields=(
        # A record's identity is shown to everyone who may see the record.
        FieldSpec("name", _("name"), output_keys=("first_name", "last_name", "display_name")),
        FieldSpec(
            "organization", _("organization"), output_keys=("organization_id", "organization")
        ),
        FieldSpec("lifecycle_stage", _("lifecycle stage")),
        FieldSpec("owner", _("owner"), output_keys=("owner_id", "owner")),
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
    personal_data=PersonalData(
        links=("",),
        find="kontor.contacts.selectors.persons_with",
        erase="kontor.contacts.erasure.erase_contact",
        identifiers="kontor.contacts.erasure.contact_identifiers",
        restrict="kontor.contacts.restriction.contact_restrict_processing",
    ),
    retention=RetentionSpec(
        expired="kontor.contacts.retention.contacts_without_interaction",
        counted_from=_("the last interaction (activity) with the person"),
        category_field="lifecycle_stage",
        categories=tuple(LifecycleStage.choices),
        defaults=(
            RetentionDefault(24, NO_LONGER_NEEDED, category=LifecycleStage.LEAD),
            RetentionDefault(24, NO_LONGER_NEEDED, category=LifecycleStage.PROSPECT),
            RetentionDefault(36, LIMITATION_PERIOD, category=LifecycleStage.FORMER),
        ),
    ),
    # The contacts of an organization merged into another go with it.
    merge_links=("organization",),
    merge=MergeSpec(
        values="kontor.contacts.merging.compared_values",
        fields=CONTACT_MERGE_FIELDS,
        field_values="kontor.contacts.merging.field_values",
        update="kontor.contacts.merging.merge_update",
        retire="kontor.contacts.merging.retire_merged",
        restore="kontor.contacts.merging.restore_merged",
        moved="kontor.contacts.search.refresh_contact_search",
    ),
    warehouse=(warehouse.CONTACT,),
    sync=CONTACTS_SYNC,
    export=ExportSpec(
        columns=CONTACT_COLUMNS,
        rows="kontor.contacts.exports.contact_rows",
        vcard=(
            ("fn", "display_name"),
            ("n.family", "last_name"),
            ("n.given", "first_name"),
            ("org", "organization"),
            ("email", "emails"),
            ("tel", "phones"),
            ("note", "notes"),
            ("categories", "tags"),
        ),
    ),
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
        FieldSpec("owner", _("owner"), output_keys=("owner_id", "owner")),
        FieldSpec("tags", _("tags")),
        FieldSpec("emails", _("email addresses"), Category.STANDARD, STANDARD_OR_PERSONAL),
        FieldSpec("phones", _("phone numbers"), Category.STANDARD, STANDARD_OR_PERSONAL),
        FieldSpec("notes", _("notes"), Category.STANDARD, STANDARD_OR_PERSONAL),
    ),
    api_parameter="organization_id",
    events=("created", "updated", "deleted", "archived"),
    serialize="kontor.contacts.payloads.organization_answer",
    search=SearchSpec(fields=("name", "domain", "emails__normalized", "phones__digits")),
    merge=MergeSpec(
        values="kontor.contacts.merging.compared_values",
        fields=ORGANIZATION_MERGE_FIELDS,
        field_values="kontor.contacts.merging.field_values",
        update="kontor.contacts.merging.merge_update",
        retire="kontor.contacts.merging.retire_merged",
        restore="kontor.contacts.merging.restore_merged",
        moved="kontor.contacts.search.refresh_organization_contacts",
    ),
    warehouse=(warehouse.ORGANIZATION,),
    sync=ORGANIZATIONS_SYNC,
    export=ExportSpec(
        columns=ORGANIZATION_COLUMNS,
        rows="kontor.contacts.exports.organization_rows",
        vcard=(
            ("fn", "name"),
            ("org", "name"),
            ("email", "emails"),
            ("tel", "phones"),
            ("url", "website"),
            ("note", "notes"),
            ("categories", "tags"),
        ),
        vcard_kind="org",
    ),
)
