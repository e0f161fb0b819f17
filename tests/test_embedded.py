"""The embedded PostGIS works for root (server runs as `postgres`) and for an ordinary user."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from spacemap.config import get_settings
from spacemap.embedded import EmbeddedCluster
from tests.conftest import ROOT, free_port

IS_ROOT = os.geteuid() == 0

SCRIPT = """
import sys, psycopg
from pathlib import Path
from spacemap.config import Settings
from spacemap.embedded import EmbeddedCluster
state, port = Path(sys.argv[1]), int(sys.argv[2])
cluster = EmbeddedCluster(Settings(state_dir=state, pg_port=port, database_url=None))
status = cluster.up()
assert status.running, status
with psycopg.connect(f"host=127.0.0.1 port={port} user=spacemap dbname=postgres") as conn:
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    user, version = conn.execute("SELECT current_user, postgis_lib_version()").fetchone()
print(user, version, (state / "pgdata").stat().st_uid)
assert cluster.down() is True
assert cluster.status().running is False
"""


def _site_packages() -> str:
    return next(p for p in sys.path if p.endswith("site-packages"))


@pytest.mark.skipif(not get_settings().embedded, reason="suite runs against SPACEMAP_DATABASE_URL")
def test_running_cluster_is_owned_by_the_right_user() -> None:
    status = EmbeddedCluster(get_settings()).status()
    owner = pwd.getpwuid(status.data_dir.stat().st_uid).pw_name
    assert status.running
    assert owner == ("postgres" if IS_ROOT else pwd.getpwuid(os.geteuid()).pw_name)


def test_an_ordinary_user_gets_their_own_cluster() -> None:
    port = free_port()
    state = Path(tempfile.mkdtemp(prefix="spacemap-user-"))
    try:
        if (
            IS_ROOT
        ):  # run the whole thing as `nobody`, with Debian's python3 (pyenv's is under /root)
            shutil.chown(state, "nobody", "nogroup")
            argv = ["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c", SCRIPT]
            env = {
                "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                "PYTHONPATH": f"{ROOT}:{_site_packages()}",
            }
            expected_uid = pwd.getpwnam("nobody").pw_uid
        else:
            argv = [sys.executable, "-c", SCRIPT]
            env = {**os.environ}
            expected_uid = os.geteuid()
        proc = subprocess.run(
            [*argv, str(state / "state"), str(port)], env=env, capture_output=True, text=True,
            timeout=120, cwd=tempfile.gettempdir(),
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        user, version, uid = proc.stdout.split()
        assert user == "spacemap" and version.startswith("3.") and int(uid) == expected_uid
    finally:
        shutil.rmtree(state, ignore_errors=True)
