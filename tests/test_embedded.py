"""The embedded PostGIS works for root (server runs as `postgres`) and for an ordinary user, comes
back after a crash, says plainly when its port is taken, and secures a cluster an older spacemap
left trusting every local user."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from spacemap.config import Settings, get_settings
from spacemap.embedded import EmbeddedCluster, EmbeddedError
from tests.conftest import ROOT, free_port

IS_ROOT = os.geteuid() == 0

SCRIPT = """
import sys, psycopg
from pathlib import Path
from spacemap.config import Settings
from spacemap.embedded import EmbeddedCluster
state, port = Path(sys.argv[1]), int(sys.argv[2])
settings = Settings(state_dir=state, pg_port=port, database_url=None)
cluster = EmbeddedCluster(settings)
status = cluster.up()
assert status.running, status
cluster.kill()  # a crash: the PID file and the children's shared memory outlive the server
assert cluster.up().running
conninfo = settings.url(db_name="template1").replace("postgresql+psycopg://", "postgresql://")
with psycopg.connect(conninfo) as conn:
    user, version, fsync = conn.execute(
        "SELECT current_user, postgis_lib_version(), current_setting('fsync')").fetchone()
print(user, version, fsync, (state / "pgdata").stat().st_uid)
assert cluster.down() is True
assert cluster.status().running is False
cluster.remove()  # make clean
assert not (state / "pgdata").exists() and not settings.passfile().exists()
"""


def _site_packages() -> str:
    return next(p for p in sys.path if p.endswith("site-packages"))


@pytest.mark.skipif(not get_settings().embedded, reason="suite runs against SPACEMAP_DATABASE_URL")
def test_running_cluster_is_owned_by_the_right_user() -> None:
    status = EmbeddedCluster(get_settings()).status()
    owner = pwd.getpwuid(status.data_dir.stat().st_uid).pw_name
    assert status.running
    assert owner == ("postgres" if IS_ROOT else pwd.getpwuid(os.geteuid()).pw_name)


def _as_ordinary_user(script: str, state: Path, port: int) -> tuple[str, int]:
    """Run ``script`` as an ordinary user: `nobody` when we are root (with Debian's python3;
    pyenv's is under /root), else ourselves. Returns its output and that user's uid."""
    if IS_ROOT:
        shutil.chown(state, "nobody", "nogroup")
        argv = ["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c", script]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": f"{ROOT}:{_site_packages()}"}
        uid = pwd.getpwnam("nobody").pw_uid
    else:
        argv, env, uid = [sys.executable, "-c", script], {**os.environ}, os.geteuid()
    proc = subprocess.run(
        [*argv, str(state / "state"), str(port)], env=env, capture_output=True, text=True,
        timeout=180, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, uid


def test_an_ordinary_user_gets_their_own_cluster_which_survives_a_crash() -> None:
    state = Path(tempfile.mkdtemp(prefix="spacemap-user-"))
    try:
        out, expected_uid = _as_ordinary_user(SCRIPT, state, free_port())
        user, version, fsync, uid = out.split()
        assert user == "spacemap_app" and version.startswith("3.") and fsync == "on"
        assert int(uid) == expected_uid
    finally:
        shutil.rmtree(state, ignore_errors=True)


def test_a_taken_port_is_named_with_the_way_out(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cluster = EmbeddedCluster(
            Settings(state_dir=tmp_path / "state", pg_port=port, database_url=None)
        )
        with pytest.raises(EmbeddedError) as info:
            cluster.up()
    message = info.value.message.render("en")
    assert f"port {port}" in message and "in use" in message
    assert "SPACEMAP_PG_PORT" in message and str(cluster.log_file) in message
    assert not cluster.is_initialised(), "refused before creating anything"


LEGACY = """
import subprocess, sys
from pathlib import Path
import psycopg
from spacemap.config import Settings
from spacemap.embedded import EmbeddedCluster, ensure_packages
state, port = Path(sys.argv[1]), int(sys.argv[2])
settings = Settings(state_dir=state, pg_port=port, database_url=None)
cluster = EmbeddedCluster(settings)
bindir = ensure_packages()
state.mkdir(parents=True)
# What spacemap used to make: trust for everyone, the app running as the superuser.
subprocess.run([str(bindir / "initdb"), "-D", str(cluster.data_dir), "-U", "spacemap",
                "--auth=trust"], check=True, capture_output=True)
cluster.socket_dir.mkdir()
subprocess.run([str(bindir / "pg_ctl"), "start", "-w", "-D", str(cluster.data_dir), "-l",
                str(cluster.log_file), "-o", f"-p {port} -k {cluster.socket_dir} -c fsync=off"],
               check=True, capture_output=True)
old = f"host=127.0.0.1 port={port} user=spacemap"
with psycopg.connect(old + " dbname=postgres", autocommit=True) as conn:
    conn.execute("CREATE DATABASE spacemap")
with psycopg.connect(old + " dbname=spacemap", autocommit=True) as conn:
    conn.execute("CREATE TABLE audit_log (id serial PRIMARY KEY, reason text)")
try:
    cluster.up()
    try:
        psycopg.connect(old + " dbname=spacemap", passfile="/nonexistent")
        print("trusted")
    except psycopg.OperationalError:
        print("refused")
    app = settings.url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(app) as conn:
        owner, fsync = conn.execute("SELECT tableowner, current_setting('fsync') FROM pg_tables "
                                    "WHERE tablename = 'audit_log'").fetchone()
    print(owner, fsync)
finally:
    cluster.down()
"""


def test_a_trusting_cluster_from_an_older_spacemap_is_secured() -> None:
    state = Path(tempfile.mkdtemp(prefix="spacemap-legacy-"))
    try:
        out, _uid = _as_ordinary_user(LEGACY, state, free_port())
        assert out.split() == ["refused", "spacemap_owner", "on"]
    finally:
        shutil.rmtree(state, ignore_errors=True)
