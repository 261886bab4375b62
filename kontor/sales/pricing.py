"""Which price a quote takes for a product: the one of a price list valid
for the customer and the date, else the product's own.

A price list for the customer's group (one of its organization's tags) wins
over one for every customer; among those, the one that started last."""

import datetime
from decimal import Decimal

from django.db.models import Q

from kontor.contacts.models import Contact, Organization
from kontor.sales.models import PriceListItem, Product


def customer_groups(organization: Organization | None, contact: Contact | None) -> set[str]:
    organization = organization or (contact.organization if contact else None)
    if organization is None:
        return set()
    return {tag.name.casefold() for tag in organization.tags.all()}


def price_for(
    product: Product,
    *,
    organization: Organization | None,
    contact: Contact | None,
    on: datetime.date,
    currency: str,
) -> Decimal:
    """The net unit price of ``product`` for this customer on ``on``."""
    groups = customer_groups(organization, contact)
    items = (
        PriceListItem.objects.filter(product=product, price_list__currency=currency)
        .filter(Q(price_list__valid_from__isnull=True) | Q(price_list__valid_from__lte=on))
        .filter(Q(price_list__valid_until__isnull=True) | Q(price_list__valid_until__gte=on))
        .select_related("price_list")
    )
    best = None
    best_key: tuple = ()
    for item in items:
        group = item.price_list.customer_group.casefold()
        if group and group not in groups:
            continue
        key = (bool(group), item.price_list.valid_from or datetime.date.min, item.pk)
        if best is None or key > best_key:
            best, best_key = item, key
    if best is not None:
        return best.net_price
    return product.net_price
