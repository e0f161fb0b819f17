"""Running the Debian daemons the scale stack needs: as whom, where, and how they stop.

PostgreSQL and pgbouncer refuse to run as root, so when we are root every daemon runs as the
``postgres`` system user (Python's ``Popen(user=…)``: no ``su`` wrapper, so the pid we hold is
the daemon's own). Every directory is created for that user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SERVICE_USER = "postgres"
ENSURE = "make scale-tools"  # = sh scripts/ensure-packages.sh pgbouncer nginx docker-compose


class ScaleError(RuntimeError):
    """Something a person must fix (a missing package, a port in use); the message says how."""


def is_root() -> bool:
    return os.geteuid() == 0


def as_service_user() -> dict[str, Any]:
    """``Popen``/``run`` keyword arguments that drop root to the service user."""
    if not is_root():
        return {}
    return {"user": SERVICE_USER, "group": SERVICE_USER, "extra_groups": []}


def own_dir(path: Path, mode: int = 0o700) -> Path:
    """A directory the daemons' user owns (and only it may enter)."""
    path.mkdir(parents=True, exist_ok=True)
    if is_root():
        shutil.chown(path, SERVICE_USER, SERVICE_USER)
    path.chmod(mode)
    return path


def write_private(path: Path, text: str) -> Path:
    """A file only the daemons' user may read (passwords, configuration with passwords)."""
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    if is_root():
        shutil.chown(path, SERVICE_USER, SERVICE_USER)
    return path


def binary(name: str, *extra_dirs: Path) -> Path:
    """A daemon's executable, or a clear error naming the script that installs it."""
    for d in extra_dirs:
        if (d / name).exists():
            return d / name
    for d in ("/usr/sbin", "/usr/bin"):
        if Path(d, name).exists():
            return Path(d, name)
    found = shutil.which(name)
    if found:
        return Path(found)
    raise ScaleError(f"{name} is not installed; run: {ENSURE}")


def run(argv: list[str | Path], env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, env=env, **as_service_user()
    )
    if proc.returncode != 0:
        raise ScaleError(f"{Path(str(argv[0])).name} failed:\n{proc.stderr or proc.stdout}")
    return proc.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise ScaleError(f"{what} did not happen within {timeout_s:.0f} s")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_daemon(
    name: str, argv: list[str], port: int, output: Path, errors: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a daemon in the foreground as the service user (output appended to ``output``) and
    wait until it listens on ``port``; if it exits instead, say why from its log."""
    with output.open("ab") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, **as_service_user())
    wait_for(lambda: port_open(port) or proc.poll() is not None, f"{name} start")
    if proc.poll() is not None:
        raise ScaleError(f"{name} exited: {(errors or output).read_text()[-2000:]}")
    return proc


def stop(proc: subprocess.Popen[bytes] | None, timeout_s: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it lingers: this process only, never by name."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout_s)
