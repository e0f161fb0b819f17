"""Administration: user accounts and register imports (all or nothing)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, UploadFile
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.exc import IntegrityError

from api.deps import DbSession
from api.problems import Problem
from api.security import Admin
from spacemap.auth import USERNAME_PATTERN, WeakPassword
from spacemap.i18n import _
from spacemap.ingest.importer import import_file
from spacemap.ingest.issues import ImportRejected
from spacemap.ingest.readers import BadCrs, Limits, parse_crs
from spacemap.store import audit, users
from spacemap.text import PlainText
from spacemap.vocab import ROLES

router = APIRouter(prefix="/api", tags=["管理 / Administration"])

Role = Literal[tuple(ROLES)]  # type: ignore[valid-type]
Username = Annotated[str, Path(pattern=USERNAME_PATTERN)]


class NewUser(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "xinsuan",
                    "password": "a-long-secret-1",
                    "role": "company",
                    "company_name": "芯算智能",
                },
                {"username": "li.reviewer", "password": "a-long-secret-2", "role": "reviewer"},
            ]
        },
    )

    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(min_length=10, max_length=256)
    role: Role
    company_name: PlainText | None = Field(None, min_length=1, max_length=128)

    @model_validator(mode="after")
    def _company_named(self) -> NewUser:
        if self.role == "company" and not self.company_name:
            raise ValueError(_("company_name is required for a company account"))
        return self


class UserView(BaseModel):
    username: str
    role: str
    company_name: str | None
    is_active: bool
    created_at: dt.datetime


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    is_active: bool


class ReconciledView(BaseModel):
    """A unit stored with less free area than the file said, because spacemap approved space in
    it that the register does not count (the unit's audit trail has the same entry)."""

    code: str
    register_available_m2: float
    approved_m2: float
    stored_available_m2: float


class ImportView(BaseModel):
    rows: int
    created: int
    updated: int
    ignored_columns: list[str]
    reconciled: list[ReconciledView] = []


@router.post("/users", status_code=201, response_model=UserView, summary="新建用户 / Add a user")
def add_user(session: DbSession, actor: Admin, body: NewUser) -> UserView:
    if users.by_username(session, body.username) is not None:
        raise Problem(
            409, _("the user name '%(name)s' is taken", name=body.username), field="username"
        )
    try:
        with session.begin_nested():
            user = users.add_user(
                session, body.username, body.role, body.password, body.company_name
            )
    except WeakPassword as exc:
        raise Problem(422, exc.message, field="password") from None
    except IntegrityError:
        raise Problem(
            409, _("the user name '%(name)s' is taken", name=body.username), field="username"
        ) from None
    audit.record(
        session,
        actor,
        "user",
        user.username,
        "create",
        after={"role": user.role, "company_name": user.company_name},
    )
    return UserView.model_validate(user, from_attributes=True)


@router.get("/users", response_model=list[UserView], summary="用户列表 / Users")
def list_users(session: DbSession, actor: Admin) -> list[UserView]:
    return [UserView.model_validate(u, from_attributes=True) for u in users.list_users(session)]


@router.patch(
    "/users/{username}", response_model=UserView, summary="启用/停用用户 / Activate or deactivate"
)
def change_user(session: DbSession, actor: Admin, username: Username, body: UserChange) -> UserView:
    user = users.by_username(session, username)
    if user is None:
        raise Problem(404, _("there is no user '%(name)s'", name=username))
    if not body.is_active and user.id == actor.id:
        raise Problem(409, _("you cannot deactivate yourself"), field="is_active")
    before = {"is_active": user.is_active}
    users.set_active(session, user, body.is_active)
    audit.record(
        session,
        actor,
        "user",
        user.username,
        "activate" if body.is_active else "deactivate",
        before=before,
        after={"is_active": user.is_active},
    )
    return UserView.model_validate(user, from_attributes=True)


@router.post(
    "/imports/{kind}",
    response_model=ImportView,
    summary="导入登记数据 / Import parks or units (all or nothing)",
)
def import_register(
    session: DbSession,
    actor: Admin,
    kind: Literal["parks", "units"],
    file: Annotated[UploadFile, File(description="CSV, GeoJSON or GeoPackage")],
    crs: Annotated[str | None, Form(max_length=32)] = None,
    encoding: Annotated[str, Form(max_length=32)] = "utf-8",
) -> ImportView:
    name = FsPath(file.filename or "upload.csv").name
    suffix = FsPath(name).suffix.lower()
    if suffix not in (".csv", ".geojson", ".json", ".gpkg"):
        raise Problem(
            415,
            _("unsupported file type '%(suffix)s': use .csv, .geojson or .gpkg", suffix=suffix),
            field="file",
        )
    try:
        datum = parse_crs(crs) if crs else None
    except BadCrs as exc:
        raise Problem(422, exc.message, field="crs") from None
    limits = Limits.from_settings()
    data = file.file.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise Problem(
            413,
            _(
                "the file is larger than %(max)s MB; import at most that much at a "
                "time (split the file)",
                max=f"{limits.max_bytes / 2**20:.0f}",
            ),
            field="file",
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = FsPath(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            with session.begin_nested():
                result = import_file(
                    session, kind, path, datum, encoding, actor=actor, name=name, limits=limits
                )
        except ImportRejected as exc:
            errors = [
                {"row": i.row, "field": i.field, "reason": str(i.message)} for i in exc.issues
            ]
            detail = str(exc.summary())
            if exc.unlisted() is not None:
                detail += f"; {exc.unlisted()}"
            raise Problem(
                422,
                detail,
                field=errors[0]["field"] if errors else None,
                errors=errors,
                total=exc.total,
            ) from None
    return ImportView(
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        ignored_columns=list(result.ignored_columns),
        reconciled=[
            ReconciledView(
                code=c.code,
                register_available_m2=c.register_m2,
                approved_m2=c.approved_m2,
                stored_available_m2=c.stored_m2,
            )
            for c in result.reconciled
        ],
    )
