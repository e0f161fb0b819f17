"""A project-local PostGIS cluster, so `make run` needs no database set up by hand.

The cluster lives in ``<state_dir>/pgdata``, listens on 127.0.0.1 and its own port, and keeps its
socket in the state directory. PostgreSQL refuses to run as root, so when we are root every
server command runs as the ``postgres`` system user (via ``runuser``), which owns the data.
Authentication is ``trust`` for loopback only: this is a developer's embedded database, never a
shared server — set ``SPACEMAP_DATABASE_URL`` for that.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from spacemap.config import Settings

POSTGIS_PACKAGE = "postgresql-{major}-postgis-3"
SERVER_PACKAGE = "postgresql-{major}"
DEFAULT_MAJOR = "15"
_SOCKET_PATH_LIMIT = 100  # sun_path is 108 bytes; the socket file name adds 16


class EmbeddedError(RuntimeError):
    """Something the user must fix (missing package, permissions); the message says how."""


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
            raise EmbeddedError(
                "需要安装 / needs the Debian packages "
                + " ".join(packages)
                + f"; run: sudo apt-get install -y {' '.join(packages)}"
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
            raise EmbeddedError("PostgreSQL installed but initdb not found")
    major = _major_of(bindir)
    if not _postgis_installed(major):
        _apt_install([POSTGIS_PACKAGE.format(major=major)])
    return bindir


def _traversable_by_others(path: Path) -> bool:
    """Can a different user (``postgres``) walk down to ``path``?"""
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents] if p.exists())


def _state_dir_for(settings: Settings) -> Path:
    """The configured state dir, unless root's server user could never reach it (e.g. under a
    private home); then a per-project directory under the system temp dir, which it can."""
    state = settings.resolved_state_dir()
    if _is_root() and not _traversable_by_others(state.parent):
        digest = hashlib.sha1(str(state).encode()).hexdigest()[:10]
        return Path(tempfile.gettempdir()) / f"spacemap-{digest}"
    return state


class EmbeddedCluster:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state_dir = _state_dir_for(settings)
        self.data_dir = self.state_dir / "pgdata"
        self.log_file = self.state_dir / "postgres.log"
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
            raise EmbeddedError(f"{' '.join(argv[:2])} failed:\n{proc.stderr or proc.stdout}")
        return proc

    def _prepare_dirs(self) -> None:
        for d in (self.state_dir, self.socket_dir):
            d.mkdir(parents=True, exist_ok=True)
        if _is_root():
            for d in (self.state_dir, self.socket_dir):
                shutil.chown(d, "postgres", "postgres")
            if self.log_file.exists():
                shutil.chown(self.log_file, "postgres", "postgres")
            probe = ["runuser", "-u", "postgres", "--", "test", "-w", str(self.state_dir)]
            if subprocess.run(probe).returncode != 0:
                raise EmbeddedError(
                    f"the postgres user cannot reach {self.state_dir} (a parent directory is not "
                    "world-executable); set SPACEMAP_STATE_DIR to a path it can reach"
                )

    # -- lifecycle ---------------------------------------------------------------------------
    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        bindir = _find_bindir()
        if bindir is None or not self.is_initialised():
            return False
        probe = self._run([str(bindir / "pg_ctl"), "status", "-D", str(self.data_dir)], False)
        return probe.returncode == 0

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
        bindir = ensure_packages()
        self._prepare_dirs()
        if not self.is_initialised():
            self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    self.settings.db_user,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        if not self.is_running():
            options = (
                f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c max_connections=200 -c jit=off"
            )
            self._run(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-o",
                    options,
                ]
            )
        self._wait_ready(bindir)
        return self.status()

    def _wait_ready(self, bindir: Path, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.2)
        raise EmbeddedError(f"PostgreSQL did not accept connections; see {self.log_file}")

    def down(self) -> bool:
        """Stop the cluster; False if it was not running."""
        bindir = _find_bindir()
        if bindir is None or not self.is_running():
            return False
        self._run([str(bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data_dir)])
        return True
