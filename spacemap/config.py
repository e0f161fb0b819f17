"""Settings, read once from the environment (prefix ``SPACEMAP_``) or a ``.env`` file.

With no ``SPACEMAP_DATABASE_URL`` the project runs its own embedded PostGIS cluster under
``state_dir``; with one, it never starts a server and uses that database as given.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    db_user: str = Field(default="spacemap", pattern=r"^[a-z_][a-z0-9_]*$")
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

    def resolved_model_dir(self) -> Path:
        return (self.model_dir or self.state_dir / "models").expanduser().resolve()

    def read_url(self) -> str:
        """Where read-only requests go: a replica if configured, else the primary."""
        return self.read_database_url or self.url()

    def url(self, db_name: str | None = None) -> str:
        """The database URL in use: the configured one, or the embedded cluster's."""
        if self.database_url is not None:
            return self.database_url
        name = db_name or self.db_name
        return f"postgresql+psycopg://{self.db_user}@127.0.0.1:{self.pg_port}/{name}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
