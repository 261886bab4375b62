"""Organizations, contacts (people) and their contact points."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kontor.core.models import BaseModel, listed


class LifecycleStage(models.TextChoices):
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    FORMER = "former", _("Former customer")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Party(BaseModel):
    """What organizations and contacts share: owner, lifecycle, tags, custom
    values and the version used for optimistic locking."""

    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=16,
        choices=LifecycleStage.choices,
        default=LifecycleStage.LEAD,
        db_index=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Values of financial and special custom fields, encrypted (kontor.access.sensitive).
    custom_sensitive = models.TextField(blank=True, default="", db_default="", editable=False)
    version = models.PositiveIntegerField(default=1)
    # Archived (e.g. deleted in the ERP that maintains it): hidden from lists
    # and search, its history kept, still answered by id.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        abstract = True

    # The email addresses, phone numbers and tags, as lists: those a query
    # loaded with the record (``kontor.contacts.selectors._with_details``),
    # else read now.
    @property
    def email_list(self) -> list["EmailAddress"]:
        return listed(self, "emails")

    @property
    def phone_list(self) -> list["PhoneNumber"]:
        return listed(self, "phones")

    @property
    def tag_list(self) -> list[Tag]:
        return listed(self, "tags")


class Organization(Party):
    name = models.CharField(_("name"), max_length=255, db_index=True)
    website = models.CharField(_("website"), max_length=255, blank=True)
    # The website's host, for matching senders from the organization's domain.
    domain = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="organizations")

    class Meta(Party.Meta):
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        # A list filtered by stage walks one of these in its sort order (API:
        # newest first; pages: by name) and stops after a page.
        indexes = [
            models.Index(
                fields=["lifecycle_stage", "created_at", "id"], name="organization_stage_created"
            ),
            models.Index(fields=["lifecycle_stage", "name", "id"], name="organization_stage_name"),
            # The API's lists ordered by the last change (``order=-updated``).
            models.Index(fields=["updated_at", "id"], name="organization_updated"),
            # Organizations found by name whatever its case (an import's rows):
            # the name's trigram index answers that too, but reads the
            # entries of every name sharing a trigram (170 ms for a hundred
            # names among 200 000 organizations; this one 0.2 ms).
            models.Index(Upper("name"), name="organization_upper_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organization-detail", args=[self.pk])


class Contact(Party):
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    # Derived from the name, else the first email address or phone number.
    display_name = models.CharField(_("display name"), max_length=255, db_index=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    # Restriction of processing (GDPR Art. 18): while set, the access policy
    # hides the person and everything about them from all but the data
    # protection officer (RecordType.restricted_by); the request that set
    # it and who executed it are in the register of requests.
    processing_restricted_at = models.DateTimeField(
        _("processing restricted since"), null=True, blank=True, editable=False
    )

    class Meta(Party.Meta):
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(
                fields=["lifecycle_stage", "created_at", "id"], name="contact_stage_created"
            ),
            models.Index(
                fields=["lifecycle_stage", "display_name", "id"], name="contact_stage_name"
            ),
            # The API's lists ordered by the last change (``order=-updated``).
            models.Index(fields=["updated_at", "id"], name="contact_updated"),
            # The few persons whose processing is restricted, which the access
            # policy leaves out of every other type's records by a subquery.
            models.Index(
                fields=["processing_restricted_at"],
                name="contact_restricted",
                condition=models.Q(processing_restricted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("contact-detail", args=[self.pk])


class ContactPointLabel(models.TextChoices):
    WORK = "work", _("Work")
    MOBILE = "mobile", _("Mobile")
    PRIVATE = "private", _("Private")
    MAIN = "main", _("Main")
    FAX = "fax", _("Fax")
    OTHER = "other", _("Other")


class ContactPoint(models.Model):
    """An email address or phone number of exactly one contact or organization."""

    id = models.BigAutoField(primary_key=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, null=True, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True, blank=True)
    label = models.CharField(
        _("label"), max_length=16, choices=ContactPointLabel.choices, default="work"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    @property
    def owner_record(self) -> Contact | Organization:
        return self.contact or self.organization


def _one_owner(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(contact__isnull=False) & Q(organization__isnull=True))
        | (Q(contact__isnull=True) & Q(organization__isnull=False)),
        name=name,
    )


class EmailAddress(ContactPoint):
    address = models.CharField(_("email address"), max_length=320)
    normalized = models.CharField(max_length=320, db_index=True, editable=False)
    domain = models.CharField(max_length=255, db_index=True, editable=False)
    # What received mail says about the address (kontor.mail): a permanent
    # delivery failure, temporary ones, an abuse complaint by its owner.
    # (Database defaults too: bulk loads that name only the address columns
    # still insert rows.)
    bouncing = models.BooleanField(_("bouncing"), default=False, db_default=False, editable=False)
    bounce_reason = models.CharField(
        _("bounce reason"), max_length=500, blank=True, default="", db_default="", editable=False
    )
    bounced_at = models.DateTimeField(_("bounced at"), null=True, blank=True, editable=False)
    temporary_failures = models.PositiveIntegerField(
        _("temporary delivery failures"), default=0, db_default=0, editable=False
    )
    do_not_email = models.BooleanField(
        _("do not email"), default=False, db_default=False, editable=False
    )
    do_not_email_reason = models.CharField(
        _("why not to email"),
        max_length=500,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )

    class Meta(ContactPoint.Meta):
        default_related_name = "emails"
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
        constraints = [_one_owner("emailaddress_has_one_owner")]

    def __str__(self) -> str:
        return self.address


class PhoneNumber(ContactPoint):
    raw = models.CharField(_("phone number as typed"), max_length=64)
    e164 = models.CharField(_("phone number"), max_length=20, db_index=True, editable=False)
    # E.164 without the plus, for matching fragments of digits in search.
    digits = models.CharField(max_length=20, editable=False)
    extension = models.CharField(max_length=16, blank=True, editable=False)

    class Meta(ContactPoint.Meta):
        default_related_name = "phones"
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [_one_owner("phonenumber_has_one_owner")]

    def __str__(self) -> str:
        return self.raw


class ContactSearch(models.Model):
    """What the contact search reads: one row per contact, kept in step by
    the services in the transaction of every write that changes it
    (kontor.contacts.search). Keys and texts are folded (lower case, no
    accents), so ``Müller`` is found as ``mull``; the text of each field
    category sits in its own column, so a user who may not read email
    addresses or an organization finds nobody by them. ``owner`` is the
    contact's owner: the access rules of contacts apply to this table as to
    the contacts (kontor.access.policy.restrict)."""

    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, primary_key=True, related_name="search_row"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # A copy of the contact's organization (not a reference: the row follows
    # the contact, which the services refresh when the organization changes).
    organization_id = models.UUIDField(null=True)
    # The organization's owner: who may not see the organization finds no
    # contact by its name.
    organization_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
    )
    archived = models.BooleanField(default=False)
    # A copy of the contact's restriction of processing: the access rules
    # hide the row as they hide the contact.
    processing_restricted_at = models.DateTimeField(null=True)
    # Sort keys, each with a prefix index: the last name, the full name
    # ("first last"), the organization's name, the first email address.
    last_key = models.TextField(blank=True)
    name_key = models.TextField(blank=True)
    organization_key = models.TextField(blank=True)
    email_key = models.TextField(blank=True)
    # Substring texts: every name (display, first, last), every email address,
    # every phone number's digits (E.164 without the plus).
    names = models.TextField(blank=True)
    emails = models.TextField(blank=True)
    phones = models.TextField(blank=True)
    # Ties in relevance go to the contact changed last.
    recency = models.DateTimeField()
    # A copy of the contact's display name: a search in name order walks
    # this table's own index (with the conditions on the same row) rather
    # than the contacts' one, joining every contact it passes.
    display_name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-recency", "-contact"]
        indexes = [
            models.Index(
                fields=["last_key"], opclasses=["text_pattern_ops"], name="contactsearch_last"
            ),
            models.Index(
                fields=["name_key"], opclasses=["text_pattern_ops"], name="contactsearch_name"
            ),
            models.Index(
                fields=["organization_key"],
                opclasses=["text_pattern_ops"],
                name="contactsearch_organization",
            ),
            models.Index(
                fields=["email_key"], opclasses=["text_pattern_ops"], name="contactsearch_email"
            ),
            models.Index(fields=["-recency", "-contact"], name="contactsearch_recency"),
            models.Index(fields=["display_name", "contact"], name="contactsearch_display_name"),
        ]

    def __str__(self) -> str:
        return self.name_key
