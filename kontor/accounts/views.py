"""Pages of the user's own account security: two-factor authentication and
API tokens."""

import base64
import io
from datetime import timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from kontor.accounts import selectors, services, two_factor
from kontor.accounts.forms import CodeForm, TokenCreateForm
from kontor.core.exceptions import FieldErrors, PermissionDenied


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _add_errors(form: CodeForm, exc: FieldErrors) -> None:
    for field, reasons in exc.errors.items():
        for reason in reasons:
            form.add_error(field if field in form.fields else None, reason)


# Two-factor authentication ------------------------------------------------------


def _secret_in_groups(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if two_factor.has_confirmed_device(user) and not user.is_verified():
        return redirect(f"{reverse('two-factor-verify')}?next={request.path}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.totp_confirm(request=request, actor=user, code=form.cleaned_data["code"])
        except FieldErrors as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Two-factor authentication is on."))
            return HttpResponseRedirect(_next_url(request, reverse("two-factor-setup")))
    context = {
        "form": form,
        "enabled": two_factor.has_confirmed_device(user),
        "required": two_factor.two_factor_required(user),
        "next": _next_url(request, ""),
    }
    if not context["enabled"]:
        device = two_factor.totp_device_for_setup(actor=user)
        context |= {"otpauth_uri": device.config_url, "secret": _secret_in_groups(device)}
    return render(request, "accounts/two_factor_setup.html", context)


@never_cache
@login_required
def two_factor_qr(request: HttpRequest) -> HttpResponse:
    """The pending device's otpauth URI as a QR code (SVG)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("id").first()
    if device is None:
        raise Http404
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=5, border=2)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@never_cache
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login."""
    done = _next_url(request, reverse("home"))
    if not two_factor.is_pending(request):
        return HttpResponseRedirect(done)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.totp_verify(
                request=request, actor=request.user, code=form.cleaned_data["code"]
            )
        except FieldErrors as exc:
            _add_errors(form, exc)
        else:
            return HttpResponseRedirect(done)
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request, "")}
    )


@require_POST
@login_required
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            two_factor.totp_remove(
                request=request, actor=request.user, code=form.cleaned_data["code"]
            )
        except FieldErrors as exc:
            messages.error(request, " ".join(r for rs in exc.errors.values() for r in rs))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Two-factor authentication is off."))
    else:
        messages.error(request, _("Enter the current code from your app to turn it off."))
    return redirect("two-factor-setup")


# API tokens -----------------------------------------------------------------------


@never_cache
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's API tokens and a form for a new one, whose secret is shown
    in the answer to the form and never again."""
    form = TokenCreateForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        try:
            created, secret = services.api_token_create(
                actor=request.user,
                user=request.user,
                name=form.cleaned_data["name"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
            )
        except FieldErrors as exc:
            for field, reasons in exc.errors.items():
                for reason in reasons:
                    form.add_error(field if field in form.fields else None, reason)
        else:
            form = TokenCreateForm()
    return render(
        request,
        "accounts/token_list.html",
        {
            "form": form,
            "tokens": selectors.api_tokens_of(request.user),
            "created": created,
            "secret": secret,
            "now": timezone.now(),
        },
    )


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id) -> HttpResponse:
    token = selectors.api_token_get(user=request.user, token_id=token_id)
    if token is None:
        raise Http404
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("token-list")
