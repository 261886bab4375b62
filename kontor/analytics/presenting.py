"""A dashboard as JSON, as CSV and as the rows of its table view."""

import csv
import io
from typing import Any

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


def as_csv(board: Dashboard) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["label", *(neutralized(s.name) for s in board.series)])
    for name, row in table_rows(board):
        writer.writerow([neutralized(name), *("" if v is None else v for v in row)])
    return out.getvalue()
