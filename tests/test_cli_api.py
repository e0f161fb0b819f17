"""The `spacemap` command and the HTTP service, used the way a person uses them."""

from __future__ import annotations

import json
import re

import httpx
from sqlalchemy import text

from geodata import built_path
from spacemap.migrate import head_revision
from tests.conftest import ROOT, run_cli


def _counts(output: str) -> dict[str, str]:
    return dict(re.findall(r"│ (\w+)\s+│\s+(\d+) │", output))


def test_help_speaks_chinese_or_english_never_both(cli_env: dict) -> None:
    zh = run_cli(cli_env, "--help", lang="zh")
    en = run_cli(cli_env, "--help", lang="en")
    assert zh.returncode == 0 and en.returncode == 0
    assert "加载随附的福田数据集" in zh.stdout and "Load the bundled" not in zh.stdout
    assert "Load the bundled Futian dataset" in en.stdout and "加载" not in en.stdout
    for word in ("import", "serve", "db", "match", "allocate"):
        assert word in zh.stdout and word in en.stdout
    db_help = run_cli(cli_env, "db", "--help").stdout
    assert all(cmd in db_help for cmd in ("up", "down", "status", "url", "migrate"))


def test_help_shows_flags_and_arguments_as_command_lines_do(cli_env: dict) -> None:
    match = run_cli(cli_env, "match", "--help", lang="en").stdout
    assert "<bool>" not in match and re.search(r"--json\s+print JSON", match)
    parks = run_cli(cli_env, "import", "parks", "--help", lang="en").stdout
    assert "spacemap import parks [OPTIONS] FILE" in parks and "{file}" not in parks
    users = run_cli(cli_env, "users", "add", "--help", lang="en").stdout
    assert "3 to 64 characters" in users, "the user-name rule is stated where it is asked for"


def test_db_url_and_status(cli_env: dict, database_url: str) -> None:
    assert run_cli(cli_env, "db", "url").stdout.strip() == database_url
    status = run_cli(cli_env, "db", "status", lang="en")
    assert status.returncode == 0, status.stderr
    assert "PostGIS 3." in status.stdout
    head = head_revision()
    assert f"schema revision {head} (the code expects {head})" in status.stdout


def test_load_is_idempotent_from_the_command_line(cli_env: dict) -> None:
    first = run_cli(cli_env, "load")
    second = run_cli(cli_env, "load")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert _counts(first.stdout) == _counts(second.stdout)
    built = json.loads(built_path("manifest.json").read_text(encoding="utf-8"))["counts"]
    assert _counts(first.stdout)["parks"] == str(built["parks"])  # every carrier, as built
    assert _counts(first.stdout)["zones"] == "3"
    skipped = run_cli(cli_env, "load", "--if-needed", lang="en")
    assert "Already loaded" in skipped.stdout


def test_a_load_is_audited_with_who_ran_it(cli_env: dict, engine) -> None:
    assert run_cli(cli_env, "load").returncode == 0
    with engine.connect() as conn:
        actor, entity, action, after = conn.execute(
            text("SELECT actor, entity, action, after FROM audit_log WHERE action = 'load' "
                 "ORDER BY id DESC LIMIT 1")
        ).one()  # fmt: skip
        parks = conn.execute(text("SELECT count(*) FROM parks")).scalar_one()
    assert actor.startswith("cli:") and (entity, action) == ("dataset", "load")
    assert after["rows"]["parks"] == parks and len(after["sha256"]) == 64


def test_the_allocate_table_keeps_mechanism_names_in_a_narrow_terminal(cli_env: dict) -> None:
    path = ROOT / "examples" / "applications.json"
    proc = run_cli(cli_env, "allocate", "--applications", str(path), "--top-k", "5",
                   lang="en", columns=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    for name in ("deferred_acceptance", "greedy", "optimal"):
        assert re.search(rf"│ {name}\S*\s*│", proc.stdout), proc.stdout


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
