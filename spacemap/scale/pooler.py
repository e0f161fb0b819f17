"""pgbouncer in transaction mode in front of the primary and the standby.

One pgbouncer, two pooled databases: ``spacemap`` (the primary, for writes) and
``spacemap_standby`` (reads). In transaction mode a server connection belongs to a client only
for one transaction, so nothing may outlive one: no server-side prepared statements (psycopg 3
prepares a query it has run five times unless ``prepare_threshold`` is None — ``SPACEMAP_POOLER=
pgbouncer`` turns that off) and no per-session startup options (set on the server instead, see
``clusters.SERVER_CONF``). ``server_round_robin`` hands consecutive transactions different server
connections, so a leaked prepared statement fails at once instead of by luck in production.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from spacemap.scale.clusters import DB_NAME, Cluster, Credentials
from spacemap.scale.processes import (
    binary,
    own_dir,
    start_daemon,
    stop,
    write_private,
)

STANDBY_DB = f"{DB_NAME}_standby"


@dataclass(frozen=True)
class PoolerTargets:
    """Where pgbouncer sends each pooled database (host and port), for a local stack or compose."""

    primary_host: str
    primary_port: int
    standby_host: str
    standby_port: int


def config(
    listen: str, port: int, targets: PoolerTargets, auth_file: Path, home: Path | None = None
) -> str:
    """pgbouncer.ini. ``home``: keep log and pid there (a local pgbouncer); None: log to stderr
    and keep no pid file (a container)."""
    t = targets
    files = (
        f"logfile = {home / 'pgbouncer.log'}\npidfile = {home / 'pgbouncer.pid'}\n" if home else ""
    )
    return f"""\
;; spacemap scale stack: pgbouncer in transaction mode (spacemap/scale/pooler.py)
[databases]
{DB_NAME} = host={t.primary_host} port={t.primary_port} dbname={DB_NAME}
{STANDBY_DB} = host={t.standby_host} port={t.standby_port} dbname={DB_NAME}

[pgbouncer]
listen_addr = {listen}
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {auth_file}
pool_mode = transaction
default_pool_size = 20
min_pool_size = 2
max_client_conn = 1000
server_round_robin = 1
;; a server that is down must not keep clients waiting: fail within seconds, retry soon
server_connect_timeout = 3
server_login_retry = 1
query_wait_timeout = 5
server_check_delay = 5
{files}"""


def userlist(creds: Credentials) -> str:
    """The one login pgbouncer accepts (and uses towards the servers, with scram)."""
    return f'"{creds.app_user}" "{creds.app_password}"\n'


class Pooler:
    """A pgbouncer process of our own, in the foreground (so its pid is ours to stop)."""

    def __init__(self, home: Path, port: int, primary: Cluster, standby: Cluster) -> None:
        self.home, self.port = home, port
        self.primary, self.standby = primary, standby
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, db: str = DB_NAME) -> str:
        c = self.primary.creds
        return f"postgresql+psycopg://{c.app_user}:{c.app_password}@127.0.0.1:{self.port}/{db}"

    def read_url(self) -> str:
        return self.url(STANDBY_DB)

    def start(self) -> None:
        own_dir(self.home)
        targets = PoolerTargets("127.0.0.1", self.primary.port, "127.0.0.1", self.standby.port)
        write_private(self.home / "userlist.txt", userlist(self.primary.creds))
        ini = write_private(
            self.home / "pgbouncer.ini",
            config("127.0.0.1", self.port, targets, self.home / "userlist.txt", self.home),
        )
        self.proc = start_daemon(
            "pgbouncer", [str(binary("pgbouncer")), str(ini)], self.port,
            self.home / "pgbouncer.out",
        )  # fmt: skip

    def stop(self) -> None:
        stop(self.proc)
