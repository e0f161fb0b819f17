"""A project-local PostGIS cluster, so `make run` needs no database set up by hand.

The cluster lives in ``<state_dir>/pgdata``, listens on 127.0.0.1 and its own port, and keeps its
socket in the state directory. PostgreSQL refuses to run as root, so when we are root every
server command runs as the ``postgres`` system user (via ``runuser``), which owns the data.

Nobody is trusted for being local: every connection, socket or TCP, needs a password
(scram-sha-256). The passwords are generated on first start and kept in ``<state>/pgpass``
(mode 0600, owned by whoever runs spacemap). Three roles: the superuser, used only here to create
the others and install PostGIS; the owner (``SPACEMAP_DB_OWNER``), which owns the schema and runs
migrations; and the application (``SPACEMAP_DB_USER``), which reads and writes rows, owns
nothing, may not rewrite the audit log and, not being a superuser, may not switch triggers off.
Writes are flushed to disk (``fsync`` on, PostgreSQL's default).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from spacemap.config import Settings
from spacemap.i18n import LocalizedError, _

POSTGIS_PACKAGE = "postgresql-{major}-postgis-3"
SERVER_PACKAGE = "postgresql-{major}"
DEFAULT_MAJOR = "15"
SUPERUSER = "postgres"
_SOCKET_PATH_LIMIT = 100  # sun_path is 108 bytes; the socket file name adds 16
HBA = """\
# Written by spacemap: every connection needs a password (see spacemap/embedded.py).
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""
# A crashed server's children can hold its shared memory (and its PID file) for a few seconds.
_START_RETRY_S = 30.0
_RETRYABLE = ("lock file", "shared memory block", "already running")


class EmbeddedError(LocalizedError, RuntimeError):
    """Something the user must fix (missing package, port, permissions); the message says how."""


@dataclass(frozen=True)
class ClusterStatus:
    running: bool
    initialised: bool
    data_dir: Path
    port: int
    url: str
    log_file: Path


def _is_root() -> bool:
    return os.geteuid() == 0


def _find_bindir() -> Path | None:
    """Newest Debian PostgreSQL server install, else an initdb on PATH."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _major_of(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "pg_ctl"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    return out.split()[-1].split(".")[0]  # "pg_ctl (PostgreSQL) 15.18" -> "15"


def _postgis_installed(major: str) -> bool:
    return Path(f"/usr/share/postgresql/{major}/extension/postgis.control").exists()


def _apt_install(packages: list[str]) -> None:
    """Install Debian packages as root, or through password-less sudo; otherwise explain."""
    prefix: list[str] = []
    if not _is_root():
        if (
            shutil.which("sudo") is None
            or subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode != 0
        ):
            names = " ".join(packages)
            raise EmbeddedError(
                _(
                    "the Debian packages %(packages)s are needed; install them with: "
                    "sudo apt-get install -y %(packages)s",
                    packages=names,
                )
            )
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, "apt-get", "install", "-y", "-q", *packages]
    if subprocess.run(install, env=env).returncode != 0:
        subprocess.run([*prefix, "apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(install, env=env, check=True)


def ensure_packages() -> Path:
    """Make sure PostgreSQL server binaries and PostGIS are present; return the bin directory."""
    bindir = _find_bindir()
    if bindir is None:
        server, postgis = (p.format(major=DEFAULT_MAJOR) for p in (SERVER_PACKAGE, POSTGIS_PACKAGE))
        _apt_install([server, postgis])
        bindir = _find_bindir()
        if bindir is None:
            raise EmbeddedError(_("PostgreSQL was installed but its initdb was not found"))
    major = _major_of(bindir)
    if not _postgis_installed(major):
        _apt_install([POSTGIS_PACKAGE.format(major=major)])
    return bindir


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Does something already accept connections on ``host:port``?"""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


# -- the password file ------------------------------------------------------------------------


@dataclass(frozen=True)
class Secrets:
    """The roles' generated passwords, kept in a libpq password file (``*:*:*:role:password``)."""

    superuser: str
    passwords: dict[str, str]

    @classmethod
    def read(cls, path: Path) -> Secrets:
        superuser, passwords = SUPERUSER, {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# superuser="):
                superuser = line.split("=", 1)[1].strip()
            elif line and not line.startswith("#"):
                *_where, role, password = line.split(":")
                passwords[role] = password
        return cls(superuser, passwords)

    @classmethod
    def generate(cls, superuser: str, roles: list[str]) -> Secrets:
        return cls(superuser, {r: secrets.token_urlsafe(24) for r in [superuser, *roles]})

    def write(self, path: Path) -> None:
        """Create the file readable by its owner only (libpq ignores a more open one)."""
        lines = [
            f"# spacemap's embedded cluster; generated, keep private\n# superuser={self.superuser}"
        ]
        lines += [f"*:*:*:{role}:{pw}" for role, pw in self.passwords.items()]
        tmp = path.with_name(path.name + ".new")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)


# -- the cluster ------------------------------------------------------------------------------


class EmbeddedCluster:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state_dir = settings.cluster_dir()
        self.data_dir = self.state_dir / "pgdata"
        self.log_file = self.state_dir / "postgres.log"
        self.passfile = settings.passfile()
        self.port = settings.pg_port

    # -- paths and commands -------------------------------------------------------------------
    @property
    def socket_dir(self) -> Path:
        own = self.state_dir / "run"
        if len(str(own)) <= _SOCKET_PATH_LIMIT:
            return own
        return Path(tempfile.gettempdir()) / f"spacemap-{self.port}"

    def _as_server_user(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if _is_root() else argv

    def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(self._as_server_user(argv), capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise EmbeddedError(
                _(
                    "%(command)s failed: %(output)s",
                    command=" ".join(Path(a).name for a in argv[:2]),
                    output=(proc.stderr or proc.stdout).strip(),
                )
            )
        return proc

    def _give_to_server_user(self, path: Path) -> None:
        if _is_root():
            shutil.chown(path, "postgres", "postgres")

    def _prepare_dirs(self) -> None:
        for d in (self.state_dir, self.socket_dir):
            d.mkdir(parents=True, exist_ok=True)
            d.chmod(0o700)  # the socket and the log are nobody else's business
            self._give_to_server_user(d)
        if self.log_file.exists():
            self._give_to_server_user(self.log_file)
        if _is_root():
            probe = ["runuser", "-u", "postgres", "--", "test", "-w", str(self.state_dir)]
            if subprocess.run(probe).returncode != 0:
                raise EmbeddedError(
                    _(
                        "the postgres user cannot reach %(path)s (a parent directory is not "
                        "world-executable); set SPACEMAP_STATE_DIR to a path it can reach",
                        path=str(self.state_dir),
                    )
                )

    # -- lifecycle ---------------------------------------------------------------------------
    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _pid_is_our_server(self, pid: int) -> bool:
        """Is ``pid`` a live postgres serving this data directory (not a recycled PID)?"""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        program = Path(cmdline[0].decode(errors="replace")).name
        return program in ("postgres", "postmaster") and str(self.data_dir).encode() in cmdline

    def is_running(self) -> bool:
        if not self.is_initialised():
            return False
        pid = self._postmaster_pid()
        return pid is not None and self._pid_is_our_server(pid)

    def status(self) -> ClusterStatus:
        return ClusterStatus(
            running=self.is_running(),
            initialised=self.is_initialised(),
            data_dir=self.data_dir,
            port=self.port,
            url=self.settings.url(),
            log_file=self.log_file,
        )

    def up(self) -> ClusterStatus:
        """Start (creating it the first time) and make sure the roles and PostGIS are there."""
        bindir = ensure_packages()
        running = self.is_running()
        if not running and not self._port_frees():
            raise self._port_taken()
        self._prepare_dirs()
        legacy = self.is_initialised() and not self.passfile.exists()
        if not legacy and not self.passfile.exists():
            self._new_secrets(SUPERUSER).write(self.passfile)
        if self.passfile.exists():
            self._tighten(self.passfile)
        if not self.is_initialised():
            self._initdb(bindir, Secrets.read(self.passfile))
        if not running:
            self._start(bindir)
        if not self._wait_ready(bindir):
            if not running:
                raise self._stopped()
            # It was running when we looked and has died since (a crash under way): restart.
            if not self._port_frees():
                raise self._port_taken()
            running = False
            self._start(bindir)
            if not self._wait_ready(bindir):
                raise self._stopped()
        if legacy:
            self._secure_legacy_cluster()
        else:
            self._ensure_roles(Secrets.read(self.passfile))
        if running and not self._durable():  # started by an older spacemap with fsync off
            self._run(
                [str(bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data_dir)]
            )
            self._start(bindir)
            if not self._wait_ready(bindir):
                raise self._stopped()
        return self.status()

    def _durable(self) -> bool:
        found = Secrets.read(self.passfile)
        with self._connect(found.superuser) as conn:
            return conn.execute("SHOW fsync").fetchone()[0] == "on"

    def _port_frees(self) -> bool:
        """Is the port free — at once, or soon if our own server just crashed (its PID file is
        still there and its processes may hold the socket for a moment)?"""
        crashed = self.is_initialised() and (self.data_dir / "postmaster.pid").exists()
        deadline = time.monotonic() + (_START_RETRY_S if crashed else 0.0)
        while port_in_use(self.port):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.5)
        return True

    def _check_role_names(self, superuser: str) -> None:
        if superuser in (self.settings.db_owner, self.settings.db_user):
            raise EmbeddedError(
                _(
                    "SPACEMAP_DB_USER and SPACEMAP_DB_OWNER must not be %(name)s, the "
                    "cluster's superuser",
                    name=superuser,
                )
            )

    def _new_secrets(self, superuser: str) -> Secrets:
        self._check_role_names(superuser)
        return Secrets.generate(superuser, [self.settings.db_owner, self.settings.db_user])

    @staticmethod
    def _tighten(path: Path) -> None:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)

    def _initdb(self, bindir: Path, found: Secrets) -> None:
        # initdb reads the superuser's password from a file the server user can read: a private
        # directory of its own, removed straight after.
        holder = Path(tempfile.mkdtemp(prefix="spacemap-initdb-"))
        try:
            pwfile = holder / "pw"
            pwfile.write_text(found.passwords[found.superuser] + "\n", encoding="utf-8")
            pwfile.chmod(0o600)
            self._give_to_server_user(pwfile)
            self._give_to_server_user(holder)
            self._run([
                str(bindir / "initdb"), "-D", str(self.data_dir), "-U", found.superuser,
                f"--pwfile={pwfile}", "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
            ])  # fmt: skip
        finally:
            shutil.rmtree(holder, ignore_errors=True)
        self._write_hba()

    def _write_hba(self) -> None:
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text(HBA, encoding="utf-8")
        hba.chmod(0o600)
        self._give_to_server_user(hba)

    def _start(self, bindir: Path) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c jit=off -c password_encryption=scram-sha-256"
        )
        argv = [str(bindir / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data_dir),
                "-l", str(self.log_file), "-o", options]  # fmt: skip
        deadline = time.monotonic() + _START_RETRY_S
        while True:
            mark = self._log_size()
            proc = self._run(argv, check=False)
            if proc.returncode == 0:
                return
            said = self._log_since(mark) + (proc.stderr or "")
            if "Address already in use" in said or "could not bind" in said:
                raise self._port_taken()
            if any(s in said for s in _RETRYABLE) and time.monotonic() < deadline:
                self._clear_stale_pid()  # a crashed server's PID file, or wait for its children
                time.sleep(1.0)
                continue
            tail = "\n".join(said.strip().splitlines()[-8:])
            raise EmbeddedError(
                _(
                    "PostgreSQL did not start on port %(port)s; the end of its log "
                    "(%(log)s):\n%(tail)s",
                    port=self.port,
                    log=str(self.log_file),
                    tail=tail,
                )
            )

    def _clear_stale_pid(self) -> None:
        pid = self._postmaster_pid()
        if pid is not None and not self._pid_is_our_server(pid):
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)

    def _log_size(self) -> int:
        try:
            return self.log_file.stat().st_size
        except OSError:
            return 0

    def _log_since(self, offset: int) -> str:
        try:
            with self.log_file.open("rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def _port_taken(self) -> EmbeddedError:
        return EmbeddedError(
            _(
                "port %(port)s on 127.0.0.1 is already in use by another program, so the "
                "embedded PostgreSQL cannot listen there. Choose a free port with "
                "SPACEMAP_PG_PORT (for example SPACEMAP_PG_PORT=%(other)s make run). "
                "Server log: %(log)s",
                port=self.port,
                other=self.port + 1,
                log=str(self.log_file),
            )
        )

    def _stopped(self) -> EmbeddedError:
        return EmbeddedError(
            _("PostgreSQL stopped right after starting; see %(log)s", log=str(self.log_file))
        )

    def _wait_ready(self, bindir: Path, timeout_s: float = 30.0) -> bool:
        """Wait until the server accepts connections: True. False at once if its postmaster is
        gone (a crash); an EmbeddedError if it lives but does not answer in time."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return True
            if not self.is_running():
                return False
            time.sleep(0.2)
        raise EmbeddedError(
            _(
                "PostgreSQL did not accept connections on port %(port)s; see %(log)s",
                port=self.port,
                log=str(self.log_file),
            )
        )

    # -- roles ---------------------------------------------------------------------------------
    def _connect(self, user: str, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=user, dbname=dbname,
            passfile=str(self.passfile), autocommit=True, connect_timeout=10,
        )  # fmt: skip

    def _ensure_roles(self, found: Secrets, write: bool = True) -> None:
        """The owner (may create databases, owns the schema) and the application role (logs in,
        nothing more); PostGIS in template1 so every database created from it has it."""
        from psycopg import sql

        owner, app = self.settings.db_owner, self.settings.db_user
        self._check_role_names(found.superuser)
        if owner not in found.passwords or app not in found.passwords:
            extra = Secrets.generate(found.superuser, [owner, app])
            found = Secrets(found.superuser, {**extra.passwords, **found.passwords})
            if write:
                found.write(self.passfile)
        attributes = {
            owner: "LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
            app: "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
        }
        with self._connect(found.superuser) as conn:
            for role, attrs in attributes.items():
                exists = conn.execute(
                    "SELECT 1 FROM pg_roles WHERE rolname = %s", [role]
                ).fetchone()
                verb = "ALTER" if exists else "CREATE"
                conn.execute(
                    sql.SQL(verb + " ROLE {} WITH " + attrs + " PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(found.passwords[role])
                    )
                )
            # Dropping a test database ends the application's sessions in it.
            conn.execute(sql.SQL("GRANT pg_signal_backend TO {}").format(sql.Identifier(owner)))
        with self._connect(found.superuser, "template1") as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def _secure_legacy_cluster(self) -> None:
        """A cluster made by an older spacemap trusted every local user and ran the app as its
        superuser. Give it passwords, the roles above, hand its tables to the owner role, and
        require passwords from now on."""
        from psycopg import sql

        superuser = self._legacy_superuser()
        found = self._new_secrets(superuser)
        owner = self.settings.db_owner
        # Until pg_hba.conf changes the cluster still trusts us: set every password, move the
        # tables, then write the password file and require passwords. A failure half-way leaves
        # no password file, so the next `db up` starts this over.
        with self._connect(superuser) as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} WITH PASSWORD {}").format(
                    sql.Identifier(superuser), sql.Literal(found.passwords[superuser])
                )
            )
            names = [r[0] for r in conn.execute(
                "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'"
            )]  # fmt: skip
        self._ensure_roles(found, write=False)
        for name in names:
            with self._connect(superuser, name) as conn:
                _hand_over(conn, owner, name)
        found.write(self.passfile)
        self._write_hba()
        with self._connect(superuser) as conn:
            conn.execute("SELECT pg_reload_conf()")

    def _legacy_superuser(self) -> str:
        import psycopg

        for guess in ("spacemap", SUPERUSER, self.settings.db_user, os.environ.get("USER", "")):
            if not guess:
                continue
            try:
                with self._connect(guess) as conn:
                    return conn.execute("SELECT rolname FROM pg_roles WHERE oid = 10").fetchone()[0]
            except psycopg.OperationalError:
                continue
        raise EmbeddedError(
            _(
                "the cluster in %(path)s has no password file and does not let spacemap in; "
                "stop it and move it away to start afresh",
                path=str(self.data_dir),
            )
        )

    def down(self) -> bool:
        """Stop the cluster; False if it was not running."""
        bindir = _find_bindir()
        if bindir is None or not self.is_running():
            return False
        self._run([str(bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data_dir)])
        return True

    def remove(self) -> Path | None:
        """Stop the cluster and delete what it keeps: the whole cluster directory when it is a
        private one under the temp dir, else its parts in the state dir (which also holds the
        trained model). Returns what was removed, or None if there was nothing."""
        self.down()
        if not self.state_dir.exists():
            return None
        if self.state_dir != self.settings.resolved_state_dir():
            shutil.rmtree(self.state_dir)
            return self.state_dir
        parts = [self.data_dir, self.socket_dir, self.log_file, self.passfile]
        if not any(p.exists() for p in parts):
            return None
        for part in parts:
            if part.is_dir():
                shutil.rmtree(part)
            else:
                part.unlink(missing_ok=True)
        return self.data_dir

    def kill(self) -> None:
        """Kill the server without a clean shutdown (tests of crash recovery)."""
        pid = self._postmaster_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)


_OWNED = """
SELECT format('ALTER %%s %%s OWNER TO %%I',
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                             WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
              c.oid::regclass, %(owner)s::text)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relowner = 10 AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
UNION ALL
SELECT format('ALTER FUNCTION %%s OWNER TO %%I', p.oid::regprocedure, %(owner)s::text)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.proowner = 10
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
"""


def _hand_over(conn, owner: str, dbname: str) -> None:
    """Give a database and its schema objects (not PostGIS's) from the superuser to the owner."""
    from psycopg import sql

    conn.execute(
        sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
            sql.Identifier(dbname), sql.Identifier(owner)
        )
    )
    for (statement,) in conn.execute(_OWNED, {"owner": owner}).fetchall():
        conn.execute(statement)
