"""The `spacemap` command. Each command is a thin shell over a library call, so tests and the API
use the same code paths as a person at the terminal."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from spacemap.config import get_settings
from spacemap.datareport import data_app
from spacemap.scale.cli import scale_app

app = typer.Typer(
    help="spacemap — 福田区产业空间地图与匹配服务 / Futian industrial-space map and matching.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="数据库 / Database: the embedded PostGIS or SPACEMAP_DATABASE_URL.")
import_app = typer.Typer(help="导入登记数据 / Import the bureau's registers (all or nothing).")
users_app = typer.Typer(help="用户 / User accounts (roles: company, reviewer, planner, admin).")
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(users_app, name="users")
app.add_typer(data_app, name="data")
app.add_typer(scale_app, name="scale")  # docs/SCALING.md: the scale stack on one machine

console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]错误 / error:[/] {message}")
    return typer.Exit(code)


@db_app.command("up")
def db_up() -> None:
    """启动内置 PostGIS 并建库 / Start the embedded PostGIS (unless a URL is set); create the DB."""
    from spacemap.database import create_database
    from spacemap.embedded import EmbeddedCluster, EmbeddedError

    settings = get_settings()
    try:
        if settings.embedded:
            with console.status("starting embedded PostGIS / 正在启动内置 PostGIS…"):
                status = EmbeddedCluster(settings).up()
            console.print(f"PostGIS running on 127.0.0.1:{status.port}, data in {status.data_dir}")
        create_database(settings.url())
    except EmbeddedError as exc:
        raise _fail(str(exc)) from exc
    except Exception as exc:  # connection errors from an external URL
        raise _fail(f"cannot reach the database: {exc}") from exc
    console.print(f"database ready / 数据库就绪: {settings.url()}")


@db_app.command("down")
def db_down() -> None:
    """停止内置 PostGIS / Stop the embedded PostGIS."""
    from spacemap.embedded import EmbeddedCluster

    settings = get_settings()
    if not settings.embedded:
        console.print("SPACEMAP_DATABASE_URL is set: no embedded server to stop")
        return
    stopped = EmbeddedCluster(settings).down()
    console.print("stopped / 已停止" if stopped else "was not running / 未在运行")


@db_app.command("status")
def db_status() -> None:
    """数据库状态 / Report whether the database is up, its versions and schema revision."""
    from spacemap.database import get_engine, server_versions
    from spacemap.embedded import EmbeddedCluster
    from spacemap.migrate import current_revision, head_revision

    settings = get_settings()
    if settings.embedded:
        s = EmbeddedCluster(settings).status()
        state = "running / 运行中" if s.running else "stopped / 已停止"
        console.print(
            f"embedded PostGIS: {state}; data {s.data_dir}; port {s.port}; log {s.log_file}"
        )
        if not s.running:
            raise typer.Exit(3)
    try:
        versions = server_versions(get_engine())
        revision = current_revision(settings.url())
    except Exception as exc:
        raise _fail(f"cannot query {settings.url()}: {exc}", 3) from exc
    console.print(f"PostgreSQL {versions['postgresql']}, PostGIS {versions['postgis']}")
    console.print(f"schema revision {revision or '(none)'} (code expects {head_revision()})")


@db_app.command("url")
def db_url() -> None:
    """打印数据库连接串 / Print the database URL in use."""
    print(get_settings().url())


@db_app.command("migrate")
def db_migrate() -> None:
    """升级表结构 / Apply Alembic migrations up to the latest revision."""
    from spacemap.migrate import upgrade

    upgrade(get_settings().url())
    console.print("schema at head / 表结构已是最新")


def _summary(counts: dict[str, dict[str, int]]) -> Table:
    table = Table(title="福田数据集 / Futian dataset")
    table.add_column("table / 表")
    for col in ("rows / 行", "estimated / 估算", "synthetic / 合成"):
        table.add_column(col, justify="right")
    for name, c in counts.items():
        table.add_row(name, str(c["rows"]), str(c["estimated"]), str(c["synthetic"]))
    return table


@app.command("load")
def load(
    if_needed: Annotated[
        bool, typer.Option("--if-needed", help="已加载同版本则跳过 / skip if already loaded")
    ] = False,
) -> None:
    """加载福田数据集 / Load the bundled Futian dataset in one transaction (idempotent)."""
    from spacemap.database import get_engine, session_scope
    from spacemap.ingest.dataset import DatasetInvalid, load_dataset
    from spacemap.migrate import current_revision, head_revision

    settings = get_settings()
    if current_revision(settings.url()) != head_revision():
        raise _fail("schema is not up to date; run `spacemap db migrate` first")
    try:
        with (
            console.status("loading / 正在加载…") as status,
            session_scope(get_engine()) as session,
        ):
            result = load_dataset(session, force=not if_needed, progress=status.update)
    except DatasetInvalid as exc:
        raise _fail(f"dataset rejected, nothing written: {exc}") from exc
    if result.skipped:
        console.print(f"already loaded / 已是最新 (dataset {result.sha256[:12]})")
    console.print(_summary(result.counts))


def _import(kind: str, file: Path, crs: str | None, encoding: str) -> None:
    from spacemap.database import get_engine, session_scope
    from spacemap.ingest.importer import import_file
    from spacemap.ingest.issues import ImportRejected
    from spacemap.ingest.readers import parse_crs

    try:
        crs = parse_crs(crs) if crs else None
    except ValueError as exc:
        raise _fail(str(exc), 2) from exc
    try:
        with session_scope(get_engine()) as session:
            result = import_file(session, kind, file, crs, encoding)  # type: ignore[arg-type]
    except ImportRejected as exc:
        table = Table(title=f"拒绝导入，未写入任何数据 / {file.name} refused, nothing written")
        for col in ("row / 行", "field / 字段", "problem / 问题"):
            table.add_column(col)
        for issue in exc.issues:
            table.add_row(
                "file" if issue.row is None else str(issue.row), issue.field, issue.message
            )
        err.print(table)
        raise typer.Exit(1) from exc
    console.print(
        f"imported {result.rows} {kind}: {result.created} new, {result.updated} updated"
        + (
            f"; ignored columns: {', '.join(result.ignored_columns)}"
            if result.ignored_columns
            else ""
        )
    )


CrsOption = Annotated[
    str | None,
    typer.Option(
        "--crs",
        help="坐标系 / coordinate datum: wgs84, gcj02, bd09 or EPSG:<code> "
        "(CSV default wgs84; GeoJSON/GeoPackage default: the file's own CRS)",
    ),
]
EncodingOption = Annotated[
    str, typer.Option("--encoding", help="CSV 文件编码 / CSV text encoding (default utf-8)")
]
FileArg = Annotated[
    Path, typer.Argument(help="CSV (lng/lat columns), GeoJSON or GeoPackage", exists=False)
]


@import_app.command("parks")
def import_parks(file: FileArg, crs: CrsOption = None, encoding: EncodingOption = "utf-8") -> None:
    """导入园区 / Import parks: name_zh, park_type, lng, lat (+ optional figures, industries)."""
    _import("parks", file, crs, encoding)


@import_app.command("units")
def import_units(file: FileArg, crs: CrsOption = None, encoding: EncodingOption = "utf-8") -> None:
    """导入空间单元 / Import rentable units: code, park, capacity_m2, available_m2, rent, date."""
    _import("units", file, crs, encoding)


PasswordOption = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="SPACEMAP_NEW_PASSWORD",
        help="密码（至少 10 位）/ password, at least 10 characters (or SPACEMAP_NEW_PASSWORD)",
    ),
]


def _add_user(username: str, role: str, password: str, company: str | None) -> None:
    from sqlalchemy.exc import IntegrityError

    from spacemap.auth import WeakPassword
    from spacemap.database import session_scope
    from spacemap.store import audit, users

    try:
        with session_scope() as session:
            if users.by_username(session, username) is not None:
                raise _fail(f"用户名已存在 / username {username!r} is taken")
            user = users.add_user(session, username, role, password, company)
            audit.record(session, audit.SYSTEM, "user", username, "create",
                         after={"role": role, "company_name": company}, reason="cli")  # fmt: skip
    except WeakPassword as exc:
        raise _fail(str(exc), 2) from exc
    except IntegrityError as exc:
        raise _fail(f"invalid user: {exc.orig}", 2) from exc
    console.print(f"created {user.role} {user.username!r} / 已创建用户")


@users_app.command("create-admin")
def users_create_admin(
    username: Annotated[str, typer.Argument(help="用户名 / username")],
    password: PasswordOption,
) -> None:
    """创建管理员 / Create an administrator (the first account; then use the API)."""
    _add_user(username, "admin", password, None)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="用户名 / username")],
    role: Annotated[str, typer.Option(help="company | reviewer | planner | admin")],
    password: PasswordOption,
    company: Annotated[str | None, typer.Option(help="企业名称 / company name")] = None,
) -> None:
    """新建用户 / Add a user with one role."""
    from spacemap.vocab import ROLES

    if role not in ROLES:
        raise _fail(f"role must be one of {', '.join(ROLES)}", 2)
    if role == "company" and not company:
        raise _fail("--company is required for a company account / 企业账户须填 --company", 2)
    _add_user(username, role, password, company)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (SPACEMAP_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (SPACEMAP_PORT)")] = None,
) -> None:
    """启动网页与 API 服务 / Serve the web app and API."""
    import uvicorn

    settings = get_settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(f"spacemap on http://{bind_host}:{bind_port}/ (health: /health)")
    # spacemap writes its own structured access log (api.middleware); uvicorn's would duplicate it.
    uvicorn.run(
        "api.app:create_app", factory=True, host=bind_host, port=bind_port, access_log=False
    )


def _register_plugins() -> None:
    """Commands of the packages built on the core (matching, …), declared as entry points."""
    for entry in entry_points(group="spacemap.commands"):
        entry.load()(app)


def main() -> None:
    _register_plugins()
    app(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
