"""The file record type, registered in ``FilesConfig.ready``
(kontor.core.records).

A file belongs to the record it is attached to (a contact, an organization
or an activity, and through the activity its contact and organization) and
in addition to the colleague who uploaded it."""

from django.utils.translation import gettext_lazy as _

from kontor.core.records import FieldSpec, PersonalData, RecordType

FILE = RecordType(
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
    restricted_by=(
        "contact__processing_restricted_at",
        "activity__contact__processing_restricted_at",
    ),
    fields=(FieldSpec("name", _("file name")),),
    api_parameter="file_id",
    serialize="kontor.files.payloads.file_answer",
    events=("created", "deleted"),
    personal_data=PersonalData(
        links=("contact", "activity__contact"),
        files=("file",),
        erase="kontor.files.erasure.erase_files",
        erase_order=20,
    ),
    merge_links=("contact", "organization"),
)
