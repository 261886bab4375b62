"""The ticket record type, registered in ``ServiceConfig.ready``
(kontor.core.records).

Ownership: a ticket belongs to its assignee and to whom created it; a user
whose level for tickets is ``team`` also reaches the tickets in the queues
of their teams (``kontor.service.selectors.visible_tickets``). The default
roles reach tickets by their ``"*"`` levels (service agents: every ticket),
except that sales people delete none."""

from django.utils.translation import gettext_lazy as _

from kontor.core.records import (
    STANDARD_OR_PERSONAL,
    Category,
    FieldSpec,
    PersonalData,
    RecordType,
    SearchSpec,
)
from kontor.service.warehouse import TICKET

TICKET = RecordType(
    key="ticket",
    label=_("ticket"),
    label_plural=_("tickets"),
    model="service.Ticket",
    visible="kontor.service.selectors.visible_tickets",
    owner_paths=("assignee", "created_by"),
    restricted_by=("contact__processing_restricted_at",),
    fields=(
        FieldSpec("number", _("number")),
        FieldSpec("subject", _("subject")),
        FieldSpec("description", _("description"), Category.STANDARD, STANDARD_OR_PERSONAL),
        FieldSpec("contact", _("contact"), output_keys=("contact_id",)),
        FieldSpec("organization", _("organization"), output_keys=("organization_id",)),
        FieldSpec("team", _("team"), output_keys=("team_id",)),
        FieldSpec("assignee", _("assignee"), output_keys=("assignee_id",)),
        FieldSpec("priority", _("priority")),
        FieldSpec(
            "status",
            _("status"),
            output_keys=("status", "resolved_at", "closed_at"),
        ),
        FieldSpec("category", _("category")),
        FieldSpec("channel", _("channel")),
        FieldSpec(
            "sla",
            _("service level"),
            output_keys=(
                "sla_policy_id",
                "first_response_due_at",
                "resolution_due_at",
                "first_responded_at",
                "breached",
            ),
        ),
    ),
    references=(("organization", "organization"), ("contact", "contact")),
    api_parameter="ticket_id",
    serialize="kontor.service.payloads.ticket_answer",
    events=(
        "created",
        "updated",
        "deleted",
        "status_changed",
        "assigned",
        "message_added",
        "sla_warning",
        "sla_breach",
    ),
    search=SearchSpec(fields=("number", "subject")),
    personal_data=PersonalData(links=("contact",), erase="kontor.service.erasure.erase_tickets"),
    merge_links=("contact", "organization"),
    history_links=True,
    warehouse=(TICKET,),
    # Sales people open and follow their customers' tickets but delete none.
    role_levels=(
        ("sales", (("read", "team"), ("create", "team"), ("edit", "team"), ("export", "own"))),
    ),
)
