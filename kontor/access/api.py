"""API of access management: users, teams, roles, field categories (for
administrators) and the shares of a record (for whoever may edit it)."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from kontor.access import selectors, services
from kontor.access.policy import visible_records
from kontor.api.fields import Cursor
from kontor.api.schemas import Schema, StrictSchema
from kontor.core.exceptions import FieldErrors
from kontor.core.pagination import paginate
from kontor.core.records import CATEGORIES, is_registered

router = Router(tags=["access"])

NOT_FOUND = {"detail": "Not found."}
MAX_ID = 2**63 - 1
CategoryName = Literal[tuple(CATEGORIES)]  # type: ignore[valid-type]


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


# Users ---------------------------------------------------------------------------------


class UserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    is_active: bool
    teams: list[UUID] = Field(description="Ids of the user's teams.")
    roles: list[UUID] = Field(description="Ids of the user's roles.")
    last_login: datetime | None
    date_joined: datetime

    @staticmethod
    def resolve_teams(obj) -> list[UUID]:
        return [team.pk for team in obj.kontor_teams.all()]

    @staticmethod
    def resolve_roles(obj) -> list[UUID]:
        return [role.pk for role in obj.kontor_roles.all()]


class UserList(Schema):
    items: list[UserOut]
    next: str | None


class UserIn(StrictSchema):
    username: str = Field(max_length=150)
    password: str = Field(
        max_length=4096, description="Checked by the configured password validators."
    )
    email: str = Field("", max_length=254)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    teams: list[UUID] = Field(default_factory=list, max_length=500)
    roles: list[UUID] = Field(default_factory=list, max_length=100)
    is_active: bool = True


class UserPatch(StrictSchema):
    username: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    teams: list[UUID] | None = Field(None, max_length=500)
    roles: list[UUID] | None = Field(None, max_length=100)
    is_active: bool | None = None


def _user_data(payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=partial)
    if partial:  # null leaves a field as it is
        data = {k: v for k, v in data.items() if v is not None}
    for field in ("teams", "roles"):
        if data.get(field) is not None:
            data[field] = [str(i) for i in data[field]]
    return data


@router.get("/users", response=UserList)
def list_users(request: HttpRequest, params: Query[PageParams]):
    """Every user (administrators only)."""
    services.require_manage_access(request.user)
    return paginate(
        selectors.user_list(), order=("username", "id"), limit=params.limit, cursor=params.cursor
    )


@router.post("/users", response={201: UserOut})
def create_user(request: HttpRequest, payload: UserIn):
    user = services.user_create(actor=request.user, data=_user_data(payload, partial=False))
    return Status(201, selectors.user_get(user.pk))


@router.get("/users/{user_id}", response={200: UserOut, 404: dict})
def get_user(request: HttpRequest, user_id: int):
    services.require_manage_access(request.user)
    user = selectors.user_get(user_id)
    if user is None:
        return Status(404, NOT_FOUND)
    return user


@router.patch("/users/{user_id}", response={200: UserOut, 404: dict})
def update_user(request: HttpRequest, user_id: int, payload: UserPatch):
    services.require_manage_access(request.user)
    user = selectors.user_get(user_id)
    if user is None:
        return Status(404, NOT_FOUND)
    services.user_update(actor=request.user, user=user, data=_user_data(payload, partial=True))
    return selectors.user_get(user.pk)


# Teams ----------------------------------------------------------------------------------


class TeamOut(Schema):
    id: UUID
    name: str
    member_ids: list[int]

    @staticmethod
    def resolve_member_ids(obj) -> list[int]:
        return sorted(member.pk for member in obj.members.all())


class TeamList(Schema):
    items: list[TeamOut]
    next: str | None


class TeamIn(StrictSchema):
    name: str = Field(max_length=100)
    member_ids: list[int] = Field(default_factory=list, max_length=1000)


@router.get("/teams", response=TeamList)
def list_teams(request: HttpRequest, params: Query[PageParams]):
    services.require_manage_access(request.user)
    return paginate(
        selectors.team_list(), order=("name", "id"), limit=params.limit, cursor=params.cursor
    )


@router.post("/teams", response={201: TeamOut})
def create_team(request: HttpRequest, payload: TeamIn):
    team = services.team_create(
        actor=request.user, name=payload.name, member_ids=payload.member_ids
    )
    return Status(201, selectors.team_list().get(pk=team.pk))


# Roles -----------------------------------------------------------------------------------


class RoleOut(Schema):
    id: UUID
    slug: str = Field(description="Stable key, e.g. team-lead.")
    name: str = Field(
        description='The default roles: "administrator", "sales", "service", "team lead", '
        '"data protection officer", "read-only".'
    )
    description: str
    levels: dict[str, dict[str, str]] = Field(
        description='Per object type ("*": every other type) and action (read, create, '
        "edit, delete, export): none, own, team or all."
    )
    categories: dict[str, str] = Field(
        description="Per field category (standard, personal, financial, special): "
        "none, read or edit."
    )
    manage_access: bool
    audit_scope: str = Field(description="none, records (their records' history) or all.")
    audit_by_employee: bool
    data_subject_requests: bool = Field(
        description="Records the requests of data subjects and exports their data."
    )


class RoleList(Schema):
    items: list[RoleOut]


@router.get("/roles", response=RoleList)
def list_roles(request: HttpRequest):
    services.require_manage_access(request.user)
    return {"items": list(selectors.role_list())}


# Field categories -------------------------------------------------------------------------


class FieldCategoryOut(Schema):
    object_type: str
    field: str = Field(description="A built-in field, or custom.<key> for a custom field.")
    label: str
    category: str
    categories: list[str] = Field(description="The categories this field may be given.")
    custom: bool


class FieldCategoryList(Schema):
    items: list[FieldCategoryOut]


class FieldCategoryIn(StrictSchema):
    object_type: str = Field(max_length=32)
    field: str = Field(max_length=100)
    category: CategoryName


@router.get("/field-categories", response=FieldCategoryList)
def list_field_categories(request: HttpRequest):
    """Every field with its sensitivity category."""
    services.require_manage_access(request.user)
    return {"items": selectors.field_category_list()}


@router.post("/field-categories", response=FieldCategoryOut)
def set_field_category(request: HttpRequest, payload: FieldCategoryIn):
    """Give a field another category. Custom values move into or out of
    encryption with it."""
    services.field_category_set(
        actor=request.user,
        object_type_key=payload.object_type,
        field=payload.field,
        category=payload.category,
    )
    return next(
        f
        for f in selectors.field_category_list()
        if f.object_type == payload.object_type and f.field == payload.field
    )


# Shares ----------------------------------------------------------------------------------


class ShareOut(Schema):
    id: UUID
    object_type: str
    object_id: UUID
    user_id: int | None
    team_id: UUID | None
    can_edit: bool
    created_at: datetime


class ShareList(Schema):
    items: list[ShareOut]


class ShareParams(Schema):
    object_type: str = Field(max_length=32)
    object_id: UUID


class ShareIn(StrictSchema):
    object_type: str = Field(max_length=32)
    object_id: UUID
    user_id: int | None = Field(None, ge=1, le=MAX_ID)
    team_id: UUID | None = None
    can_edit: bool = False


def _readable_record(request: HttpRequest, kind: str, record_id: UUID):
    if not is_registered(kind):
        raise FieldErrors.single("object_type", "is not an object type")
    return visible_records(request.user, kind).filter(pk=record_id).first()


@router.get("/shares", response={200: ShareList, 404: dict})
def list_shares(request: HttpRequest, params: Query[ShareParams]):
    """Who a record is shared with, for those who may read the record."""
    record = _readable_record(request, params.object_type, params.object_id)
    if record is None:
        return Status(404, NOT_FOUND)
    return {"items": list(selectors.shares_of(object_type=params.object_type, object_id=record.pk))}


@router.post("/shares", response={201: ShareOut, 404: dict})
def create_share(request: HttpRequest, payload: ShareIn):
    """Share a record with a user or a team (read, or also edit)."""
    from django.contrib.auth import get_user_model

    from kontor.access.models import Team

    record = _readable_record(request, payload.object_type, payload.object_id)
    if record is None:
        return Status(404, NOT_FOUND)
    user = team = None
    if payload.user_id is not None:
        user = get_user_model().objects.filter(pk=payload.user_id).first()
        if user is None:
            raise FieldErrors.single("user_id", "is not a user")
    if payload.team_id is not None:
        team = Team.objects.filter(pk=payload.team_id).first()
        if team is None:
            raise FieldErrors.single("team_id", "is not a team")
    share = services.share_create(
        actor=request.user, record=record, user=user, team=team, can_edit=payload.can_edit
    )
    return Status(201, share)


@router.delete("/shares/{share_id}", response={204: None, 404: dict})
def delete_share(request: HttpRequest, share_id: UUID):
    share = selectors.share_get(share_id)
    record = _readable_record(request, share.object_type, share.object_id) if share else None
    if share is None or record is None:
        return Status(404, NOT_FOUND)
    services.share_delete(actor=request.user, share=share, record=record)
    return Status(204, None)
