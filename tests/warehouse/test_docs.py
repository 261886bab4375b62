"""docs/analytics.md stays true: its schema section is the one the
registry's tables generate, and each of its five business questions runs
against a generated export and answers it."""

import re
from pathlib import Path

import pytest

from kontor.warehouse import query
from kontor.warehouse.schema import schema_markdown

PAGE = Path(__file__).resolve().parents[2] / "docs" / "analytics.md"


def documented_queries() -> list[str]:
    return re.findall(r"^```sql\n(.*?)^```", PAGE.read_text(), flags=re.MULTILINE | re.DOTALL)


def test_the_schema_section_is_generated_from_the_registry():
    text = PAGE.read_text()
    documented = text.split("<!-- schema:start -->\n", 1)[1].split("<!-- schema:end -->", 1)[0]
    assert documented.strip() == schema_markdown().strip(), (
        "docs/analytics.md is behind the registry: paste kontor.warehouse.schema."
        "schema_markdown() between its schema markers"
    )


def test_the_page_shows_five_business_questions():
    assert len(documented_queries()) == 5


@pytest.fixture
def answers(exported):
    return [query.run(exported, sql) for sql in documented_queries()]


def test_the_business_questions_answer_on_an_export(answers, world):
    conversion, pipeline, won, activities, overdue = answers
    quarter = f"{world['won'].created_at.year}-Q{(world['won'].created_at.month - 1) // 3 + 1}"
    assert conversion[0] == [
        "lead_source", "year_quarter", "deals", "won", "conversion_percent"
    ]  # fmt: skip
    assert sorted(conversion[1]) == [
        ("Messe", quarter, 1, 1, 100.0),
        ("Website", quarter, 1, 0, 0.0),
    ]
    assert [(row[0], row[2], row[3]) for row in pipeline[1]] == [
        ("New business", 1, world["open"].amount)
    ]
    world["won"].refresh_from_db()
    assert [(row[1], row[2], row[3]) for row in won[1]] == [("EUR", 1, world["won"].amount)]
    assert sum(row[3] for row in activities[1]) == world["activities"]
    assert {row[0] for row in activities[1]} == {"Vertrieb"}
    assert overdue[1] == [("31-60 days", "EUR", 1, world["invoice"].gross_amount)]
