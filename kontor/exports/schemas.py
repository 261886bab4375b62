"""The query parameters every list's export adds to the list's filters."""

from typing import Literal

from ninja import Schema
from pydantic import Field


class ExportParams(Schema):
    format: Literal["csv", "xlsx", "vcf"] = Field(
        "csv", description="csv (UTF-8 with BOM), xlsx, or vcf (vCard 4.0)."
    )
    delimiter: Literal["comma", "semicolon"] = Field(
        "comma", description="The CSV delimiter; semicolon for spreadsheets set to German."
    )
