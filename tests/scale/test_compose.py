"""The docker-compose ``scale`` profile: valid for Compose, the same topology the scale tests run,
and the very pgbouncer and nginx configuration they run (no Docker engine needed: Compose
validates and resolves the file without one)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from spacemap.scale import compose
from tests.scale.conftest import ROOT

SCALE = {"pg-primary", "pg-standby", "pgbouncer", "setup", "app1", "app2", "proxy"}


def _compose(*args: str) -> str:
    if shutil.which("docker-compose"):
        cmd = ["docker-compose", *args]
    elif subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        cmd = ["docker", "compose", *args]
    else:
        pytest.fail("no Compose: `make scale-tools` installs Debian's")
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_committed_configuration_is_what_the_tested_code_writes() -> None:
    for name, content in compose.files().items():
        committed = (compose.DEPLOY / name).read_text(encoding="utf-8")
        assert committed == content, f"deploy/scale/{name}: run python -m spacemap.scale.compose"


def test_the_scale_profile_is_valid_and_wired_as_tested() -> None:
    services = yaml.safe_load(_compose("--profile", "scale", "config"))["services"]
    assert set(services) >= SCALE
    for name, service in services.items():  # plain `docker compose up` is unchanged
        assert (service.get("profiles") == ["scale"]) == (name in SCALE), name
    for app in ("app1", "app2"):
        env = services[app]["environment"]
        assert "@pgbouncer:6432/spacemap" in env["SPACEMAP_DATABASE_URL"]
        assert env["SPACEMAP_READ_DATABASE_URL"].endswith("@pgbouncer:6432/spacemap_standby")
        assert env["SPACEMAP_POOLER"] == "pgbouncer"
        assert services[app]["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    standby = (ROOT / "deploy" / "scale" / "standby-entrypoint.sh").read_text()
    assert "pg_basebackup" in standby and " -R " in standby
    pooled = compose.files()["pgbouncer.ini"]
    assert "pool_mode = transaction" in pooled and "host=pg-standby" in pooled
    assert "server app1:8000" in compose.files()["nginx.conf"]
