"""Who may do what in the database: the app's role writes rows and nothing more; nobody gets in
without the generated secret; the audit log stays append-only even for the schema's owner."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from spacemap.config import Settings, get_settings

EMBEDDED = get_settings().embedded
IS_ROOT = os.geteuid() == 0
needs_embedded = pytest.mark.skipif(not EMBEDDED, reason="the suite runs on SPACEMAP_DATABASE_URL")


def _refused(engine: Engine, statement: str, match: str) -> None:
    with pytest.raises(DBAPIError, match=match), engine.begin() as conn:
        conn.execute(text(statement))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET reason = 'rewritten'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log CASCADE",
        "SET session_replication_role = replica",
        "ALTER TABLE audit_log DISABLE TRIGGER append_only",
        "DROP TRIGGER append_only ON audit_log",
        "CREATE TABLE intruder (id int)",
        "UPDATE dataset_loads SET counts = '{}'",
        "UPDATE alembic_version SET version_num = '0001'",
    ],
)
def test_the_app_role_cannot_rewrite_history_or_the_schema(engine: Engine, statement: str) -> None:
    _refused(engine, statement, r"permission denied|must be owner|must be superuser")


def test_the_app_role_owns_nothing_and_is_no_superuser(engine: Engine) -> None:
    with engine.connect() as conn:
        superuser, createrole, createdb = conn.execute(
            text("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
                 "WHERE rolname = current_user")
        ).one()  # fmt: skip
        owned = conn.execute(
            text("SELECT count(*) FROM pg_class WHERE relowner = "
                 "(SELECT oid FROM pg_roles WHERE rolname = current_user)")
        ).scalar_one()  # fmt: skip
        can_write_units = conn.execute(
            text("SELECT has_table_privilege('space_units', 'INSERT, UPDATE, DELETE')")
        ).scalar_one()
    assert (superuser, createrole, createdb, owned) == (False, False, False, 0)
    assert can_write_units


def test_even_the_owner_cannot_rewrite_the_audit_log(owner_url: str) -> None:
    owner = create_engine(owner_url)
    try:
        for statement in ("UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"):
            _refused(owner, statement, "append-only")
    finally:
        owner.dispose()


def test_tables_a_later_migration_creates_get_the_apps_grants(
    owner_url: str, database_url: str
) -> None:
    app = make_url(database_url).username
    owner = create_engine(owner_url)
    try:
        with owner.connect() as conn, conn.begin() as tx:
            conn.execute(text("CREATE TABLE later_table (id serial PRIMARY KEY, x int)"))
            granted = conn.execute(
                text("SELECT has_table_privilege(:r, 'later_table', 'SELECT, INSERT, UPDATE'), "
                     "has_table_privilege(:r, 'later_table', 'TRUNCATE'), "
                     "has_sequence_privilege(:r, 'later_table_id_seq', 'USAGE')"),
                {"r": app},
            ).one()  # fmt: skip
            tx.rollback()
    finally:
        owner.dispose()
    assert tuple(granted) == (True, False, True)


@needs_embedded
def test_the_secret_is_private_and_fsync_is_on(engine: Engine) -> None:
    settings = get_settings()
    info = settings.passfile().stat()
    assert stat.S_IMODE(info.st_mode) == 0o600 and info.st_uid == os.geteuid()
    with engine.connect() as conn:
        assert conn.execute(text("SHOW fsync")).scalar_one() == "on"
        assert conn.execute(text("SHOW password_encryption")).scalar_one() == "scram-sha-256"


@needs_embedded
@pytest.mark.parametrize("role", ["spacemap_app", "spacemap_owner", "postgres", "spacemap"])
def test_a_local_user_without_the_secret_cannot_connect(role: str) -> None:
    settings = get_settings()
    for password in (None, "spacemap", role):
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(
                host="127.0.0.1", port=settings.pg_port, user=role, dbname="postgres",
                password=password, passfile="/nonexistent", connect_timeout=5,
            )  # fmt: skip


@needs_embedded
@pytest.mark.skipif(not IS_ROOT or shutil.which("psql") is None, reason="needs root and psql")
def test_another_local_account_cannot_read_the_secret_or_connect() -> None:
    settings = get_settings()
    conninfo = (
        f"host=127.0.0.1 port={settings.pg_port} user={settings.db_user} "
        f"dbname={settings.db_name} passfile={settings.passfile()}"
    )
    proc = subprocess.run(
        ["runuser", "-u", "nobody", "--", "psql", conninfo, "-c", "SELECT 1"],
        capture_output=True, text=True, timeout=30, env={"PATH": os.environ["PATH"]},
    )  # fmt: skip
    assert proc.returncode != 0 and "password" in proc.stderr


def test_a_database_url_given_by_the_user_is_used_as_given() -> None:
    given = "postgresql+psycopg://someone:s3cret@db.example:5433/spacemap?sslmode=require"
    settings = Settings(database_url=given)
    assert settings.url() == given and settings.owner_url() == given
    owner = "postgresql+psycopg://owner:pw@db.example:5433/spacemap"
    assert Settings(database_url=given, owner_database_url=owner).owner_url() == owner
    embedded = Settings(database_url=None, pg_port=55999)
    assert "passfile=" in embedded.url() and "spacemap_app@" in embedded.url()
    assert "spacemap_owner@" in embedded.owner_url()
