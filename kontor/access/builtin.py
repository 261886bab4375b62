"""The object types of the apps that came before the access rules: contacts,
organizations, activities and files.

Ownership: a contact or an organization belongs to its owner. An activity or
a file has no owner of its own; it belongs to the record it is attached to
(its contact and organization, for a file also its activity), and in
addition to the colleague who wrote or uploaded it. So a sales rep sees the
history of their team's customers, and may change the notes they wrote
themselves under an ``own`` level."""

from django.utils.translation import gettext_lazy as _

from kontor.access.registry import Category, FieldSpec, ObjectType, register_object_type

STANDARD_OR_PERSONAL = (Category.STANDARD, Category.PERSONAL)

CONTACT = ObjectType(
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
)

ORGANIZATION = ObjectType(
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
)

ACTIVITY = ObjectType(
    key="activity",
    label=_("activity"),
    label_plural=_("activities"),
    model="activities.Activity",
    visible="kontor.activities.selectors.visible_activities",
    owner_paths=("author", "contact__owner", "organization__owner"),
    share_paths=(("", ""), ("contact", "contact"), ("organization", "organization")),
    parent_types=("contact", "organization"),
    fields=(
        FieldSpec("subject", _("subject")),
        FieldSpec("body", _("text"), output_keys=("body", "body_html")),
    ),
)

FILE = ObjectType(
    key="file",
    label=_("file"),
    label_plural=_("files"),
    model="files.Attachment",
    visible="kontor.files.selectors.visible_attachments",
    owner_paths=(
        "uploaded_by",
        "contact__owner",
        "organization__owner",
        "activity__author",
        "activity__contact__owner",
        "activity__organization__owner",
    ),
    share_paths=(
        ("", ""),
        ("activity", "activity"),
        ("contact", "contact"),
        ("organization", "organization"),
        ("activity__contact", "contact"),
        ("activity__organization", "organization"),
    ),
    parent_types=("activity", "contact", "organization"),
    fields=(FieldSpec("name", _("file name")),),
)


def register_builtin_types() -> None:
    for object_type in (CONTACT, ORGANIZATION, ACTIVITY, FILE):
        register_object_type(object_type)
