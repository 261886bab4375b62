"""The users and teams of the warehouse export (kontor.warehouse): dim_user
and dim_team. Both are small and carry no change time, so every export
writes them whole. In works-council mode the export pseudonymizes user ids
and leaves names out (the columns say which)."""

import datetime
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery

from kontor.access.models import Team
from kontor.core.records import WarehouseColumn, WarehouseSpec

CHUNK = 2000
Row = dict[str, Any]


def user_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    first_team = Team.objects.filter(members=OuterRef("pk")).order_by("name", "id")
    values = (
        get_user_model()
        .objects.order_by()
        .annotate(team_id=Subquery(first_team.values("id")[:1]))
        .values_list("id", "username", "first_name", "last_name", "is_active", "team_id")
    )
    for row in values.iterator(chunk_size=CHUNK):
        yield {
            "user_id": str(row[0]),
            "username": row[1],
            "name": f"{row[2]} {row[3]}".strip() or row[1],
            "is_active": row[4],
            "team_id": None if row[5] is None else str(row[5]),
        }


def team_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    for team_id, name in Team.objects.order_by().values_list("id", "name").iterator(CHUNK):
        yield {"team_id": str(team_id), "name": name}


C = WarehouseColumn

USER = WarehouseSpec(
    table="dim_user",
    rows="kontor.access.warehouse.user_rows",
    key=("user_id",),
    whole=True,
    description="Every user; pseudonymized in works-council mode.",
    columns=(
        C("user_id", "string", user="id"),
        C("username", "string", "null in works-council mode", user="name"),
        C("name", "string", "null in works-council mode", user="name"),
        C("is_active", "bool"),
        C("team_id", "string", "dim_team: the user's first team by name"),
    ),
)

TEAM = WarehouseSpec(
    table="dim_team",
    rows="kontor.access.warehouse.team_rows",
    key=("team_id",),
    whole=True,
    description="Every team.",
    columns=(C("team_id", "string"), C("name", "string")),
)
