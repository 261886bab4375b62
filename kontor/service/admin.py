"""Service addresses are set up in the admin (administrators only), as the
mailboxes are; the API offers the same (/api/v1/service-addresses)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kontor.contacts.normalization import InvalidContactPoint
from kontor.service import addresses
from kontor.service.models import ServiceAddress


class ServiceAddressForm(forms.ModelForm):
    class Meta:
        model = ServiceAddress
        fields = ["address", "team", "sla_policy"]

    def clean_address(self) -> str:
        try:
            return addresses.normalize_address(self.cleaned_data["address"].strip())
        except InvalidContactPoint:
            raise forms.ValidationError(_("Enter a valid email address.")) from None


@admin.register(ServiceAddress)
class ServiceAddressAdmin(admin.ModelAdmin):
    form = ServiceAddressForm
    list_display = ["address", "team", "sla_policy", "created_at"]
    list_filter = ["team"]
    search_fields = ["address"]

    def has_module_permission(self, request) -> bool:
        return addresses.may_manage(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return addresses.may_manage(request.user)

    has_add_permission = has_module_permission
    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission

    def save_model(self, request, obj, form, change) -> None:
        data = {
            "address": form.cleaned_data["address"],
            "team_id": str(form.cleaned_data["team"].pk),
            "sla_policy_id": (
                str(form.cleaned_data["sla_policy"].pk)
                if form.cleaned_data.get("sla_policy")
                else None
            ),
        }
        if change:
            fresh = ServiceAddress.objects.get(pk=obj.pk)
            addresses.address_update(actor=request.user, address=fresh, data=data)
        else:
            obj.pk = addresses.address_create(actor=request.user, data=data).pk

    def delete_model(self, request, obj) -> None:
        addresses.address_delete(actor=request.user, address=obj)

    def delete_queryset(self, request, queryset) -> None:
        for address in queryset:
            addresses.address_delete(actor=request.user, address=address)
