"""Forms of the sales pages. They only read what was typed; the services
validate (and their errors come back to the fields they concern)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kontor.access.policy import fields_for
from kontor.contacts import selectors as contact_selectors
from kontor.contacts.forms import active_users, custom_form_field, translate_reason
from kontor.core.users import UserChoiceField
from kontor.customfields.models import CustomFieldType
from kontor.customfields.selectors import definitions_for
from kontor.sales.models import OrderStatus, Pipeline, StageKind
from kontor.sources.services import source_label

LINE_ROWS = 3
MAX_LINE_ROWS = 100


class ServiceErrorsMixin:
    """Put a service's field errors next to the fields they concern."""

    error_fields: dict[str, str] = {}

    def add_service_errors(self, errors: Mapping[str, Iterable[str]]) -> None:
        for key, reasons in errors.items():
            messages = [translate_reason(reason) for reason in reasons]
            field = self.error_fields.get(key, key)
            if key.startswith("custom."):
                field = f"custom_{key.removeprefix('custom.')}"
            if field not in self.fields:
                if key != "__all__":
                    messages = [f"{key}: {message}" for message in messages]
                field = None
            self.add_error(field, messages)


class CustomerFields(forms.Form):
    """The customer by name: an organization and/or a contact the user may see."""

    organization = forms.CharField(
        label=_("Organization"), required=False, max_length=255,
        help_text=_("The name as it is stored."),
    )  # fmt: skip
    organization_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    contact = forms.CharField(
        label=_("Contact"), required=False, max_length=255,
        help_text=_("A person's name as it is stored; optional with an organization."),
    )  # fmt: skip
    contact_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def set_customer(self, record: Any) -> None:
        from kontor.contacts.visibility import shown_contact_id, shown_organization_id

        if shown_organization_id(self.user, record):
            self.initial.update(
                organization=record.organization.name, organization_id=record.organization_id
            )
        if shown_contact_id(self.user, record):
            self.initial.update(contact=record.contact.display_name, contact_id=record.contact_id)

    def _named(self, field: str, model_selector: Any, name_field: str, chosen: Any) -> Any:
        name = (self.cleaned_data.get(field) or "").strip()
        if not name:
            return None
        records = model_selector(self.user)
        if chosen:
            record = records.filter(pk=chosen).first()
            if record is not None and getattr(record, name_field) == name:
                return record
        organization = getattr(self, "_organization", None)
        if field == "contact" and organization is not None:
            records = records.filter(organization=organization)
        matches = list(records.filter(**{f"{name_field}__iexact": name})[:2])
        if not matches:
            self.add_error(field, _("Nobody of this name is stored; check the spelling."))
            return None
        if len(matches) > 1:
            self.add_error(field, _("Several records have this name; open the deal from one."))
            return None
        return matches[0]

    def customer_data(self) -> dict[str, Any]:
        self._organization = self._named(
            "organization",
            contact_selectors.visible_organizations,
            "name",
            self.cleaned_data.get("organization_id"),
        )
        contact = self._named(
            "contact",
            contact_selectors.visible_contacts,
            "display_name",
            self.cleaned_data.get("contact_id"),
        )
        return {
            "organization_id": self._organization.pk if self._organization else None,
            "contact_id": contact.pk if contact else None,
        }


class DealForm(ServiceErrorsMixin, CustomerFields):
    error_fields = {
        "organization_id": "organization",
        "contact_id": "contact",
        "pipeline_id": "pipeline",
        "stage_id": "stage",
        "owner_id": "owner",
    }

    title = forms.CharField(label=_("Title"), max_length=255)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.all(), empty_label=None
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=())
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, decimal_places=2, max_digits=16,
        localize=True,
    )  # fmt: skip
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    probability = forms.IntegerField(
        label=_("Probability (%)"), required=False, min_value=0, max_value=100,
        help_text=_("Empty: the stage's."),
    )  # fmt: skip
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )  # fmt: skip
    owner = UserChoiceField(label=_("Owner"), queryset=active_users(), required=False)
    source = forms.CharField(label=_("Source"), max_length=120, required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=255, required=False)
    lost_reason = forms.CharField(
        label=_("Lost reason"), max_length=500, required=False,
        help_text=_("Required when the deal is lost."),
    )  # fmt: skip
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, deal: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.deal = deal
        self.fields["stage"].choices = [
            (str(stage.pk), f"{pipeline} – {stage}")
            for pipeline in Pipeline.objects.prefetch_related("stages")
            for stage in pipeline.stages.all()
        ]
        readable = fields_for(user, "deal")
        if not readable.may_read("amount"):
            del self.fields["amount"]
        self.custom_definitions = [
            d for d in definitions_for("deal") if readable.may_edit(f"custom.{d.key}")
        ]
        for definition in self.custom_definitions:
            self.fields[f"custom_{definition.key}"] = custom_form_field(definition)
        if deal is not None and not self.is_bound:
            self.set_customer(deal)
            self.initial.update(
                title=deal.title, pipeline=deal.pipeline_id, stage=str(deal.stage_id),
                amount=deal.amount, currency=deal.currency, probability=deal.probability,
                expected_close_date=deal.expected_close_date, owner=deal.owner_id,
                source=deal.source, next_step=deal.next_step, lost_reason=deal.lost_reason,
                version=deal.version,
            )  # fmt: skip
            from kontor.contacts.protection import current_custom_values

            for key, value in current_custom_values(deal).items():
                self.initial[f"custom_{key}"] = value

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {
            "title": data["title"],
            "pipeline_id": data["pipeline"].pk,
            "stage_id": data["stage"],
            "currency": data.get("currency") or None,
            "probability": data.get("probability"),
            "expected_close_date": data.get("expected_close_date"),
            "owner_id": data["owner"].pk if data.get("owner") else None,
            "source": data.get("source", ""),
            "next_step": data.get("next_step", ""),
            "lost_reason": data.get("lost_reason", ""),
            **self.customer_data(),
        }
        if "amount" in self.fields:
            values["amount"] = str(data["amount"]) if data.get("amount") is not None else "0"
        if values["currency"] is None:
            values.pop("currency")
        custom = {}
        for definition in self.custom_definitions:
            value = data.get(f"custom_{definition.key}")
            if definition.field_type == CustomFieldType.BOOLEAN:
                custom[definition.key] = bool(value)
            elif value not in (None, ""):
                custom[definition.key] = value
            elif self.deal is not None:
                custom[definition.key] = None
        if custom:
            values["custom"] = custom
        return values


class MoveForm(forms.Form):
    """Move a card to another stage without JavaScript (and by keyboard)."""

    stage = forms.UUIDField()
    version = forms.IntegerField(required=False, min_value=0)
    lost_reason = forms.CharField(max_length=500, required=False)


class BoardFilterForm(forms.Form):
    owner = UserChoiceField(label=_("Owner"), queryset=active_users(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False)
    close_month = forms.CharField(
        label=_("Close month"), required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from kontor.access.models import Team

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")

    def filters(self) -> dict[str, Any]:
        import datetime

        if not self.is_valid():
            return {}
        values: dict[str, Any] = {}
        if self.cleaned_data.get("owner"):
            values["owner_id"] = self.cleaned_data["owner"].pk
        if self.cleaned_data.get("team"):
            values["team_id"] = self.cleaned_data["team"].pk
        month = (self.cleaned_data.get("close_month") or "").strip()
        if month:
            try:
                values["close_month"] = datetime.date.fromisoformat(f"{month}-01")
            except ValueError:
                self.add_error("close_month", _("Give a month as YYYY-MM."))
        return values


class LineForm(forms.Form):
    product = forms.ChoiceField(label=_("Product"), required=False, choices=())
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    quantity = forms.CharField(label=_("Quantity"), required=False, max_length=40,
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))  # fmt: skip
    unit_price = forms.CharField(
        label=_("Unit price"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )  # fmt: skip
    discount_percent = forms.CharField(
        label=_("Discount (%)"), required=False, max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )  # fmt: skip
    tax_rate = forms.CharField(
        label=_("Tax rate (%)"), required=False, max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )  # fmt: skip

    def is_empty(self) -> bool:
        data = self.cleaned_data
        return not any(data.get(f) for f in ("product", "description", "quantity", "unit_price"))

    def line_data(self) -> dict[str, Any]:
        def number(text: str) -> str | None:
            text = (text or "").strip().replace(" ", "")
            if "," in text:  # German: 1.234,5
                text = text.replace(".", "").replace(",", ".")
            return text or None

        data = self.cleaned_data
        line = {
            "product_id": data.get("product") or None,
            "description": data.get("description") or None,
            "quantity": number(data.get("quantity")) or "",
            "unit_price": number(data.get("unit_price")),
            "discount_percent": number(data.get("discount_percent")),
            "tax_rate": number(data.get("tax_rate")),
        }
        return {k: v for k, v in line.items() if v is not None}


class QuoteForm(ServiceErrorsMixin, CustomerFields):
    error_fields = {"organization_id": "organization", "contact_id": "contact",
                    "deal_id": "deal"}  # fmt: skip

    deal_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    valid_until = forms.DateField(
        label=_("Valid until"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )  # fmt: skip
    customer_address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("As it is printed on the quote."),
    )  # fmt: skip
    introduction = forms.CharField(
        label=_("Introduction"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    terms = forms.CharField(
        label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    rows = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1,
                              max_value=MAX_LINE_ROWS)  # fmt: skip


def line_forms(data: Any, *, user: Any, rows: int, initial: list[dict] | None = None) -> list:
    from kontor.sales.selectors import current, visible_products

    products = [("", _("— free text —"))] + [
        (str(p.pk), f"{p.sku} · {p.name}")
        for p in current(visible_products(user)).filter(active=True).order_by("name")[:1000]
    ]
    forms_ = []
    for index in range(rows):
        form = LineForm(
            data, prefix=f"line-{index}",
            initial=(initial[index] if initial and index < len(initial) else None),
        )  # fmt: skip
        form.fields["product"].choices = products
        forms_.append(form)
    return forms_


class SendForm(forms.Form):
    to = forms.CharField(
        label=_("To"), max_length=2000, help_text=_("Email addresses, separated by commas.")
    )
    message = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def addresses(self) -> list[str]:
        return [a.strip() for a in self.cleaned_data["to"].split(",") if a.strip()]


class OrderStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=OrderStatus.choices)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ProductForm(ServiceErrorsMixin, forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.CharField(label=_("Unit"), max_length=32, required=False)
    net_price = forms.DecimalField(label=_("Net unit price"), min_value=0, decimal_places=4,
                                   max_digits=18, localize=True)  # fmt: skip
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    tax_rate = forms.DecimalField(label=_("Tax rate (%)"), min_value=0, max_value=100,
                                  decimal_places=2, max_digits=5, localize=True)  # fmt: skip
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, maintained: Mapping[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.maintained = show_maintained(self, maintained or {})

    def service_data(self) -> dict[str, Any]:
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if k != "version" and k not in self.maintained
        }
        for field in ("net_price", "tax_rate"):
            if field in data:
                data[field] = str(data[field])
        if not data.get("currency"):
            data.pop("currency", None)
        return data


def show_maintained(form: forms.Form, owned: Mapping[str, str]) -> dict[str, str]:
    """Fields an outside source (an ERP) maintains are shown, not edited:
    "Maintained in SAP" (kontor.sources). ``owned``: ``{field: source}``;
    returns ``{field: source label}`` of the form's fields among them."""
    shown: dict[str, str] = {}
    for field, source in owned.items():
        if field in form.fields:
            label = source_label(source)
            form.fields[field].disabled = True
            form.fields[field].help_text = _("Maintained in %(source)s; change it there.") % {
                "source": label
            }
            shown[field] = label
    return shown


STAGE_KINDS = StageKind
