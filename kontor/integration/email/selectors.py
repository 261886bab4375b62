"""Reads of outgoing emails: one is part of its customer's history, visible
to whoever may read its contact (or, without one, its organization)."""

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from kontor.contacts.selectors import visible_contacts, visible_organizations
from kontor.integration.models import OutgoingEmail

User = AbstractBaseUser | AnonymousUser


def visible_emails(user: User) -> QuerySet[OutgoingEmail]:
    contacts = visible_contacts(user).filter(pk=OuterRef("contact_id"))
    organizations = visible_organizations(user).filter(pk=OuterRef("organization_id"))
    return OutgoingEmail.objects.filter(
        (Q(contact__isnull=False) & Exists(contacts))
        | (Q(contact__isnull=True) & Exists(organizations))
    )


def email_get(*, user: User, email_id: Any) -> OutgoingEmail | None:
    try:
        pk = uuid.UUID(str(email_id))
    except ValueError:
        return None
    return visible_emails(user).filter(pk=pk).first()
