"""Alembic driven from code, so an installed copy migrates without an alembic.ini on disk."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = url  # kept out of the ini options: they %-interpolate
    return cfg


def upgrade(url: str, revision: str = "head", app_role: str | None = None) -> None:
    """Migrate as the schema's owner (``url``); then, if the application connects as another
    role, grant that role what it may do (spacemap.database.grant_to_app)."""
    command.upgrade(alembic_config(url), revision)
    if app_role and app_role != make_url(url).username:
        from spacemap.database import grant_to_app

        grant_to_app(url, app_role)


def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()
