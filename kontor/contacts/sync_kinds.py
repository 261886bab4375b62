"""How an outside system (an ERP) syncs organizations and contacts
(kontor.core.records.SyncSpec): the fields it may deliver (these become
read-only in Kontor for its records: notes, tags and the history stay
Kontor's) and the functions in ``kontor.contacts.sync`` that apply them."""

from kontor.core.records import SyncSpec

ORGANIZATIONS_SYNC = SyncSpec(
    kind="organizations",
    fields=("name", "website", "lifecycle_stage", "emails", "phones"),
    apply="kontor.contacts.sync.apply_organization",
    archive="kontor.contacts.sync.archive_organization",
    create_many="kontor.contacts.sync.create_organizations",
)
CONTACTS_SYNC = SyncSpec(
    kind="contacts",
    fields=("first_name", "last_name", "lifecycle_stage", "emails", "phones"),
    references=(("organization_external_id", "organizations", "organization_id"),),
    apply="kontor.contacts.sync.apply_contact",
    archive="kontor.contacts.sync.archive_contact",
    create_many="kontor.contacts.sync.create_contacts",
)
