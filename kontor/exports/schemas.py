"""The query parameters every list's export adds to the list's filters."""

from typing import Literal

from pydantic import Field

from kontor.api.schemas import Schema


class _DelimiterParam(Schema):
    delimiter: Literal["comma", "semicolon"] = Field(
        "comma", description="The CSV delimiter; semicolon for spreadsheets set to German."
    )


class ExportParams(_DelimiterParam):
    format: Literal["csv", "xlsx", "vcf"] = Field(
        "csv", description="csv (UTF-8 with BOM), xlsx, or vcf (vCard 4.0)."
    )


class TableExportParams(_DelimiterParam):
    """For a type without vCards: a table only."""

    format: Literal["csv", "xlsx"] = Field("csv", description="csv (UTF-8 with BOM) or xlsx.")
