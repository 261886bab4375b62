"""Web UI of organizations and contacts: thin views that read through the
selectors and write through the services, like the API does."""

import contextlib
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kontor.access.policy import can, fields_for, may_use_level, require
from kontor.access.rights import Action
from kontor.access.sensitive import readable_custom_values
from kontor.contacts import selectors, services
from kontor.contacts.forms import (
    ContactFilterForm,
    ContactForm,
    OrganizationFilterForm,
    OrganizationForm,
)
from kontor.contacts.models import (
    Contact,
    Organization,
)
from kontor.contacts.records import CONTACT, ORGANIZATION
from kontor.contacts.visibility import note_visible_organizations
from kontor.core.db_router import reads_from_replica
from kontor.core.exceptions import FieldErrors, PermissionDenied, VersionConflict
from kontor.core.pagination import Page
from kontor.core.records import merged_into, possible_duplicates
from kontor.customfields.models import CustomFieldType
from kontor.customfields.selectors import definitions_for
from kontor.exports.http import export_download
from kontor.exports.menu import export_links

PAGE_SIZE = 25
BY_NAME = ("display_name", "id")
BY_ORGANIZATION_NAME = ("name", "id")


# Helpers -----------------------------------------------------------------------


def _merged_away(
    request: HttpRequest, record: Contact | Organization, key: str, route: str
) -> HttpResponse | None:
    """The page of a record merged into another leads to the survivor."""
    if record.archived_at and (survivor := merged_into(key, record.pk)):
        messages.info(request, _("That record was merged into this one."))
        return redirect(reverse(route, args=[survivor]))
    return None


def _visible_contact(request: HttpRequest, contact_id: UUID) -> Contact:
    contact = selectors.contact_get(user=request.user, contact_id=contact_id)
    if contact is None:
        raise Http404
    return contact


def _visible_organization(request: HttpRequest, organization_id: UUID) -> Organization:
    organization = selectors.organization_get(user=request.user, organization_id=organization_id)
    if organization is None:
        raise Http404
    return organization


def _page(request: HttpRequest, found: selectors.Found, order: tuple[str, str]) -> Page:
    try:
        return found.page(order=order, limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None)
    except FieldErrors:
        messages.warning(request, _("That page link no longer works; here is the first page."))
        return found.page(order=order, limit=PAGE_SIZE, cursor=None)


def _query_with(request: HttpRequest, **changes: str | None) -> str:
    """The current URL with some query parameters replaced (``None`` removes one)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return f"{request.path}?{query.urlencode()}" if query else request.path


@dataclass(frozen=True)
class CustomValue:
    label: str
    kind: str
    value: Any


def _custom_values(
    user: Any, record: Contact | Organization, object_type: str
) -> list[CustomValue]:
    """Every custom field the user may read, in the administrator's order
    (``None`` where the record has no value); values of fields deleted since
    are shown under their key, so nothing is hidden."""
    values = []
    stored = readable_custom_values(user, record, object_type)
    fields = fields_for(user, object_type)
    definitions = [d for d in definitions_for(object_type) if f"custom.{d.key}" in fields]
    for definition in definitions:
        value = stored.get(definition.key)
        if definition.field_type == CustomFieldType.DATE and value is not None:
            with contextlib.suppress(ValueError):
                value = datetime.date.fromisoformat(str(value))
        values.append(CustomValue(definition.label, definition.field_type, value))
    known = {definition.key for definition in definitions}
    for key, value in stored.items():
        if key not in known:
            kind = CustomFieldType.BOOLEAN if isinstance(value, bool) else CustomFieldType.TEXT
            values.append(CustomValue(key, kind, value))
    return values


def _website_url(website: str) -> str:
    """A link target for a website as typed; never anything but http(s)."""
    if not website:
        return ""
    return website if re.match(r"^https?://", website, re.IGNORECASE) else f"https://{website}"


CONTACT_CONFLICT = gettext_lazy(
    "Someone else changed this contact while you were editing it, so your changes were "
    "not saved. Reload the page to see the current version, then make your changes again."
)
ORGANIZATION_CONFLICT = gettext_lazy(
    "Someone else changed this organization while you were editing it, so your changes "
    "were not saved. Reload the page to see the current version, then make your changes again."
)


DELETE_CONFLICT = gettext_lazy(
    "Someone else changed “%(name)s” after you opened the delete page, so it was not "
    "deleted. Check the current version below, then delete it again if you still want to."
)


def _edit(
    request: HttpRequest,
    record: Contact | Organization,
    form_class: type[ContactForm] | type[OrganizationForm],
    update: Callable[..., Any],
    *,
    conflict: str,
) -> HttpResponse:
    """The edit page of a contact or an organization: on a valid POST,
    ``update(data=…, expected_version=…)`` (the record's update service);
    a change made meanwhile by someone else gets 409 and the form back."""
    shown_conflict = None
    if request.method == "POST":
        form = form_class(request.POST, user=request.user, record=record)
        if form.is_valid():
            try:
                update(data=form.service_data(), expected_version=form.expected_version)
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            except VersionConflict:
                shown_conflict = conflict
            else:
                messages.success(request, _("Your changes were saved."))
                return redirect(record)
    else:
        form = form_class(user=request.user, record=record)
    name = record._meta.model_name
    return render(
        request,
        f"contacts/{name}_form.html",
        {"form": form, name: record, "conflict": shown_conflict},
        status=409 if shown_conflict else 200,
    )


def _posted_version(request: HttpRequest) -> int | None:
    """The version the delete page was opened with (None from older pages)."""
    value = request.POST.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


# Contacts ----------------------------------------------------------------------


@login_required
@require_GET
@reads_from_replica
def contact_list(request: HttpRequest) -> HttpResponse:
    filters = ContactFilterForm(request.GET)
    params = filters.selector_params()
    page = _page(request, selectors.contact_search(user=request.user, **params), BY_NAME)
    note_visible_organizations(request.user, page.items)
    organization = None
    if params["organization_id"]:
        organization = selectors.organization_get(
            user=request.user, organization_id=params["organization_id"]
        )
    return render(
        request,
        "contacts/contact_list.html",
        {
            "filters": filters,
            "page": page,
            "next_url": _query_with(request, cursor=page.next) if page.next else None,
            "first_url": _query_with(request, cursor=None) if "cursor" in request.GET else None,
            "filter_organization": organization,
            "without_organization_url": _query_with(request, organization=None, cursor=None),
            "readable": fields_for(request.user, "contact"),
            "export_links": export_links(request, CONTACT.key, reverse("contact-export")),
        },
    )


def _export(
    request: HttpRequest, key: str, found: selectors.Found, params: dict[str, Any], order: tuple
) -> HttpResponse:
    """The list's records with its filters as a file (kontor.exports)."""
    return export_download(
        request,
        key=key,
        records=found.queryset,
        filters=params,
        order=order,
        back_url=reverse(f"{key}-list"),
    )


@login_required
@require_GET
def contact_export(request: HttpRequest) -> HttpResponse:
    params = ContactFilterForm(request.GET).selector_params()
    found = selectors.contact_search(user=request.user, **params)
    return _export(request, CONTACT.key, found, params, BY_NAME)


@login_required
@require_GET
def contact_detail(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    contact = _visible_contact(request, contact_id)
    if merged := _merged_away(request, contact, "contact", "contact-detail"):
        return merged
    return render(
        request,
        "contacts/contact_detail.html",
        {
            "contact": contact,
            "custom_values": _custom_values(request.user, contact, CONTACT.key),
            "readable": fields_for(request.user, "contact"),
            "can_edit": can(request.user, Action.EDIT, contact),
            "can_delete": can(request.user, Action.DELETE, contact),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    if not may_use_level(request.user, "contact", Action.CREATE):
        raise PermissionDenied(_("You may not create contacts."))
    organization = None
    if organization_id := request.GET.get("organization"):
        organization = selectors.organization_get(
            user=request.user, organization_id=organization_id
        )
    if request.method == "POST":
        form = ContactForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                contact = services.contact_create(actor=request.user, data=form.service_data())
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, _("Contact “%(name)s” was created.") % {"name": contact})
                _warn_of_duplicates(request, "contact", contact)
                return redirect(contact)
    else:
        initial: dict[str, Any] = {"owner": request.user.pk}
        if organization is not None:
            initial.update(organization=organization.name, organization_id=organization.pk)
        form = ContactForm(user=request.user, initial=initial)
    return render(
        request, "contacts/contact_form.html", {"form": form, "organization": organization}
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    contact = _visible_contact(request, contact_id)
    require(request.user, Action.EDIT, contact)
    return _edit(
        request,
        contact,
        ContactForm,
        lambda **changes: services.contact_update(actor=request.user, contact=contact, **changes),
        conflict=CONTACT_CONFLICT,
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    contact = _visible_contact(request, contact_id)
    require(request.user, Action.DELETE, contact)
    if request.method == "POST":
        try:
            services.contact_delete(
                actor=request.user, contact=contact, expected_version=_posted_version(request)
            )
        except VersionConflict:
            messages.error(request, DELETE_CONFLICT % {"name": contact})
            return redirect(contact)
        messages.success(request, _("Contact “%(name)s” was deleted.") % {"name": contact})
        return redirect("contact-list")
    return render(request, "contacts/contact_confirm_delete.html", {"contact": contact})


# Organizations -----------------------------------------------------------------


@login_required
@require_GET
@reads_from_replica
def organization_list(request: HttpRequest) -> HttpResponse:
    filters = OrganizationFilterForm(request.GET)
    organizations = selectors.organization_search(user=request.user, **filters.selector_params())
    page = _page(request, organizations, BY_ORGANIZATION_NAME)
    return render(
        request,
        "contacts/organization_list.html",
        {
            "filters": filters,
            "page": page,
            "next_url": _query_with(request, cursor=page.next) if page.next else None,
            "first_url": _query_with(request, cursor=None) if "cursor" in request.GET else None,
            "readable": fields_for(request.user, "organization"),
            "export_links": export_links(request, ORGANIZATION.key, reverse("organization-export")),
        },
    )


@login_required
@require_GET
def organization_export(request: HttpRequest) -> HttpResponse:
    params = OrganizationFilterForm(request.GET).selector_params()
    found = selectors.organization_search(user=request.user, **params)
    return _export(request, ORGANIZATION.key, found, params, BY_ORGANIZATION_NAME)


@login_required
@require_GET
def organization_detail(request: HttpRequest, organization_id: UUID) -> HttpResponse:
    organization = _visible_organization(request, organization_id)
    if merged := _merged_away(request, organization, "organization", "organization-detail"):
        return merged
    contacts = selectors.organization_contacts(user=request.user, organization=organization)
    page = _page(request, selectors.Found(contacts), BY_NAME)
    return render(
        request,
        "contacts/organization_detail.html",
        {
            "organization": organization,
            "website_url": _website_url(organization.website),
            "custom_values": _custom_values(request.user, organization, ORGANIZATION.key),
            "readable": fields_for(request.user, "organization"),
            "contact_fields": fields_for(request.user, "contact"),
            "can_edit": can(request.user, Action.EDIT, organization),
            "can_delete": can(request.user, Action.DELETE, organization),
            "page": page,
            "next_url": _query_with(request, cursor=page.next) if page.next else None,
            "first_url": _query_with(request, cursor=None) if "cursor" in request.GET else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    if not may_use_level(request.user, "organization", Action.CREATE):
        raise PermissionDenied(_("You may not create organizations."))
    if request.method == "POST":
        form = OrganizationForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                organization = services.organization_create(
                    actor=request.user, data=form.service_data()
                )
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(
                    request, _("Organization “%(name)s” was created.") % {"name": organization}
                )
                _warn_of_duplicates(request, "organization", organization)
                return redirect(organization)
    else:
        form = OrganizationForm(user=request.user, initial={"owner": request.user.pk})
    return render(request, "contacts/organization_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: HttpRequest, organization_id: UUID) -> HttpResponse:
    organization = _visible_organization(request, organization_id)
    require(request.user, Action.EDIT, organization)
    return _edit(
        request,
        organization,
        OrganizationForm,
        lambda **changes: services.organization_update(
            actor=request.user, organization=organization, **changes
        ),
        conflict=ORGANIZATION_CONFLICT,
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_delete(request: HttpRequest, organization_id: UUID) -> HttpResponse:
    organization = _visible_organization(request, organization_id)
    require(request.user, Action.DELETE, organization)
    if request.method == "POST":
        try:
            services.organization_delete(
                actor=request.user,
                organization=organization,
                expected_version=_posted_version(request),
            )
        except VersionConflict:
            messages.error(request, DELETE_CONFLICT % {"name": organization})
            return redirect(organization)
        messages.success(
            request, _("Organization “%(name)s” was deleted.") % {"name": organization}
        )
        return redirect("organization-list")
    contact_count = selectors.organization_contacts(
        user=request.user, organization=organization
    ).count()
    return render(
        request,
        "contacts/organization_confirm_delete.html",
        {"organization": organization, "contact_count": contact_count},
    )


def _warn_of_duplicates(request: HttpRequest, key: str, record: Contact | Organization) -> None:
    """After a create: a warning with links to the records it may duplicate."""
    found = possible_duplicates(request.user, key, record)[:5]
    if not found:
        return
    model = type(record)
    names = {r.pk: r for r in model.objects.filter(pk__in=[item["id"] for item in found])}
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a> ({}%)',
        (
            (
                names[item["id"]].get_absolute_url(),
                str(names[item["id"]]),
                round(item["score"] * 100),
            )
            for item in found
            if item["id"] in names
        ),
    )
    messages.warning(request, format_html("{} {}", _("This may be a duplicate of:"), links))
