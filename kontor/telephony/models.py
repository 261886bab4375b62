"""Phone systems connected to Kontor, the extensions of colleagues, and every
call the phone systems reported, with the log of their events."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kontor.activities.models import Activity, CallOutcome, Direction
from kontor.contacts.models import Contact, Organization
from kontor.core.models import BaseModel


class Provider(models.TextChoices):
    GENERIC = "generic", _("Generic (Kontor's JSON events)")
    SIPGATE = "sipgate", _("sipgate.io push")
    THREECX = "3cx", _("3CX CRM integration")


class PhoneIntegration(BaseModel):
    """A phone system allowed to report calls. It acts as ``user`` (whose API
    token it may also use); its shared ``secret`` signs event bodies
    (HMAC-SHA256) or, for systems that cannot sign, is sent in the URL."""

    name = models.CharField(_("name"), max_length=100)
    provider = models.CharField(
        _("phone system"), max_length=16, choices=Provider.choices, default=Provider.GENERIC
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as user"),
        on_delete=models.PROTECT,
        related_name="phone_integrations",
        help_text=_(
            "Calls are logged and callers looked up as this user; give it a role that "
            "reads every record (e.g. service)."
        ),
    )
    secret_encrypted = models.TextField(editable=False)
    # SHA-256 of the secret, to find the integration of a URL token quickly.
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("phone system")
        verbose_name_plural = _("phone systems")

    def __str__(self) -> str:
        return self.name


class Extension(models.Model):
    """A colleague's extension (or the name the phone system knows them by),
    to tell whose phone rings."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_extensions"
    )
    number = models.CharField(
        _("extension or phone-system user"),
        max_length=64,
        unique=True,
        help_text=_('E.g. "21", "w0" (sipgate) or the name the phone system sends.'),
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self) -> str:
        return self.number


class Call(BaseModel):
    """One call as the phone system reported it. A call with a known caller
    has its ``activity`` on the contact's (or organization's) timeline; an
    unknown caller's call waits here until someone makes a contact of it."""

    integration = models.ForeignKey(
        PhoneIntegration, on_delete=models.CASCADE, related_name="calls"
    )
    call_id = models.CharField(_("call ID"), max_length=255)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    from_number = models.CharField(_("from"), max_length=64, blank=True)
    to_number = models.CharField(_("to"), max_length=64, blank=True)
    # The other party's number in E.164; empty if withheld or unreadable.
    number = models.CharField(_("phone number"), max_length=20, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activity = models.OneToOneField(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    callback_task = models.OneToOneField(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"))
    ringing_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    missed_at = models.DateTimeField(null=True, blank=True)
    busy = models.BooleanField(default=False)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices, blank=True)
    # Set once the call was logged on a timeline (or its call-back task made),
    # so that a colleague who deletes either does not see it come back.
    activity_logged = models.BooleanField(default=False)
    callback_logged = models.BooleanField(default=False)

    class Meta(BaseModel.Meta):
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "call_id"], name="call_unique_per_integration"
            )
        ]
        indexes = [
            models.Index(
                fields=["number", "created_at"],
                condition=Q(contact__isnull=True, organization__isnull=True),
                name="call_unknown_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.number or self.from_number}"

    @property
    def is_unknown_caller(self) -> bool:
        return self.contact_id is None and self.organization_id is None

    @property
    def caller_number_as_sent(self) -> str:
        """The other party's number as the phone system sent it."""
        return self.from_number if self.direction == Direction.INBOUND else self.to_number


class CallEventKind(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")
    MISSED = "missed", _("Missed")


class CallEvent(models.Model):
    """The log of what the phone system sent, one row per call and event: a
    repeated event is counted, not applied twice."""

    id = models.BigAutoField(primary_key=True)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=16, choices=CallEventKind.choices)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)
    times_received = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "event"], name="call_event_once")]

    def __str__(self) -> str:
        return f"{self.call.call_id}: {self.event}"
