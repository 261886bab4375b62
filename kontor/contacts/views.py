"""Web UI of organizations and contacts (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def _placeholder(request, **kwargs):
    return HttpResponse("Kontor")


contact_list = contact_create = contact_detail = contact_edit = contact_delete = _placeholder
organization_list = organization_create = organization_detail = _placeholder
organization_edit = organization_delete = _placeholder
