"""A PostgreSQL primary and a hot standby made from it with ``pg_basebackup -R``, both local.

Each cluster lives in its own directory, listens on 127.0.0.1 only (no Unix socket) and asks
for scram-sha-256 passwords that ``Credentials`` generates and keeps in the stack's directory —
nothing here depends on how the embedded development cluster authenticates. The standby streams
from the primary as the ``replicator`` role; replay can be paused to make lag visible on demand.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from spacemap.embedded import ensure_packages
from spacemap.scale.processes import (
    ScaleError,
    own_dir,
    port_open,
    run,
    wait_for,
    write_private,
)

DB_NAME = "spacemap"

# Replication, and the session settings spacemap's own connections ask for (database.py), set
# server-wide here: behind pgbouncer in transaction mode a client cannot send them.
SERVER_CONF = """
# spacemap scale stack (spacemap/scale/clusters.py)
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
password_encryption = 'scram-sha-256'
max_connections = 200
wal_level = replica
max_wal_senders = 10
wal_keep_size = '256MB'
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = '30s'
jit = off
max_parallel_workers_per_gather = 0
fsync = {fsync}
"""

HBA = """# spacemap scale stack: passwords over loopback TCP, nothing else
host all all 127.0.0.1/32 scram-sha-256
host replication {replicator} 127.0.0.1/32 scram-sha-256
"""


@dataclass(frozen=True)
class Credentials:
    """The stack's roles and their generated passwords (kept in ``credentials.json``, 0600)."""

    superuser_password: str
    app_password: str
    replication_password: str
    superuser: str = "postgres"
    app_user: str = "spacemap"
    replication_user: str = "replicator"

    @classmethod
    def generate(cls) -> Credentials:
        return cls(*(secrets.token_urlsafe(18) for _ in range(3)))

    @classmethod
    def load_or_generate(cls, path: Path) -> Credentials:
        if path.exists():
            return cls(**json.loads(path.read_text()))
        creds = cls.generate()
        write_private(path, json.dumps(asdict(creds)))
        return creds


def _url(user: str, password: str, port: int, db: str, driver: str = "postgresql") -> str:
    return f"{driver}://{user}:{password}@127.0.0.1:{port}/{db}"


class Cluster:
    """One PostgreSQL server: its data directory, port, log and the stack's credentials."""

    def __init__(self, home: Path, port: int, creds: Credentials, fsync: bool = False) -> None:
        self.home, self.port, self.creds, self.fsync = home, port, creds, fsync
        self.data_dir = home / "pgdata"
        self.log_file = home / "postgres.log"
        self.bindir = ensure_packages()

    # ------------------------------------------------------------------ addresses
    def url(self, db: str = DB_NAME) -> str:
        """The app's SQLAlchemy URL for this server."""
        c = self.creds
        return _url(c.app_user, c.app_password, self.port, db, "postgresql+psycopg")

    def admin_dsn(self, db: str = "postgres") -> str:
        c = self.creds
        return _url(c.superuser, c.superuser_password, self.port, db)

    def admin(self, sql: str, db: str = "postgres") -> list[tuple]:
        """Run one statement as the superuser (autocommit); its rows, if any."""
        with psycopg.connect(self.admin_dsn(db), autocommit=True, connect_timeout=5) as conn:
            cur = conn.execute(sql)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    # ------------------------------------------------------------------ lifecycle
    def init_primary(self) -> None:
        """initdb with the stack's superuser password, replication allowed from loopback."""
        own_dir(self.home)
        pwfile = write_private(self.home / "superuser.pw", self.creds.superuser_password + "\n")
        run(
            [
                self.bindir / "initdb",
                "-D",
                self.data_dir,
                "-U",
                self.creds.superuser,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        pwfile.unlink()
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(SERVER_CONF.format(fsync="on" if self.fsync else "off"))
        (self.data_dir / "pg_hba.conf").write_text(
            HBA.format(replicator=self.creds.replication_user)
        )

    def create_roles_and_database(self) -> None:
        """The replication role, the app's role and its database with PostGIS (as superuser)."""
        c = self.creds
        self.admin(
            f"CREATE ROLE {c.replication_user} LOGIN REPLICATION "
            f"PASSWORD '{c.replication_password}'"
        )
        self.admin(f"CREATE ROLE {c.app_user} LOGIN PASSWORD '{c.app_password}'")
        self.admin(
            f"CREATE DATABASE {DB_NAME} OWNER {c.app_user} ENCODING 'UTF8' TEMPLATE template0"
        )
        self.admin("CREATE EXTENSION IF NOT EXISTS postgis", db=DB_NAME)

    def init_standby(self, primary: Cluster) -> None:
        """A copy of the primary taken with ``pg_basebackup -R``: it starts as a hot standby
        streaming from the primary (``standby.signal`` + ``primary_conninfo``)."""
        own_dir(self.home)
        c = self.creds
        conninfo = (
            f"host=127.0.0.1 port={primary.port} user={c.replication_user} "
            f"password={c.replication_password} application_name=spacemap_standby"
        )
        run(
            [
                self.bindir / "pg_basebackup",
                "-d",
                conninfo,
                "-D",
                self.data_dir,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        )
        if not (self.data_dir / "standby.signal").exists():
            raise ScaleError("pg_basebackup -R wrote no standby.signal")

    def is_running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists() and port_open(self.port)

    def start(self) -> None:
        if self.is_running():
            return
        own_dir(self.home)
        run(
            [
                self.bindir / "pg_ctl",
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                self.data_dir,
                "-l",
                self.log_file,
                "-o",
                f"-p {self.port}",
            ]
        )
        wait_for(lambda: port_open(self.port), f"PostgreSQL on port {self.port}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate``: as if it crashed). Quiet if it is not running."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        run([self.bindir / "pg_ctl", "stop", "-w", "-t", "60", "-m", mode, "-D", self.data_dir])

    # ------------------------------------------------------------------ replication
    def is_standby(self) -> bool:
        return bool(self.admin("SELECT pg_is_in_recovery()")[0][0])

    def current_lsn(self) -> str:
        return str(self.admin("SELECT pg_current_wal_lsn()")[0][0])

    def replay_lsn(self) -> str:
        return str(self.admin("SELECT pg_last_wal_replay_lsn()")[0][0])

    def pause_replay(self) -> None:
        """Stop applying WAL (it still arrives): the standby's data stays as it is now."""
        self.admin("SELECT pg_wal_replay_pause()")
        wait_for(
            lambda: self.admin("SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused",
            "replay pause",
        )

    def resume_replay(self) -> None:
        self.admin("SELECT pg_wal_replay_resume()")

    def wait_caught_up(self, primary: Cluster, timeout_s: float = 30.0) -> None:
        """Until the standby has replayed everything the primary had written when asked."""
        target = primary.current_lsn()
        wait_for(
            lambda: bool(
                self.admin(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0]
            ),
            f"standby replay up to {target}",
            timeout_s,
        )
