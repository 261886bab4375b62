"""The register of processing activities (GDPR Art. 30), generated from the
configuration, never typed in by hand:

- purposes: those the administrators defined (kontor.core.processing), after
  the customer relationship management Kontor itself is for;
- categories of data subjects and of data: the record types with personal
  data (kontor.core.records) with their fields and each field's category
  (kontor.access: standard, personal, financial, special);
- recipients: webhooks, phone systems, mail servers (kontor.core.processing);
- retention: the retention rules and the periods set in the settings;
- technical and organisational measures: what this installation does.

``processing_register()`` is the JSON answer; the HTML page and the PDF
render the same dictionary."""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.access.selectors import field_category_list
from kontor.core import processing
from kontor.core.pdf import html_to_pdf
from kontor.core.records import (
    SENSITIVE_CATEGORIES,
    is_registered,
    personal_data_holders,
    record_type,
    record_types,
)
from kontor.privacy.models import RetentionRule
from kontor.privacy.subjects import person_type

FORMAT = "kontor.processing-register"


def _controller() -> dict[str, Any]:
    return {
        "name": settings.KONTOR_COMPANY_NAME,
        "address": list(settings.KONTOR_COMPANY_ADDRESS),
        "email": settings.KONTOR_COMPANY_EMAIL,
        "phone": settings.KONTOR_COMPANY_PHONE,
    }


def _purposes() -> list[dict[str, Any]]:
    own = {
        "key": "crm",
        "name": _("Customer relationship management"),
        "description": _(
            "Keeping customers, prospects and their contact persons, the contact history, "
            "sales (deals, quotes, orders, invoices) and service (tickets)."
        ),
        "legal_basis": _(
            "contract and steps before a contract (Art. 6(1)(b) GDPR), legal obligations "
            "(Art. 6(1)(c): § 257 HGB, § 147 AO), legitimate interest (Art. 6(1)(f))"
        ),
    }
    return [own, *processing.purposes()]


def _data_subjects() -> list[dict[str, Any]]:
    person = person_type()
    spec = person.retention
    kinds = [str(label) for _value, label in spec.categories] if spec else []
    return [
        {"key": person.key, "name": str(person.label_plural), "kinds": kinds},
        {"key": "user", "name": _("users of Kontor (employees)"), "kinds": []},
    ]


def _data_categories() -> list[dict[str, Any]]:
    fields: dict[str, list[dict[str, str]]] = {}
    for info in field_category_list():
        fields.setdefault(info.object_type, []).append(
            {"key": info.field, "label": str(info.label), "category": info.category}
        )
    found = [
        {
            "record_type": kind.key,
            "name": str(kind.label_plural),
            "fields": fields.get(kind.key, []),
            "sensitive": any(
                f["category"] in SENSITIVE_CATEGORIES for f in fields.get(kind.key, [])
            ),
        }
        for kind in record_types()
        if kind.personal_data is not None
    ]
    found += [
        {
            "record_type": holder.key,
            "name": str(holder.label_plural),
            "fields": [],
            "sensitive": False,
        }
        for holder in personal_data_holders()
    ]
    return found


def _retention() -> list[dict[str, Any]]:
    periods = []
    for rule in RetentionRule.objects.order_by("record_type", "category", "id"):
        kind = record_type(rule.record_type) if is_registered(rule.record_type) else None
        spec = kind.retention if kind else None
        category = dict(spec.categories).get(rule.category, rule.category) if spec else ""
        periods.append(
            {
                "what": str(kind.label_plural) if kind else rule.record_type,
                "record_type": rule.record_type,
                "category": rule.category,
                "category_name": str(category),
                "months": rule.months,
                "counted_from": str(spec.counted_from) if spec else "",
                "legal_ground": rule.legal_ground,
                "enabled": rule.enabled,
                "setting": "",
            }
        )
    for what, days, setting in (
        (
            _("Audit trail entries"),
            settings.KONTOR_AUDIT_RETENTION_DAYS,
            "KONTOR_AUDIT_RETENTION_DAYS",
        ),
        (
            _("Audit entries of reads of sensitive fields"),
            settings.KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS,
            "KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS",
        ),
        (
            _("Webhook deliveries"),
            settings.KONTOR_WEBHOOK_DELIVERY_RETENTION_DAYS,
            "KONTOR_WEBHOOK_DELIVERY_RETENTION_DAYS",
        ),
    ):
        periods.append(
            {
                "what": str(what),
                "record_type": "",
                "category": "",
                "category_name": "",
                "days": days,
                "counted_from": _("the entry"),
                "legal_ground": "",
                "enabled": True,
                "setting": setting,
            }
        )
    return periods


def _measures() -> list[dict[str, str]]:
    two_factor = (
        _("Two-factor authentication (TOTP) for every user; required for the groups %(groups)s.")
        % {"groups": ", ".join(settings.KONTOR_2FA_REQUIRED_GROUPS)}
        if settings.KONTOR_2FA_REQUIRED_GROUPS
        else _("Two-factor authentication (TOTP) for every user who switches it on.")
    )
    measures = [
        (
            "access_rules",
            _("Access rules"),
            _(
                "Roles grant reading, changing and deleting per record type at the levels own, "
                "team or all; fields of the categories financial and special are shown only to "
                "roles allowed to read them."
            ),
        ),
        (
            "encryption",
            _("Encryption of sensitive fields"),
            _(
                "Values of financial and special fields (Art. 9/10 GDPR) and the secrets of "
                "integrations are stored encrypted (Fernet, AES-128 with HMAC); the key is kept "
                "outside the database and never in a backup."
            ),
        ),
        (
            "audit",
            _("Audit trail"),
            _(
                "Every change and every read of a sensitive field is recorded (who, when, which "
                "fields), append-only (database triggers refuse changes), kept %(days)s days."
            )
            % {"days": settings.KONTOR_AUDIT_RETENTION_DAYS},
        ),
        ("two_factor", _("Two-factor authentication"), two_factor),
        (
            "backups",
            _("Backups"),
            _(
                "kontor backup writes a consistent copy of the database and the attached files, "
                "with checksums; a restore checks them and the encryption keys first."
            ),
        ),
        (
            "erasure",
            _("Erasure and retention"),
            _(
                "Erasure requests reach every copy, with a report; retention rules erase "
                "expired records daily; erased persons' addresses are kept only as keyed hashes."
            ),
        ),
    ]
    if settings.KONTOR_WORKS_COUNCIL_MODE:
        measures.append(
            (
                "works_council",
                _("Works-council mode"),
                _(
                    "No per-employee performance figures; team figures only for teams of at "
                    "least %(size)s people."
                )
                % {"size": settings.KONTOR_WORKS_COUNCIL_MIN_GROUP},
            )
        )
    return [
        {"key": key, "name": str(name), "description": str(text)} for key, name, text in measures
    ]


def processing_register() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": 1,
        "generated_at": timezone.now(),
        "controller": _controller(),
        "purposes": [_as_text(item) for item in _purposes()],
        "data_subjects": _data_subjects(),
        "data_categories": _data_categories(),
        "recipients": processing.recipients(),
        "retention": _retention(),
        "measures": _measures(),
    }


def _as_text(item: dict[str, Any]) -> dict[str, Any]:
    return {key: str(value) for key, value in item.items()}


def register_html(register: dict[str, Any]) -> str:
    return render_to_string("privacy/register_document.html", {"register": register})


def register_pdf(register: dict[str, Any]) -> bytes:
    return html_to_pdf(register_html(register), what="the register of processing activities")
