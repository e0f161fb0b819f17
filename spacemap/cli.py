"""The `spacemap` command. Each command is a thin shell over a library call, so tests and the API
use the same code paths as a person at the terminal.

Start-up is kept short: this module imports only typer, rich and the catalog; each command
imports what it needs when it runs (the database layer, pandas, the ranker…), so `spacemap
--help` does not pay for scikit-learn.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from spacemap.datareport import data_app
from spacemap.i18n import Msg, _, ngettext
from spacemap.scale.cli import scale_app
from spacemap.terminal import Failure, console, err, h, new_app, run, say_error

app = new_app(_("spacemap: the Futian industrial-space map and matching service."))
db_app = new_app(_("The database: the embedded PostGIS, or the one SPACEMAP_DATABASE_URL names."))
import_app = new_app(_("Import the bureau's registers (all or nothing)."))
users_app = new_app(_("User accounts (roles: company, reviewer, planner, admin)."))
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(users_app, name="users")
app.add_typer(data_app, name="data")
app.add_typer(scale_app, name="scale")  # docs/SCALING.md: the scale stack on one machine


def say(message: Msg | str) -> None:
    """One line for the person at the terminal (long paths and URLs are not wrapped)."""
    console.print(escape(str(message)), soft_wrap=True)


def _settings():
    from spacemap.config import get_settings

    return get_settings()


# -- the database ---------------------------------------------------------------------------


@db_app.command(
    "up",
    help=h(
        _(
            "Start the embedded PostGIS (unless SPACEMAP_DATABASE_URL is set) and create the "
            "database; with a URL, wait for that server to answer."
        )
    ),
)
def db_up() -> None:
    from spacemap.database import create_database, wait_for_database

    settings = _settings()
    if settings.embedded:
        from spacemap.embedded import EmbeddedCluster, EmbeddedError

        try:
            with console.status(h(_("starting the embedded PostGIS…"))):
                status = EmbeddedCluster(settings).up()
        except EmbeddedError as exc:
            raise Failure(exc.message) from exc
        say(
            _(
                "PostGIS is running on 127.0.0.1:%(port)s; data in %(data)s; log in %(log)s.",
                port=status.port,
                data=str(status.data_dir),
                log=str(status.log_file),
            )
        )
        say(
            _(
                "Every connection needs a password (kept in %(file)s, readable by you only); "
                "writes are flushed to disk (fsync on).",
                file=str(settings.passfile()),
            )
        )
    else:
        wait_for_database(settings.owner_url(), settings.db_wait_s, on_retry=_waiting)
    create_database(settings.owner_url())
    say(_("The database is ready: %(url)s", url=settings.url()))


def _waiting(attempt: int, delay: float, reason: str) -> None:
    say(
        _(
            "The database does not answer yet (%(reason)s); trying again in %(delay)s s "
            "(attempt %(attempt)s).",
            reason=reason,
            delay=f"{delay:.1f}",
            attempt=attempt,
        )
    )


@db_app.command("down", help=h(_("Stop the embedded PostGIS.")))
def db_down() -> None:
    from spacemap.embedded import EmbeddedCluster

    settings = _settings()
    if not settings.embedded:
        say(_("SPACEMAP_DATABASE_URL is set: there is no embedded server to stop."))
        return
    stopped = EmbeddedCluster(settings).down()
    say(_("Stopped.") if stopped else _("It was not running."))


@db_app.command(
    "remove",
    help=h(_("Stop the embedded PostGIS and delete its data, log and passwords (make clean).")),
)
def db_remove(
    yes: Annotated[
        bool, typer.Option("--yes", help=h(_("yes, delete the embedded database for good")))
    ] = False,
) -> None:
    from spacemap.embedded import EmbeddedCluster

    settings = _settings()
    if not settings.embedded:
        raise Failure(_("SPACEMAP_DATABASE_URL is set: spacemap deletes no database it did not "
                        "make"), 2)  # fmt: skip
    if not yes:
        raise Failure(_("this deletes every row in the embedded database; add --yes to do it"), 2)
    removed = EmbeddedCluster(settings).remove()
    say(_("Removed %(path)s.", path=str(removed)) if removed else _("There was nothing to remove."))


@db_app.command(
    "status", help=h(_("Say whether the database is up, its versions and its schema revision."))
)
def db_status() -> None:
    from spacemap.database import get_engine, server_versions
    from spacemap.migrate import current_revision, head_revision

    settings = _settings()
    if settings.embedded:
        from spacemap.embedded import EmbeddedCluster

        s = EmbeddedCluster(settings).status()
        say(
            _(
                "embedded PostGIS: %(state)s; data %(data)s; port %(port)s; log %(log)s",
                state=_("running") if s.running else _("stopped"),
                data=str(s.data_dir),
                port=s.port,
                log=str(s.log_file),
            )
        )
        if not s.running:
            raise typer.Exit(3)
    versions = server_versions(get_engine())
    revision = current_revision(settings.url())
    say(
        _(
            "PostgreSQL %(pg)s, PostGIS %(postgis)s",
            pg=versions["postgresql"],
            postgis=versions["postgis"],
        )
    )
    say(
        _(
            "schema revision %(revision)s (the code expects %(head)s)",
            revision=revision or _("none"),
            head=head_revision(),
        )
    )


@db_app.command("url", help=h(_("Print the database URL the application uses.")))
def db_url() -> None:
    print(_settings().url())


@db_app.command("migrate", help=h(_("Bring the schema up to the latest revision (Alembic).")))
def db_migrate() -> None:
    from sqlalchemy.engine import make_url

    from spacemap.migrate import upgrade

    settings = _settings()
    upgrade(settings.owner_url(), app_role=make_url(settings.url()).username)
    say(_("The schema is up to date."))


# -- the dataset and the registers ------------------------------------------------------------


def _summary(counts: dict[str, dict[str, int]]):
    from rich.table import Table

    table = Table(title=h(_("Futian dataset")))
    table.add_column(h(_("table")))
    for col in (_("rows"), _("estimated"), _("synthetic")):
        table.add_column(h(col), justify="right")
    for name, c in counts.items():
        table.add_row(name, str(c["rows"]), str(c["estimated"]), str(c["synthetic"]))
    return table


@app.command("load", help=h(_("Load the bundled Futian dataset in one transaction (idempotent).")))
def load(
    if_needed: Annotated[
        bool,
        typer.Option("--if-needed", help=h(_("skip if this dataset is already loaded"))),
    ] = False,
) -> None:
    from spacemap.database import get_engine, session_scope
    from spacemap.ingest.dataset import DatasetInvalid, load_dataset
    from spacemap.migrate import current_revision, head_revision
    from spacemap.store import audit

    settings = _settings()
    if current_revision(settings.url()) != head_revision():
        raise Failure(_("the schema is not up to date; run `spacemap db migrate` first"))
    try:
        with (
            console.status(h(_("loading…"))) as status,
            session_scope(get_engine()) as session,
        ):
            result = load_dataset(
                session,
                force=not if_needed,
                actor=audit.command_line(),
                progress=lambda m: status.update(str(m)),
            )
    except DatasetInvalid as exc:
        raise Failure(
            _("the dataset was refused and nothing was written: %(why)s", why=str(exc))
        ) from exc
    if result.skipped:
        say(_("Already loaded (dataset %(sha)s).", sha=result.sha256[:12]))
    console.print(_summary(result.counts))


def _import(kind: str, file: Path, crs: str | None, encoding: str) -> None:
    from spacemap.database import get_engine, session_scope
    from spacemap.ingest.importer import import_file
    from spacemap.ingest.issues import ImportRejected
    from spacemap.ingest.readers import BadCrs, parse_crs
    from spacemap.store import audit

    try:
        datum = parse_crs(crs) if crs else None
    except BadCrs as exc:
        raise Failure(exc.message, 2) from exc
    try:
        with session_scope(get_engine()) as session:
            result = import_file(
                session,
                kind,
                file,
                datum,
                encoding,  # type: ignore[arg-type]
                actor=audit.command_line(),
            )
    except ImportRejected as exc:
        _print_rejection(file, exc)
        raise typer.Exit(1) from exc
    messages = {
        "parks": ngettext(
            "Imported %(n)d park: %(created)d new, %(updated)d updated.",
            "Imported %(n)d parks: %(created)d new, %(updated)d updated.",
            result.rows,
            created=result.created,
            updated=result.updated,
        ),
        "units": ngettext(
            "Imported %(n)d unit: %(created)d new, %(updated)d updated.",
            "Imported %(n)d units: %(created)d new, %(updated)d updated.",
            result.rows,
            created=result.created,
            updated=result.updated,
        ),
    }
    say(messages[kind])
    for change in result.reconciled:
        say(
            _(
                "Unit %(code)s: the file says %(register)s m² free, but %(approved)s m² of it "
                "was approved through spacemap; stored %(stored)s m² free (audited).",
                code=change.code,
                register=f"{change.register_m2:g}",
                approved=f"{change.approved_m2:g}",
                stored=f"{change.stored_m2:g}",
            )
        )
    if result.ignored_columns:
        say(
            _(
                "Columns not in the register, ignored: %(columns)s",
                columns=", ".join(result.ignored_columns),
            )
        )


def _print_rejection(file: Path, exc) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(h(_("%(file)s was refused; nothing was written", file=file.name))))
    table.add_column(h(_("row")), no_wrap=True)
    table.add_column(h(_("field")), no_wrap=True)
    table.add_column(h(_("problem")))
    for issue in exc.issues:
        table.add_row(Text(str(issue.where())), Text(issue.field), Text(str(issue.message)))
    err.print(table)
    say_error(exc.summary())
    if exc.unlisted() is not None:
        err.print(escape(str(exc.unlisted())))
    guess = next((i.hint for i in exc.issues if i.field == "encoding" and i.hint), None)
    if guess:
        err.print(escape(str(_("Try again with --encoding %(guess)s.", guess=guess))))
    if any(i.field == "crs" for i in exc.issues):
        err.print(
            escape(
                str(_("Give the coordinate system with --crs (wgs84, gcj02, bd09 or EPSG:<code>)."))
            )
        )


CrsOption = Annotated[
    str | None,
    typer.Option(
        "--crs",
        metavar="CRS",
        help=h(
            _(
                "the coordinates' datum: wgs84, gcj02, bd09 or EPSG:<code> (CSV default "
                "wgs84; GeoJSON and GeoPackage: the file's own)"
            )
        ),
    ),
]
EncodingOption = Annotated[
    str,
    typer.Option(
        "--encoding", metavar="ENCODING", help=h(_("the CSV file's text encoding, e.g. gb18030"))
    ),
]
FileArg = Annotated[
    Path,
    typer.Argument(metavar="FILE", help=h(_("CSV (with lng/lat columns), GeoJSON or GeoPackage"))),
]


@import_app.command(
    "parks",
    help=h(_("Import parks: name_zh, park_type, lng, lat (and optional figures, industries).")),
)
def import_parks(file: FileArg, crs: CrsOption = None, encoding: EncodingOption = "utf-8") -> None:
    _import("parks", file, crs, encoding)


@import_app.command(
    "units",
    help=h(_("Import rentable units: code, park, capacity_m2, available_m2, rent, date.")),
)
def import_units(file: FileArg, crs: CrsOption = None, encoding: EncodingOption = "utf-8") -> None:
    _import("units", file, crs, encoding)


# -- users ------------------------------------------------------------------------------------


def _checked_username(value: str) -> str:
    from spacemap.auth import username_problem

    problem = username_problem(value)
    if problem is not None:
        raise typer.BadParameter(str(problem))
    return value


def _username_help() -> str:
    from spacemap.auth import USERNAME_RULE

    return h(_("the user name: %(rule)s", rule=USERNAME_RULE))


UsernameArg = Annotated[
    str, typer.Argument(metavar="USERNAME", help=_username_help(), callback=_checked_username)
]
PasswordOption = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="SPACEMAP_NEW_PASSWORD",
        show_envvar=False,
        metavar="PASSWORD",
        help=h(
            _(
                "the password, at least 10 characters (asked for when not given; or set "
                "SPACEMAP_NEW_PASSWORD)"
            )
        ),
    ),
]


def _password(given: str | None) -> str:
    from spacemap.auth import WeakPassword, check_password_strength

    password = given
    if password is None:
        password = typer.prompt(
            h(_("Password")), hide_input=True, confirmation_prompt=h(_("Repeat the password"))
        )
    try:
        check_password_strength(password)
    except WeakPassword as exc:
        raise Failure(exc.message, 2) from exc
    return password


def _add_user(username: str, role: str, password: str, company: str | None) -> None:
    from sqlalchemy.exc import IntegrityError

    from spacemap.database import session_scope
    from spacemap.i18n import label
    from spacemap.store import audit, users
    from spacemap.vocab import ROLES

    with session_scope() as session:
        if users.by_username(session, username) is not None:
            raise Failure(_("the user name '%(name)s' is taken", name=username))
        try:
            with session.begin_nested():
                user = users.add_user(session, username, role, password, company)
        except IntegrityError as exc:  # a race with another writer; never print the row
            constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
            if constraint == "users_username_key":
                raise Failure(_("the user name '%(name)s' is taken", name=username)) from None
            raise Failure(
                _("the database refused this account (%(rule)s)", rule=constraint or "?"), 2
            ) from None
        audit.record(
            session,
            audit.command_line(),
            "user",
            username,
            "create",
            after={"role": role, "company_name": company},
        )
    say(
        _(
            "Created the %(role)s account '%(name)s'.",
            role=label(ROLES, user.role),
            name=user.username,
        )
    )


@users_app.command(
    "create-admin", help=h(_("Create an administrator (the first account; then use the API)."))
)
def users_create_admin(username: UsernameArg, password: PasswordOption = None) -> None:
    _add_user(username, "admin", _password(password), None)


def _checked_role(value: str) -> str:
    from spacemap.vocab import ROLES

    if value not in ROLES:
        raise typer.BadParameter(
            str(_("must be one of %(roles)s, not '%(value)s'", roles=", ".join(ROLES), value=value))
        )
    return value


@users_app.command("add", help=h(_("Add a user with one role.")))
def users_add(
    username: UsernameArg,
    role: Annotated[
        str,
        typer.Option(
            metavar="ROLE", help="company | reviewer | planner | admin", callback=_checked_role
        ),
    ],
    password: PasswordOption = None,
    company: Annotated[
        str | None,
        typer.Option(metavar="NAME", help=h(_("the company's name (company accounts)"))),
    ] = None,
) -> None:
    from spacemap.text import check_plain

    if role == "company" and not (company or "").strip():
        raise Failure(_("a company account needs --company, the company's name"), 2)
    if company is not None:
        try:
            check_plain(company)
        except ValueError as exc:
            raise Failure(_("--company %(reason)s", reason=str(exc)), 2) from exc
        if len(company) > 128:
            raise Failure(_("--company must be at most 128 characters long"), 2)
    _add_user(username, role, _password(password), company)


# -- the service ------------------------------------------------------------------------------


@app.command("serve", help=h(_("Serve the web app and the API.")))
def serve(
    host: Annotated[
        str | None, typer.Option(metavar="ADDRESS", help=h(_("bind address (SPACEMAP_HOST)")))
    ] = None,
    port: Annotated[
        int | None, typer.Option(metavar="PORT", help=h(_("port (SPACEMAP_PORT)")))
    ] = None,
) -> None:
    import socket

    from spacemap.database import wait_for_database

    settings = _settings()
    bind_host = settings.host if host is None else host
    bind_port = settings.port if port is None else port
    if not 1 <= bind_port <= 65535:
        raise Failure(_("--port must be between 1 and 65535, not %(port)s", port=bind_port), 2)
    try:
        with socket.create_server((bind_host, bind_port)):
            pass
    except OSError as exc:
        raise Failure(
            _(
                "cannot listen on %(host)s:%(port)s (%(reason)s); choose another with "
                "--port or SPACEMAP_PORT",
                host=bind_host,
                port=bind_port,
                reason=exc.strerror or str(exc),
            ),
            2,
        ) from exc
    wait_for_database(settings.url(), settings.db_wait_s, on_retry=_waiting)
    import uvicorn

    say(
        _("spacemap on http://%(host)s:%(port)s/ (health: /health)", host=bind_host, port=bind_port)
    )
    # spacemap writes its own structured access log (api.middleware); uvicorn's would duplicate it.
    uvicorn.run(
        "api.app:create_app", factory=True, host=bind_host, port=bind_port, access_log=False
    )


def _register_plugins() -> None:
    """Commands of the packages built on the core (matching, …), declared as entry points."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="spacemap.commands"):
        entry.load()(app)


def main(argv: list[str] | None = None) -> None:
    _register_plugins()
    sys.exit(run(typer.main.get_command(app), argv))


if __name__ == "__main__":  # pragma: no cover
    main()
