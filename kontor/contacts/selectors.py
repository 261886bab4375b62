"""Reads of organizations and contacts. Every list, detail page, search and
lookup starts from ``visible_contacts`` / ``visible_organizations``, the one
place where the rules of who may see which record are applied."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from kontor.contacts.models import Contact, EmailAddress, Organization, PhoneNumber
from kontor.contacts.normalization import (
    digits_for_search,
    is_free_mail_domain,
    normalize_email,
    phone_lookup_candidates,
)

User = AbstractBaseUser | AnonymousUser

MIN_PHONE_FRAGMENT_DIGITS = 3


def visible_contacts(user: User) -> QuerySet[Contact]:
    if not user.is_authenticated or not user.is_active:
        return Contact.objects.none()
    return Contact.objects.all()


def visible_organizations(user: User) -> QuerySet[Organization]:
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    return Organization.objects.all()


def _with_details(queryset: QuerySet) -> QuerySet:
    queryset = queryset.select_related("owner").prefetch_related("emails", "phones", "tags")
    if queryset.model is Contact:
        queryset = queryset.select_related("organization")
    return queryset


def _parse_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def contact_get(*, user: User, contact_id: Any) -> Contact | None:
    pk = _parse_uuid(contact_id)
    if pk is None:
        return None
    return _with_details(visible_contacts(user)).filter(pk=pk).first()


def organization_get(*, user: User, organization_id: Any) -> Organization | None:
    pk = _parse_uuid(organization_id)
    if pk is None:
        return None
    return _with_details(visible_organizations(user)).filter(pk=pk).first()


def _term_matches(term: str, *, organization_path: str | None, name_fields: list[str]) -> Q:
    condition = Q()
    for field in name_fields:
        condition |= Q(**{f"{field}__icontains": term})
    if organization_path:
        condition |= Q(**{f"{organization_path}__name__icontains": term})
    owner = "contact" if organization_path else "organization"
    condition |= Exists(
        EmailAddress.objects.filter(**{owner: OuterRef("pk")}, normalized__contains=term.lower())
    )
    digits = digits_for_search(term)
    if len(digits) >= MIN_PHONE_FRAGMENT_DIGITS:
        condition |= Exists(
            PhoneNumber.objects.filter(**{owner: OuterRef("pk")}, digits__contains=digits)
        )
    return condition


def _search(queryset: QuerySet, q: str, **kwargs: Any) -> QuerySet:
    for term in q.split()[:8]:
        queryset = queryset.filter(_term_matches(term, **kwargs))
    return queryset


def contact_list(
    *,
    user: User,
    q: str = "",
    lifecycle_stage: str | None = None,
    organization_id: Any = None,
    owner_id: int | None = None,
    tag: str | None = None,
) -> QuerySet[Contact]:
    contacts = visible_contacts(user)
    if q.strip():
        contacts = _search(
            contacts,
            q,
            organization_path="organization",
            name_fields=["display_name", "first_name", "last_name"],
        )
    if lifecycle_stage:
        contacts = contacts.filter(lifecycle_stage=lifecycle_stage)
    if organization_id:
        contacts = contacts.filter(organization_id=_parse_uuid(organization_id))
    if owner_id:
        contacts = contacts.filter(owner_id=owner_id)
    if tag:
        contacts = contacts.filter(tags__name__iexact=tag)
    return _with_details(contacts)


def organization_list(
    *,
    user: User,
    q: str = "",
    lifecycle_stage: str | None = None,
    owner_id: int | None = None,
    tag: str | None = None,
) -> QuerySet[Organization]:
    organizations = visible_organizations(user)
    if q.strip():
        organizations = _search(
            organizations, q, organization_path=None, name_fields=["name", "domain", "website"]
        )
    if lifecycle_stage:
        organizations = organizations.filter(lifecycle_stage=lifecycle_stage)
    if owner_id:
        organizations = organizations.filter(owner_id=owner_id)
    if tag:
        organizations = organizations.filter(tags__name__iexact=tag)
    return _with_details(organizations)


def organization_contacts(*, user: User, organization: Organization) -> QuerySet[Contact]:
    return _with_details(visible_contacts(user).filter(organization=organization)).order_by(
        "display_name", "id"
    )


# Lookup -----------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    record: Contact | Organization
    reason: str  # which contact point matched: "phone", "email" or "email_domain"

    @property
    def type(self) -> str:
        return "contact" if isinstance(self.record, Contact) else "organization"

    @property
    def organization(self) -> Organization | None:
        return self.record.organization if isinstance(self.record, Contact) else None


def _dedupe(matches: list[Match]) -> list[Match]:
    seen: set[tuple[str, Any]] = set()
    unique = []
    for match in matches:
        key = (match.type, match.record.pk)
        if key not in seen:
            seen.add(key)
            unique.append(match)
    return unique


def lookup_phone(*, user: User, number: str) -> list[Match]:
    """Contacts and organizations with this number, best first: the most
    likely reading of the number first, people before organizations."""
    candidates = phone_lookup_candidates(number)
    if not candidates:
        return []
    contacts = visible_contacts(user).select_related("organization")
    organizations = visible_organizations(user)
    phones = (
        PhoneNumber.objects.filter(e164__in=candidates)
        .filter(
            Q(contact__in=contacts.values("pk")) | Q(organization__in=organizations.values("pk"))
        )
        .select_related("contact__organization", "organization")[:50]
    )
    rank = {e164: index for index, e164 in enumerate(candidates)}
    ordered = sorted(phones, key=lambda p: (rank[p.e164], p.contact_id is None, p.position))
    return _dedupe([Match(record=p.owner_record, reason="phone") for p in ordered])


def lookup_email(*, user: User, address: str) -> list[Match]:
    """Contacts and organizations with this address; when no person has it, the
    organization that owns the address's domain (never for free-mail domains).

    Raises InvalidContactPoint for something that is no email address."""
    email = normalize_email(address)
    contacts = visible_contacts(user)
    organizations = visible_organizations(user)
    emails = (
        EmailAddress.objects.filter(normalized=email.normalized)
        .filter(
            Q(contact__in=contacts.values("pk")) | Q(organization__in=organizations.values("pk"))
        )
        .select_related("contact__organization", "organization")[:50]
    )
    ordered = sorted(emails, key=lambda e: (e.contact_id is None, e.position))
    matches = [Match(record=e.owner_record, reason="email") for e in ordered]
    if not any(m.type == "contact" for m in matches) and not is_free_mail_domain(email.domain):
        by_domain = organizations.filter(
            Q(domain=email.domain)
            | Exists(EmailAddress.objects.filter(organization=OuterRef("pk"), domain=email.domain))
        ).order_by("name", "id")[:20]
        matches += [Match(record=o, reason="email_domain") for o in by_domain]
    return _dedupe(matches)
