"""The webhooks page: a user's webhooks (administrators: everyone's), their
state and last deliveries, and switching one on again after failures. Making
and changing webhooks is the API's (docs/integrations.md)."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kontor.integration.webhooks import selectors, services

DELIVERIES_SHOWN = 5


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    subscriptions = list(
        selectors.visible_subscriptions(request.user)
        .select_related("owner")
        .order_by("-created_at", "-id")[:200]
    )
    rows = [
        (
            subscription,
            list(
                selectors.subscription_deliveries(subscription=subscription).order_by(
                    "-created_at", "-id"
                )[:DELIVERIES_SHOWN]
            ),
        )
        for subscription in subscriptions
    ]
    return render(request, "integration/webhook_list.html", {"rows": rows})


@login_required
@require_POST
def webhook_switch_on(request: HttpRequest, webhook_id: UUID) -> HttpResponse:
    subscription = selectors.subscription_get(user=request.user, subscription_id=webhook_id)
    if subscription is None:
        raise Http404
    services.subscription_update(
        actor=request.user, subscription=subscription, data={"active": True}
    )
    messages.success(request, _("The webhook is on again; what waited is sent now."))
    return redirect("webhook-list")
