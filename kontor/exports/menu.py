"""The export menu of a list page: a link for each format that exports what
the page shows, with its filters (not its page)."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kontor.access.policy import may_use_level
from kontor.access.rights import Action
from kontor.core.records import record_type

ENTRIES = (
    ({"format": "csv", "delimiter": "semicolon"}, _("CSV for Excel (semicolons)")),
    ({"format": "csv"}, _("CSV (commas)")),
    ({"format": "xlsx"}, _("Excel workbook (XLSX)")),
    ({"format": "vcf"}, _("vCard (address books)")),
)


@dataclass(frozen=True)
class ExportLink:
    label: Promise | str
    url: str


def export_links(request: HttpRequest, key: str, export_url: str) -> list[ExportLink]:
    """The links to ``export_url`` for the list of type ``key`` the request
    shows; none for a user without the export right."""
    kind = record_type(key)
    if kind.export is None or not may_use_level(request.user, key, Action.EXPORT):
        return []
    links = []
    for parameters, label in ENTRIES:
        if parameters["format"] == "vcf" and not kind.export.vcard:
            continue
        query = request.GET.copy()
        for name in ("cursor", "format", "delimiter"):
            query.pop(name, None)
        query.update(parameters)
        links.append(ExportLink(label, f"{export_url}?{query.urlencode()}"))
    return links
