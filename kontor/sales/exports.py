"""The rows of the deal export (kontor.exports): a batch of deals as the
exporting user may see them. The list's queryset brings stages, pipelines,
owners and customers; whether the user may see each deal's customer is
decided for the whole batch in two queries, and a customer they may not
see is neither named nor identified, as in the API's answers."""

from typing import Any

from kontor.access.policy import fields_for
from kontor.contacts.display import contact_display_name
from kontor.contacts.visibility import (
    note_visible_customers,
    shown_contact_id,
    shown_organization_id,
)
from kontor.core.users import user_name
from kontor.sales.models import Deal
from kontor.sales.money import to_cents


def deal_rows(user: Any, deals: list[Deal]) -> list[dict[str, Any]]:
    note_visible_customers(user, deals)
    contact_fields = fields_for(user, "contact")
    rows = []
    for deal in deals:
        organization_id = shown_organization_id(user, deal)
        contact_id = shown_contact_id(user, deal)
        contact = deal.contact if contact_id is not None else None
        rows.append(
            {
                "id": deal.pk,
                "title": deal.title,
                "pipeline": str(deal.pipeline),
                "pipeline_id": deal.pipeline_id,
                "stage_name": str(deal.stage),
                "stage_id": deal.stage_id,
                "status": deal.status,
                "amount": deal.amount,
                "weighted_amount": to_cents(deal.amount * deal.effective_probability / 100),
                "currency": deal.currency,
                "probability": deal.effective_probability,
                "expected_close_date": deal.expected_close_date,
                "organization": deal.organization.name if organization_id is not None else "",
                "organization_id": organization_id,
                "contact": contact_display_name(
                    contact_fields,
                    contact.display_name,
                    named=bool(contact.first_name or contact.last_name),
                )
                if contact is not None
                else "",
                "contact_id": contact_id,
                "owner": user_name(deal.owner) if deal.owner else "",
                "owner_id": deal.owner_id,
                "source": deal.source,
                "next_step": deal.next_step,
                "lost_reason": deal.lost_reason,
                "stage_entered_at": deal.stage_entered_at,
                "closed_at": deal.closed_at,
                "created_at": deal.created_at,
                "updated_at": deal.updated_at,
            }
        )
    return rows
