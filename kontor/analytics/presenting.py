"""A dashboard as JSON, as CSV and as the rows of its table view."""

import csv
import io
from typing import Any

from django.utils.formats import number_format

from kontor.analytics.dashboards import Dashboard
from kontor.exports.formats import neutralized


def as_json(board: Dashboard) -> dict[str, Any]:
    return {
        "dashboard": board.key,
        "filters": board.filters.as_dict(),
        "series": [
            {
                "name": s.name,
                "key": s.key,
                "unit": s.unit,
                "points": [{"label": p.label, "value": p.value} for p in s.points],
            }
            for s in board.series
        ],
        "labels": [
            {"label": label, "name": board.label_names.get(label, label)} for label in board.labels
        ],
        "extras": board.extras,
        "notes": board.notes,
    }


def table_rows(board: Dashboard) -> list[tuple[str, list[Any]]]:
    """A row per label: its readable name and each series' value."""
    values = [{p.label: p.value for p in s.points} for s in board.series]
    return [
        (board.label_names.get(label, label), [v.get(label) for v in values])
        for label in board.labels
    ]


def shown(value: Any, unit: str) -> str:
    """A value as the table shows it: amounts with two places, grouped."""
    if value is None:
        return "–"
    if unit in ("count",):
        return number_format(value, use_l10n=True, force_grouping=True)
    places = 1 if unit in ("percent", "days") else 2
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def shown_rows(board: Dashboard) -> list[tuple[str, list[str]]]:
    units = [s.unit for s in board.series]
    return [
        (name, [shown(v, unit) for v, unit in zip(row, units, strict=True)])
        for name, row in table_rows(board)
    ]


def as_csv(board: Dashboard) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["label", *(neutralized(s.name) for s in board.series)])
    for name, row in table_rows(board):
        writer.writerow([neutralized(name), *("" if v is None else v for v in row)])
    return out.getvalue()
