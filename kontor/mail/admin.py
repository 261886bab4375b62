"""Mailboxes are set up in the admin; the password is stored encrypted and
never shown again. Received messages can be looked up (read-only)."""

import ssl

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kontor.mail.models import InboundMessage, Mailbox
from kontor.mail.services import mailbox_set_password


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Stored encrypted. Leave empty to keep the stored password."),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "email_address",
            "other_addresses",
            "owner",
            "is_active",
            "host",
            "port",
            "security",
            "verify_certificate",
            "tls_ca_certificates",
            "username",
            "folder",
            "after_import",
            "move_to_folder",
            "create_unknown_contacts",
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.instance.password_encrypted and not cleaned.get("password"):
            self.add_error("password", _("Enter the mailbox's password."))
        if cadata := (cleaned.get("tls_ca_certificates") or "").strip():
            try:
                ssl.create_default_context(cadata=cadata)
            except (ssl.SSLError, ValueError) as exc:
                self.add_error(
                    "tls_ca_certificates",
                    _("These are no certificates in PEM format (%(reason)s).") % {"reason": exc},
                )
        if cleaned.get("after_import") == "move" and not cleaned.get("move_to_folder"):
            self.add_error("move_to_folder", _("Name the folder to move imported messages to."))
        return cleaned


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "email_address", "host", "folder", "is_active", "last_fetched_at"]
    list_filter = ["is_active"]
    readonly_fields = ["last_fetched_at", "last_error"]
    fieldsets = [
        (None, {"fields": ["name", "email_address", "other_addresses", "owner", "is_active"]}),
        (
            _("Server"),
            {
                "fields": [
                    "host",
                    "port",
                    "security",
                    "verify_certificate",
                    "tls_ca_certificates",
                    "username",
                    "password",
                ]
            },
        ),
        (
            _("Import"),
            {"fields": ["folder", "after_import", "move_to_folder", "create_unknown_contacts"]},
        ),
        (_("Status"), {"fields": ["last_fetched_at", "last_error"]}),
    ]

    def save_model(self, request, obj, form, change) -> None:
        if password := form.cleaned_data.get("password"):
            mailbox_set_password(mailbox=obj, password=password)
        super().save_model(request, obj, form, change)


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "from_address", "source", "mailbox", "activity"]
    list_filter = ["source", "direction"]
    search_fields = ["subject", "message_id", "from_address"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
