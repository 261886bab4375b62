from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "kontor.contacts"
    label = "contacts"
    verbose_name = _("Customers and prospects")

    def ready(self) -> None:
        from kontor.contacts import checks  # noqa: F401  (registers them)
        from kontor.contacts.records import CONTACT, ORGANIZATION
        from kontor.core.encryption import register_encrypted_column
        from kontor.core.records import MergeLink, register_merge_link, register_record_type

        register_record_type(CONTACT)
        register_record_type(ORGANIZATION)
        # A merge keeps one copy of each email address and phone number.
        register_merge_link(
            MergeLink(
                key="email_address",
                model="contacts.EmailAddress",
                paths=("contact", "organization"),
                unique=("normalized",),
            )
        )
        register_merge_link(
            MergeLink(
                key="phone_number",
                model="contacts.PhoneNumber",
                paths=("contact", "organization"),
                unique=("e164", "extension"),
            )
        )
        register_encrypted_column("contacts.Contact", "custom_sensitive")
        register_encrypted_column("contacts.Organization", "custom_sensitive")
        post_migrate.connect(_ensure_search_index, sender=self)


def _ensure_search_index(sender, using: str, **kwargs) -> None:
    from django.db import connections

    from kontor.contacts.search import ensure_sqlite_search_index, fill_contact_search_if_empty

    ensure_sqlite_search_index(connections[using])
    fill_contact_search_if_empty(connections[using])
