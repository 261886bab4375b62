from django.contrib import admin

from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.sales.models import PriceList, PriceListItem, Product


class PriceListItemInline(admin.TabularInline):
    model = PriceListItem
    autocomplete_fields = ["product"]
    extra = 1


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    """Price lists per customer group and period (kontor.sales.pricing)."""

    list_display = ["name", "customer_group", "currency", "valid_from", "valid_until"]
    search_fields = ["name", "customer_group"]
    inlines = [PriceListItemInline]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            object_type="sales.pricelist",
            object_id=obj.pk,
            object_repr=str(obj),
            changes={
                field: [None, str(form.cleaned_data.get(field))] for field in form.changed_data
            },
        )

    def delete_model(self, request, obj) -> None:
        audit_record(
            actor=request.user,
            action=AuditAction.DELETE,
            object_type="sales.pricelist",
            object_id=obj.pk,
            object_repr=str(obj),
        )
        super().delete_model(request, obj)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Read-only here (products change through the product pages and the API,
    which check access and write the audit trail); listed for the price
    lists' product search."""

    list_display = ["sku", "name", "net_price", "currency", "tax_rate", "active"]
    search_fields = ["sku", "name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
