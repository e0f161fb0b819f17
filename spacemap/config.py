"""Settings, read once from the environment (prefix ``SPACEMAP_``) or a ``.env`` file.

With no ``SPACEMAP_DATABASE_URL`` the project runs its own embedded PostGIS cluster under
``state_dir``; with one, it never starts a server and uses that database as given.

The embedded cluster has three roles: a superuser that only `spacemap db up` uses, an owner that
owns the schema and runs migrations, and the application's role, which may read and write rows
but owns nothing. Their generated passwords are in a libpq password file in the state directory
(mode 0600), which the URLs name with ``passfile=`` — so no secret appears in a URL or a log.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPACEMAP_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of an existing PostGIS database."
    )
    read_database_url: str | None = Field(
        default=None,
        description="A read replica for read-only traffic (maps, features, matching, stats); "
        "default: the primary.",
    )
    # scale (docs/SCALING.md): connections through pgbouncer in transaction mode
    pooler: Literal["none", "pgbouncer"] = Field(
        default="none",
        description="pgbouncer: the URLs point at pgbouncer in transaction mode (no prepared "
        "statements, no startup options).",
    )
    state_dir: Path = Field(
        default=Path(".spacemap"),
        description="Where the embedded cluster keeps its data, socket and log.",
    )
    pg_port: int = Field(default=55432, ge=1024, le=65535, description="Embedded cluster port.")
    db_name: str = Field(default="spacemap", pattern=r"^[a-z_][a-z0-9_]*$")
    db_user: str = Field(
        default="spacemap_app",
        pattern=r"^[a-z_][a-z0-9_]*$",
        description="The application's role in the embedded cluster (not a superuser).",
    )
    db_owner: str = Field(
        default="spacemap_owner",
        pattern=r"^[a-z_][a-z0-9_]*$",
        description="The role that owns the schema and runs migrations (embedded cluster).",
    )
    owner_database_url: str | None = Field(
        default=None,
        description="With SPACEMAP_DATABASE_URL: a URL of the role that owns the schema, for "
        "migrations (default: SPACEMAP_DATABASE_URL itself).",
    )
    model_dir: Path | None = Field(
        default=None,
        description="Where `spacemap train` writes the ranker (default state_dir/models).",
    )
    basemap: str = Field(
        default="none",
        description="Default map background: none (offline), osm, amap, tianditu or custom.",
    )
    tianditu_key: str | None = Field(default=None, description="天地图 key (for basemap=tianditu).")
    tile_url: str | None = Field(
        default=None, description="Your own tile server, e.g. http://tiles.intranet/{z}/{x}/{y}.png"
    )
    tile_datum: str = Field(default="wgs84", description="Datum of tile_url's tiles: wgs84|gcj02.")
    db_wait_s: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="How long `spacemap serve` and `db up` wait for the database to answer, "
        "retrying with backoff (a container's database may start after the app).",
    )
    import_max_mb: int = Field(
        default=16, ge=1, le=1024, description="Largest register file an import accepts, MB."
    )
    import_max_rows: int = Field(
        default=50_000, ge=1, le=10_000_000, description="Most rows one import accepts."
    )
    host: str = Field(default="127.0.0.1", description="Address `spacemap serve` binds.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `spacemap serve` binds.")
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="The address clients reach the service at (e.g. https://spacemap.example.cn); "
        "absolute links in the API use it, never the request's Host header.",
    )
    trusted_hosts: str = Field(
        default="localhost,127.0.0.1,::1",
        description="Without public_url: the Host names links may be built from (comma-separated).",
    )
    cors_origins: str = Field(
        default="*",
        description="Web origins that may read the public collections (comma-separated; * = any).",
    )
    registrations_per_hour: int = Field(
        default=20, ge=1, le=100_000,
        description="New company accounts an hour from one client address (an office behind one "
        "address may need more).",
    )  # fmt: skip
    cookie_secure: Literal["auto", "true", "false"] = Field(
        default="auto",
        description="Mark the sign-in cookie Secure (sent over HTTPS only). auto: yes unless the "
        "site is reached as localhost.",
    )

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    def resolved_state_dir(self) -> Path:
        return self.state_dir.expanduser().resolve()

    def cluster_dir(self) -> Path:
        """Where the embedded cluster lives: the state dir, unless root's server user (postgres)
        could never reach it (e.g. under /root); then a per-project directory under the system
        temp dir, which it can."""
        state = self.resolved_state_dir()
        if os.geteuid() == 0 and not _traversable_by_others(state.parent):
            digest = hashlib.sha1(str(state).encode()).hexdigest()[:10]
            return Path(tempfile.gettempdir()) / f"spacemap-{digest}"
        return state

    def passfile(self) -> Path:
        """The embedded cluster's generated passwords (libpq password file, mode 0600)."""
        return self.cluster_dir() / "pgpass"

    def resolved_model_dir(self) -> Path:
        return (self.model_dir or self.state_dir / "models").expanduser().resolve()

    def read_url(self) -> str:
        """Where read-only requests go: a replica if configured, else the primary."""
        return self.read_database_url or self.url()

    def url(self, db_name: str | None = None) -> str:
        """The application's database URL: the configured one as given, or the embedded
        cluster's, as the application role."""
        if self.database_url is not None:
            return self.database_url
        return self.embedded_url(self.db_user, db_name)

    def owner_url(self, db_name: str | None = None) -> str:
        """The URL migrations and database creation use: the schema owner's."""
        if self.database_url is not None:
            return self.owner_database_url or self.database_url
        return self.embedded_url(self.db_owner, db_name)

    def embedded_url(self, role: str, db_name: str | None = None) -> str:
        name = db_name or self.db_name
        passfile = quote(str(self.passfile()), safe="/")
        return f"postgresql+psycopg://{role}@127.0.0.1:{self.pg_port}/{name}?passfile={passfile}"


def _traversable_by_others(path: Path) -> bool:
    """Can a different user (``postgres``) walk down to ``path``?"""
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents] if p.exists())


@lru_cache
def get_settings() -> Settings:
    return Settings()
