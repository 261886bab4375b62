"""The mail app's table of the warehouse export (kontor.warehouse):
fact_email, one row per captured email (IMAP, upload, API, either
direction) and per bounce, read receipt or complaint. Addresses and
subjects are personal data and never go; an email names its contact
through its activity."""

import datetime
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from kontor.core.records import WarehouseColumn, WarehouseSpec
from kontor.mail.models import InboundMessage

CHUNK = 2000
Row = dict[str, Any]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def email_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    messages = InboundMessage.objects.order_by()
    if since is not None:
        messages = messages.filter(updated_at__gte=since)
    values = messages.values_list(
        "id",
        "direction",
        "kind",
        "source",
        "mailbox_id",
        "imported_by_id",
        "activity_id",
        "activity__contact_id",
        "activity__organization_id",
        "sent_at",
        "created_at",
        "size",
        "updated_at",
    )
    for row in values.iterator(chunk_size=CHUNK):
        received_at = row[10]
        yield {
            "email_id": str(row[0]),
            "direction": row[1],
            "kind": row[2],
            "source": row[3],
            "mailbox_id": _text(row[4]),
            "imported_by_id": _text(row[5]),
            "activity_id": _text(row[6]),
            "contact_id": _text(row[7]),
            "organization_id": _text(row[8]),
            "sent_at": row[9],
            "received_at": received_at,
            "received_date": timezone.localtime(received_at).date(),
            "size_bytes": row[11],
            "updated_at": row[12],
        }


C = WarehouseColumn

EMAIL = WarehouseSpec(
    table="fact_email",
    rows="kontor.mail.warehouse.email_rows",
    key=("email_id",),
    description="Every captured email (IMAP, upload or API) and every delivery report.",
    columns=(
        C("email_id", "string"),
        C("direction", "string", "inbound, outbound or empty"),
        C("kind", "string", "email, or the kind of delivery report"),
        C("source", "string", "how it came in: imap, upload or api"),
        C("mailbox_id", "string"),
        C("imported_by_id", "string", "dim_user", user="id"),
        C("activity_id", "string", "fact_activity: the email on the timeline"),
        C("contact_id", "string", "dim_contact"),
        C("organization_id", "string", "dim_organization"),
        C("sent_at", "timestamp", "the Date header"),
        C("received_at", "timestamp"),
        C("received_date", "date", "dim_date"),
        C("size_bytes", "int64"),
        C("updated_at", "timestamp"),
    ),
)
