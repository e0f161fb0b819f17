"""The `spacemap` command and the HTTP service, used the way a person uses them."""

from __future__ import annotations

import json
import re

import httpx

from geodata import built_path
from spacemap.migrate import head_revision
from tests.conftest import run_cli


def _counts(output: str) -> dict[str, str]:
    return dict(re.findall(r"│ (\w+)\s+│\s+(\d+) │", output))


def test_help_speaks_chinese_and_english(cli_env: dict) -> None:
    proc = run_cli(cli_env, "--help")
    assert proc.returncode == 0
    for word in ("加载福田数据集", "Load the bundled Futian dataset", "import", "serve", "db"):
        assert word in proc.stdout
    db_help = run_cli(cli_env, "db", "--help").stdout
    assert all(cmd in db_help for cmd in ("up", "down", "status", "url", "migrate"))


def test_db_url_and_status(cli_env: dict, database_url: str) -> None:
    assert run_cli(cli_env, "db", "url").stdout.strip() == database_url
    status = run_cli(cli_env, "db", "status")
    assert status.returncode == 0, status.stderr
    assert "PostGIS 3." in status.stdout
    assert f"schema revision {head_revision()} (code expects {head_revision()})" in status.stdout


def test_load_is_idempotent_from_the_command_line(cli_env: dict) -> None:
    first = run_cli(cli_env, "load")
    second = run_cli(cli_env, "load")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert _counts(first.stdout) == _counts(second.stdout)
    built = json.loads(built_path("manifest.json").read_text(encoding="utf-8"))["counts"]
    assert _counts(first.stdout)["parks"] == str(built["parks"])  # every carrier, as built
    assert _counts(first.stdout)["zones"] == "3"
    skipped = run_cli(cli_env, "load", "--if-needed")
    assert "already loaded" in skipped.stdout


def test_health_reports_database_and_postgis_versions(server: str) -> None:
    body = httpx.get(f"{server}/health").json()
    assert body["status"] == "ok"
    assert body["postgresql"].startswith("15") and body["postgis"].startswith("3.")


def test_landing_page_json_for_clients_html_for_browsers(server: str) -> None:
    as_json = httpx.get(f"{server}/", headers={"Accept": "application/json"})
    links = {link["rel"]: link for link in as_json.json()["links"]}
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert httpx.get(f"{server}/?f=json").json()["title"].startswith("福田区产业空间地图")
    page = httpx.get(f"{server}/", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert 'lang="zh-CN"' in page.text and "synthetic" in page.text
