"""Phone systems and extensions are set up in the admin. A phone system's
secret is made by Kontor and shown to administrators with the webhook URLs to
enter in the phone system."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from kontor.core.encryption import InvalidToken, decrypt
from kontor.telephony.models import Call, CallEvent, Extension, PhoneIntegration
from kontor.telephony.services import assign_new_secret, phone_integration_rotate_secret


class PhoneIntegrationForm(forms.ModelForm):
    rotate_secret = forms.BooleanField(
        label=_("make a new secret"),
        required=False,
        help_text=_("The old one stops working at once."),
    )

    class Meta:
        model = PhoneIntegration
        fields = ["name", "provider", "user", "is_active"]


@admin.register(PhoneIntegration)
class PhoneIntegrationAdmin(admin.ModelAdmin):
    form = PhoneIntegrationForm
    list_display = ["name", "provider", "user", "is_active", "created_at"]
    list_filter = ["provider", "is_active"]
    readonly_fields = ["connection_details"]

    def get_fields(self, request, obj=None):
        fields = ["name", "provider", "user", "is_active"]
        return [*fields, "rotate_secret", "connection_details"] if obj else fields

    @admin.display(description=_("secret and webhook URLs"))
    def connection_details(self, obj: PhoneIntegration) -> str:
        try:
            secret = decrypt(obj.secret_encrypted)
        except InvalidToken:
            return _("The secret cannot be decrypted (the key changed); make a new one.")
        paths = [
            ("Kontor JSON (HMAC: X-Kontor-Signature)", reverse("api:call_event")),
            ("sipgate.io", reverse("api:sipgate_event") + f"?token={secret}"),
            ("3CX lookup", reverse("api:threecx_lookup") + f"?token={secret}&number=[Number]"),
            ("3CX journal", reverse("api:threecx_journal") + f"?token={secret}"),
        ]
        return format_html(
            "<p>{}: <code>{}</code></p><ul>{}</ul>",
            _("Secret"),
            secret,
            format_html_join("", "<li>{}: <code>{}</code></li>", paths),
        )

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            assign_new_secret(obj)
        elif form.cleaned_data.get("rotate_secret"):
            phone_integration_rotate_secret(actor=request.user, integration=obj)
            messages.warning(request, _("A new secret was made; enter it in the phone system."))
        super().save_model(request, obj, form, change)


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ["number", "user"]
    search_fields = ["number", "user__username", "user__email"]


class CallEventInline(admin.TabularInline):
    model = CallEvent
    extra = 0
    fields = ["event", "received_at", "times_received", "payload"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["started_at", "direction", "number", "outcome", "agent", "contact"]
    list_filter = ["direction", "outcome", "integration"]
    search_fields = ["call_id", "number"]
    list_select_related = ["agent", "contact"]
    inlines = [CallEventInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Call._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
