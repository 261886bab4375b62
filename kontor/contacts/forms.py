"""Forms of the web UI. They turn what a person typed into the ``data`` of the
contact services, and the services' FieldErrors back into messages next to the
fields the person typed into. Validation rules live in the services, not here."""

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from kontor.access.policy import fields_for
from kontor.access.sensitive import readable_custom_values
from kontor.contacts import selectors
from kontor.contacts.models import (
    Contact,
    ContactPointLabel,
    LifecycleStage,
    Organization,
)
from kontor.contacts.records import CONTACT, ORGANIZATION
from kontor.contacts.services import MAX_CONTACT_POINTS
from kontor.contacts.visibility import shown_organization
from kontor.core.users import UserChoiceField
from kontor.customfields.models import CustomFieldDefinition, CustomFieldType
from kontor.customfields.selectors import definitions_for
from kontor.sources.services import maintained_fields, source_label

User = AbstractBaseUser | AnonymousUser

# The services answer in English. These are the reasons a person can meet in a
# form; listing them here puts them into the translation catalog.
SERVICE_REASONS = (
    gettext_noop("must be text"),
    gettext_noop("must be a number"),
    gettext_noop("must be a finite number"),
    gettext_noop("must be a date as YYYY-MM-DD"),
    gettext_noop("must be an existing date as YYYY-MM-DD"),
    gettext_noop("must be between -10^15 and 10^15"),
    gettext_noop("must not contain NUL characters or unpaired surrogates"),
    gettext_noop("must be true or false"),
    gettext_noop("must be a non-empty text"),
    gettext_noop("is required"),
    gettext_noop("is not an active user"),
    gettext_noop("is not an existing organization"),
    gettext_noop("Give at least a first or last name, an email address or a phone number."),
    gettext_noop("A contact needs at least a name, an email address or a phone number."),
    gettext_noop("Give a name, a website or an email address."),
    gettext_noop("An organization needs a name."),
    gettext_noop("An email address must have an @-sign."),
    gettext_noop("There must be something before the @-sign."),
    gettext_noop("There must be something after the @-sign."),
    gettext_noop("An email address cannot have two periods in a row."),
    gettext_noop("The part after the @-sign is not valid. It should have a period."),
    gettext_noop(
        "The part after the @-sign is not valid. It is not within a valid top-level domain."
    ),
    gettext_noop("The email address contains invalid characters before the @-sign."),
    gettext_noop("A phone number must contain digits."),
    gettext_noop("A phone number must not contain control characters."),
    gettext_noop(
        "Not a possible phone number (wrong length for its country); "
        "international numbers need a + or 00 prefix."
    ),
    gettext_noop("The string supplied did not seem to be a phone number."),
    gettext_noop("The string supplied is too short to be a phone number."),
    gettext_noop("The string supplied is too long to be a phone number."),
    gettext_noop("Could not interpret numbers after plus-sign."),
)  # fmt: skip
SERVICE_REASON_PATTERNS = (
    (re.compile(r"^must be one of: (?P<values>.*)$"), gettext_noop("must be one of: %(values)s")),
    (
        re.compile(r"^must be at most (?P<limit>\d+) characters$"),
        gettext_noop("must be at most %(limit)s characters"),
    ),
    (
        re.compile(r"^A phone extension must be at most (?P<limit>\d+) digits\.$"),
        gettext_noop("A phone extension must be at most %(limit)s digits."),
    ),
    (
        re.compile(r"^Not a phone number: (?P<reason>.*)$"),
        gettext_noop("Not a phone number: %(reason)s"),
    ),
)


def translate_reason(reason: str) -> str:
    """A service's reason in the language of the request, where the catalog has it."""
    for pattern, message in SERVICE_REASON_PATTERNS:
        if match := pattern.match(reason):
            parts = {name: translate_reason(value) for name, value in match.groupdict().items()}
            return gettext(message) % parts
    return gettext(reason)


def active_users() -> QuerySet:
    """The people a record can be assigned to, with what their names need."""
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    return users.only("pk", "username", "first_name", "last_name")


def split_tags(text: str) -> list[str]:
    return [name.strip() for name in (text or "").split(",") if name.strip()]


# Filters of the lists ------------------------------------------------------------


class PartyFilterForm(forms.Form):
    """The search box and filters above a list; invalid values are ignored."""

    search_placeholder = _("Name, email or phone")

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    lifecycle_stage = forms.ChoiceField(
        label=_("Lifecycle stage"),
        required=False,
        choices=[("", _("All stages")), *LifecycleStage.choices],
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=64)
    owner = UserChoiceField(
        label=_("Owner"), required=False, queryset=active_users(), empty_label=_("Anyone")
    )
    quality_below = forms.IntegerField(
        label=_("Quality below"), required=False, min_value=0, max_value=100
    )

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        self.fields["q"].widget.attrs["placeholder"] = self.search_placeholder
        self.fields["owner"].queryset = active_users()
        self.is_valid()

    def selector_params(self) -> dict[str, Any]:
        values = self.cleaned_data
        owner = values.get("owner")
        return {
            "q": values.get("q") or "",
            "lifecycle_stage": values.get("lifecycle_stage") or None,
            "tag": values.get("tag") or None,
            "owner_id": owner.pk if owner else None,
            "quality_below": values.get("quality_below"),
        }

    @property
    def is_filtered(self) -> bool:
        return any(self.selector_params().values())


class ContactFilterForm(PartyFilterForm):
    search_placeholder = _("Name, email, phone or organization")

    organization = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def selector_params(self) -> dict[str, Any]:
        organization_id = self.cleaned_data.get("organization")
        return {**super().selector_params(), "organization_id": organization_id}


class OrganizationFilterForm(PartyFilterForm):
    pass


# Create and edit -----------------------------------------------------------------


class ContactPointRow(NamedTuple):
    number: int  # 1-based, for labels
    value: forms.BoundField
    label: forms.BoundField


# No type="email": browsers would rewrite international domains to punycode.
ROW_INPUT_ATTRS = {
    "email": {"inputmode": "email", "autocomplete": "off", "spellcheck": "false"},
    "phone": {"type": "tel", "autocomplete": "off"},
}
_ITEM_ERROR = re.compile(r"^(?P<kind>emails|phones|tags)\[(?P<index>\d+)\](?:\.(?P<part>\w+))?$")


class PartyForm(forms.Form):
    """What contacts and organizations share: lifecycle, owner, email
    addresses, phone numbers, tags, notes and custom fields."""

    object_type: str = ""
    # Fields whose service error key differs from the form field's name.
    error_fields: dict[str, str] = {"owner_id": "owner"}
    min_rows = 2

    lifecycle_stage = forms.ChoiceField(
        label=_("Lifecycle stage"), choices=LifecycleStage.choices, initial=LifecycleStage.LEAD
    )
    owner = UserChoiceField(
        label=_("Owner"), required=False, queryset=active_users(), empty_label=_("Nobody")
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate several tags with commas.")
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        user: User,
        record: Contact | Organization | None = None,
        initial: Mapping[str, Any] | None = None,
    ) -> None:
        self.user = user
        self.record = record
        # Only fields the user's roles may read are shown, and only those they
        # may edit are in the form (kontor.access).
        self.field_access = fields_for(user, self.object_type)
        self._stored_custom = (
            readable_custom_values(user, record, self.object_type) if record is not None else {}
        )
        start = self.initial_from_record(record) if record is not None else {}
        super().__init__(data, initial={**start, **(initial or {})})
        self.fields["owner"].queryset = active_users()
        # An edit must say which version it started from.
        self.fields["version"].required = record is not None
        self._sent_rows: dict[str, list[int]] = {"emails": [], "phones": []}
        self.email_rows = self._add_rows(data, "email", "address", _("Email address"))
        self.phone_rows = self._add_rows(data, "phone", "number", _("Phone number"))
        self._drop_uneditable_fields()
        self.custom_definitions = [
            d
            for d in definitions_for(self.object_type)
            if self.field_access.may_edit(f"custom.{d.key}")
        ]
        for definition in self.custom_definitions:
            self.fields[f"custom_{definition.key}"] = custom_form_field(definition)
        self.maintained: dict[str, str] = {}
        if record is not None:
            self._show_maintained(maintained_fields(self.object_type, record.pk))

    # The form's fields of a service field, where their names differ.
    form_fields_of: dict[str, tuple[str, ...]] = {}

    def _show_maintained(self, owned: Mapping[str, str]) -> None:
        """Fields an outside source (an ERP) maintains are shown, not edited:
        "Maintained in SAP" (kontor.sources)."""
        for key, source in owned.items():
            label = source_label(source)
            if key in ("emails", "phones"):
                rows = self.email_rows if key == "emails" else self.phone_rows
                names: tuple[str, ...] = tuple(
                    bound.name for row in rows for bound in (row.value, row.label)
                )
            else:
                names = self.form_fields_of.get(key, (key,))
            shown = [name for name in names if name in self.fields]
            for name in shown:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Maintained in %(source)s; change it there.") % {
                    "source": label
                }
            if shown:
                self.maintained[key] = label

    def _drop_uneditable_fields(self) -> None:
        for kind, prefix in (("emails", "email"), ("phones", "phone")):
            if not self.field_access.may_edit(kind):
                for row in getattr(self, f"{prefix}_rows"):
                    del self.fields[row.value.name]
                    del self.fields[row.label.name]
                setattr(self, f"{prefix}_rows", [])
                setattr(self, f"_{prefix}_rows_posted", 0)
        if not self.field_access.may_edit("notes"):
            del self.fields["notes"]

    # Rendering -----------------------------------------------------------------

    def _add_rows(
        self, data: Mapping[str, Any] | None, kind: str, key: str, noun: str
    ) -> list[ContactPointRow]:
        """Rows of value + label: the posted ones, else the record's plus a spare."""
        posted = 0
        if data is not None:
            while posted < MAX_CONTACT_POINTS and f"{kind}_{posted}_{key}" in data:
                posted += 1
        setattr(self, f"_{kind}_rows_posted", posted)
        stored = sum(1 for name in self.initial if re.fullmatch(rf"{kind}_\d+_{key}", name))
        count = min(MAX_CONTACT_POINTS, max(posted, stored + 1, self.min_rows))
        rows = []
        for index in range(count):
            value_name, label_name = f"{kind}_{index}_{key}", f"{kind}_{index}_label"
            self.fields[value_name] = forms.CharField(
                label=f"{noun} {index + 1}",
                required=False,
                max_length=320 if kind == "email" else 64,
                widget=forms.TextInput(attrs=ROW_INPUT_ATTRS[kind]),
            )
            self.fields[label_name] = forms.ChoiceField(
                label=_("Label of %(noun)s %(number)s") % {"noun": noun, "number": index + 1},
                choices=ContactPointLabel.choices,
                initial=ContactPointLabel.WORK,
            )
            rows.append(ContactPointRow(index + 1, self[value_name], self[label_name]))
        return rows

    @property
    def custom_fields(self) -> list[forms.BoundField]:
        return [self[f"custom_{d.key}"] for d in self.custom_definitions]

    def initial_from_record(self, record: Contact | Organization) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "lifecycle_stage": record.lifecycle_stage,
            "owner": record.owner_id,
            "tags": ", ".join(tag.name for tag in record.tag_list),
            "notes": record.notes,
            "version": record.version,
        }
        for index, email in enumerate(record.email_list):
            initial[f"email_{index}_address"] = email.address
            initial[f"email_{index}_label"] = email.label
        for index, phone in enumerate(record.phone_list):
            initial[f"phone_{index}_number"] = phone.raw
            initial[f"phone_{index}_label"] = phone.label
        for key, value in self._stored_custom.items():
            initial[f"custom_{key}"] = value if isinstance(value, bool) else str(value)
        return initial

    # Form data → service data ------------------------------------------------------

    def service_data(self) -> dict[str, Any]:
        values = self.cleaned_data
        owner = values.get("owner")
        data: dict[str, Any] = {
            "lifecycle_stage": values["lifecycle_stage"],
            "owner_id": owner.pk if owner else None,
            "tags": split_tags(values.get("tags", "")),
            "custom": self._custom_values(),
        }
        if "notes" in self.fields:
            data["notes"] = values.get("notes", "")
        # A form posted without any rows of a kind leaves that kind unchanged.
        if self._email_rows_posted:
            data["emails"] = self._contact_points("emails", "email", "address")
        if self._phone_rows_posted:
            data["phones"] = self._contact_points("phones", "phone", "number")
        return data

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")

    def _contact_points(self, kind: str, prefix: str, key: str) -> list[dict[str, str]]:
        items = []
        self._sent_rows[kind] = []
        for index in range(getattr(self, f"_{prefix}_rows_posted")):
            value = (self.cleaned_data.get(f"{prefix}_{index}_{key}") or "").strip()
            if not value:
                continue
            label = self.cleaned_data.get(f"{prefix}_{index}_label") or ContactPointLabel.WORK
            items.append({key: value, "label": label})
            self._sent_rows[kind].append(index)
        return items

    def _custom_values(self) -> dict[str, Any]:
        """Values to write: the ones typed, ``None`` for the ones emptied. A
        field left empty that never had a value is not sent, so records made
        before a field became required stay editable."""
        stored = self._stored_custom
        values: dict[str, Any] = {}
        for definition in self.custom_definitions:
            key, name = definition.key, f"custom_{definition.key}"
            if name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if definition.field_type == CustomFieldType.BOOLEAN:
                if value or key in stored or definition.required:
                    values[key] = bool(value)
                continue
            if value in (None, ""):
                if key in stored:
                    values[key] = None
                continue
            if definition.field_type == CustomFieldType.CHOICE:
                value = {str(choice): choice for choice in definition.choices}.get(value, value)
            values[key] = value
        return values

    # Service errors → form fields -----------------------------------------------

    def add_service_errors(self, errors: Mapping[str, Iterable[str]]) -> None:
        for key, reasons in errors.items():
            messages = [translate_reason(reason) for reason in reasons]
            field = self._field_for_error(key)
            if field is None and key != "__all__":
                messages = [f"{key}: {message}" for message in messages]
            self.add_error(field, messages)

    def _field_for_error(self, key: str) -> str | None:
        if key in self.error_fields:
            return self.error_fields[key]
        if match := _ITEM_ERROR.match(key):
            kind = match["kind"]
            if kind == "tags":
                return "tags"
            prefix, main = ("email", "address") if kind == "emails" else ("phone", "number")
            sent = self._sent_rows[kind]
            index = int(match["index"])
            if index < len(sent):
                part = "label" if match["part"] == "label" else main
                return f"{prefix}_{sent[index]}_{part}"
            return None
        if key.startswith("custom."):
            name = f"custom_{key.removeprefix('custom.')}"
            return name if name in self.fields else None
        if key != "__all__" and key in self.fields and key != "version":
            return key
        return None


def custom_form_field(definition: CustomFieldDefinition) -> forms.Field:
    """A form field of the type the administrator chose."""
    # The service enforces "required" (on creation, and when a value is
    # cleared), so that records older than the rule stay editable.
    options: dict[str, Any] = {
        "label": definition.label,
        "required": False,
        "help_text": definition.help_text,
    }
    kind = definition.field_type
    field = _custom_form_field(kind, definition, options)
    # Marked in the form: almost nothing else is required in a dirty CRM.
    field.mark_required = definition.required
    return field


def _custom_form_field(
    kind: str, definition: CustomFieldDefinition, options: dict[str, Any]
) -> forms.Field:
    if kind == CustomFieldType.NUMBER:
        # The service reads the number, also with a decimal comma.
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **options)
    if kind == CustomFieldType.DATE:
        # Browsers send a date field as YYYY-MM-DD, which the service reads.
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **options)
    if kind == CustomFieldType.BOOLEAN:
        # Unticked means "no", which is an answer also for a required field.
        return forms.BooleanField(**options)
    if kind == CustomFieldType.CHOICE:
        choices = [(str(choice), str(choice)) for choice in definition.choices]
        return forms.ChoiceField(choices=[("", "—"), *choices], **options)
    return forms.CharField(max_length=10_000, **options)


class ContactForm(PartyForm):
    object_type = CONTACT.key
    error_fields = {"owner_id": "owner", "organization_id": "organization"}
    form_fields_of = {"organization_id": ("organization", "organization_id")}

    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    organization = forms.CharField(
        label=_("Organization"),
        required=False,
        max_length=255,
        help_text=_("The organization's name as it is stored; leave empty for none."),
    )
    organization_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    field_order = ["first_name", "last_name", "organization", "lifecycle_stage", "owner"]

    def initial_from_record(self, record: Contact) -> dict[str, Any]:
        initial = super().initial_from_record(record)
        initial.update(first_name=record.first_name, last_name=record.last_name)
        # An organization the user may not read is not shown (nor its name).
        if (organization := shown_organization(self.user, record)) is not None:
            initial.update(organization=organization.name, organization_id=organization.pk)
        return initial

    def clean(self) -> dict[str, Any]:
        values = super().clean()
        values["organization_record"] = None
        name = (values.get("organization") or "").strip()
        if name:
            values["organization_record"] = self._organization_named(
                name, values.get("organization_id")
            )
        return values

    def _organization_named(self, name: str, chosen_id: Any) -> Organization | None:
        """The organization the person means: the one chosen before (from the
        organization's page or the stored record) while its name is unchanged,
        else the only visible one with that name."""
        if chosen_id:
            chosen = selectors.organization_get(user=self.user, organization_id=chosen_id)
            if chosen is not None and chosen.name == name:
                return chosen
        organizations = selectors.visible_organizations(self.user).order_by("name", "id")
        matches = list(organizations.filter(name=name)[:2]) or list(
            organizations.filter(name__iexact=name)[:2]
        )
        if not matches:
            self.add_error(
                "organization",
                _("No organization is called “%(name)s”. Check the spelling or create it first.")
                % {"name": name},
            )
            return None
        if len(matches) > 1:
            self.add_error(
                "organization",
                _(
                    "Several organizations are called “%(name)s”. Add the contact from the "
                    "page of the right organization."
                )
                % {"name": name},
            )
            return None
        return matches[0]

    def service_data(self) -> dict[str, Any]:
        organization = self.cleaned_data.get("organization_record")
        data = {
            "first_name": self.cleaned_data.get("first_name", ""),
            "last_name": self.cleaned_data.get("last_name", ""),
            **super().service_data(),
        }
        # The field of a contact whose organization the user may not read
        # starts empty; left empty, it keeps that organization.
        keeps_hidden = (
            self.record is not None
            and self.record.organization_id is not None
            and shown_organization(self.user, self.record) is None
        )
        if organization is not None or not keeps_hidden:
            data["organization_id"] = organization.pk if organization else None
        return data


class OrganizationForm(PartyForm):
    object_type = ORGANIZATION.key

    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=255,
        help_text=_("If you leave it empty, the website's or email address's domain is used."),
    )
    website = forms.CharField(label=_("Website"), required=False, max_length=255)

    field_order = ["name", "website", "lifecycle_stage", "owner"]

    def initial_from_record(self, record: Organization) -> dict[str, Any]:
        initial = super().initial_from_record(record)
        initial.update(name=record.name, website=record.website)
        return initial

    def service_data(self) -> dict[str, Any]:
        return {
            "name": self.cleaned_data.get("name", ""),
            "website": self.cleaned_data.get("website", ""),
            **super().service_data(),
        }
