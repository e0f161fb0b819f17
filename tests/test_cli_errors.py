"""Every `spacemap` command, given bad arguments, says what is wrong in one or two plain lines:
no traceback, no raw database error, never a database row (which can hold a password hash).

The commands run in this process (the same `run` the console script calls) to keep this fast;
tests/test_cli_api.py and tests/test_import.py run the real executable.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from spacemap import i18n
from spacemap.config import get_settings
from spacemap.terminal import run

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:9/nowhere"
LEAKS = ("Traceback", "sqlalchemy", "psycopg", "DETAIL", "[SQL:", "argon2", "Failing row")


@pytest.fixture(scope="module")
def command():
    from spacemap import cli

    cli._register_plugins()
    return typer.main.get_command(cli.app)


@pytest.fixture
def cli(command, database_url: str, monkeypatch, capsys) -> Iterator:
    """Run a command line against the test database in English; (exit code, all output)."""
    monkeypatch.setenv("SPACEMAP_DATABASE_URL", database_url)
    monkeypatch.setenv("SPACEMAP_DB_WAIT_S", "0")
    get_settings.cache_clear()
    i18n.set_locale("en")

    def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        code = run(command, list(args))
        out = capsys.readouterr()
        for key in env or {}:
            monkeypatch.delenv(key)
        get_settings.cache_clear()
        return code, out.out + out.err

    yield invoke
    get_settings.cache_clear()


def _files(tmp: Path) -> dict[str, str]:
    (tmp / "empty.json").write_text("[]", encoding="utf-8")
    (tmp / "bad.json").write_text("{not json", encoding="utf-8")
    (tmp / "profile.json").write_text(json.dumps({"name": "x", "industry": "fintec"}), "utf-8")
    (tmp / "apps.json").write_text(json.dumps([{"applicant": 1}]), encoding="utf-8")
    (tmp / "units.txt").write_text("code,park\n", encoding="utf-8")
    return {k: str(tmp / f"{k}.json") for k in ("empty", "bad", "profile", "apps")} | {
        "dir": str(tmp),
        "txt": str(tmp / "units.txt"),
    }


def _busy_port() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


# (command line, expected exit code, words the message must contain); {x} are filled per test.
CASES = [
    (["db", "up", "extra"], 2, "unexpected extra arguments"),
    (["db", "down", "--now"], 2, "no option --now"),
    (["db", "remove"], 2, "deletes no database it did not make"),
    (["db", "status"], 3, "cannot reach the database", {"SPACEMAP_DATABASE_URL": UNREACHABLE}),
    (["db", "url", "x"], 2, "unexpected extra arguments"),
    (["db", "url"], 2, "SPACEMAP_PG_PORT is not valid", {"SPACEMAP_PG_PORT": "abc"}),
    (["db", "migrate"], 3, "cannot reach the database", {"SPACEMAP_DATABASE_URL": UNREACHABLE}),
    (["load", "--if-needed", "yes"], 2, "unexpected extra arguments"),
    (["load"], 3, "cannot reach the database", {"SPACEMAP_DATABASE_URL": UNREACHABLE}),
    (["import", "parks"], 2, "FILE is required"),
    (["import", "parks", "/no/such.csv"], 1, "no such file"),
    (["import", "parks", "{dir}"], 1, "no such file"),
    (["import", "units", "x.csv", "--crs", "mars"], 2, "crs must be wgs84"),
    (["import", "units", "x.csv", "--crs", "EPSG:999999"], 2, "EPSG:999999 is not a known"),
    (["import", "units", "{txt}"], 1, "unsupported file type"),
    (["users", "create-admin", "Li"], 2, "3 to 64 characters"),
    (["users", "create-admin", "lina", "--password", "short"], 2, "at least 10 characters"),
    (["users", "add", "li", "--role", "reviewer"], 2, "the user name 'li' is not allowed"),
    (["users", "add", "lina"], 2, "--role is required"),
    (["users", "add", "lina", "--role", "king"], 2, "must be one of company"),
    (["users", "add", "lina", "--role", "company", "--password", "a-long-secret-9"], 2,
     "needs --company"),
    (["users", "add", "lina", "--role", "company", "--company", "bad\x1bname", "--password",
      "a-long-secret-9"], 2, "control characters"),
    (["serve", "--port", "0"], 2, "between 1 and 65535"),
    (["serve", "--port", "abc"], 2, "--port must be a whole number"),
    (["serve", "--port", "{busy}"], 2, "cannot listen on"),
    (["match"], 2, "--profile is required"),
    (["match", "--profile", "/no/such.json"], 2, "no such file"),
    (["match", "--profile", "{bad}"], 2, "is not valid"),
    (["match", "--profile", "{profile}"], 2, "did you mean 'fintech'"),
    (["match", "--profile", "{profile}", "--limit", "0"], 2, "must be at least 1"),
    (["match", "--profile", "{profile}", "--model", "magic"], 2, "auto, rule or ranker"),
    (["train", "--seed", "x"], 2, "--seed must be a whole number"),
    (["evaluate", "--output", "{dir}"], 2, "is a directory"),
    (["allocate"], 2, "--applications is required"),
    (["allocate", "--applications", "{empty}"], 2, "lists no applications"),
    (["allocate", "--applications", "{apps}"], 2, "is not valid"),
    (["allocate", "--applications", "{apps}", "--top-k", "-1"], 2, "must be at least 1"),
    (["data", "conflicts", "--csv"], 2, "no option --csv"),
    (["scale", "up", "--apps", "0"], 2, "--apps: must be between 1 and 8, not 0"),
    (["nonsense"], 2, "no command 'nonsense'"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: " ".join(c[0])[:40])
def test_bad_arguments_get_a_plain_answer(cli, tmp_path: Path, case: tuple) -> None:
    argv, code, words, *env = case
    busy = _busy_port()
    try:
        fill = {**_files(tmp_path), "busy": str(busy.getsockname()[1])}
        args = [a.format(**fill) for a in argv]
        got, output = cli(*args, env=env[0] if env else None)
    finally:
        busy.close()
    assert got == code, output
    assert words in output, output
    assert "error:" in output
    assert not [leak for leak in LEAKS if leak in output], output


def test_every_command_has_a_bad_arguments_case(command) -> None:
    def paths(group, prefix=()):
        for name, sub in group.commands.items():
            if hasattr(sub, "commands"):
                yield from paths(sub, (*prefix, name))
            else:
                yield " ".join((*prefix, name))

    groups = ("db", "import", "users", "data", "scale")
    covered = {" ".join(c[0][:2]) if c[0][0] in groups else c[0][0] for c in CASES}
    assert set(paths(command)) - covered == set()


def test_a_database_refusal_is_said_without_the_row(cli, monkeypatch) -> None:
    """Whatever the database refuses, the CLI prints its one-line reason, not DETAIL's row."""
    from sqlalchemy import text

    from spacemap.store import users

    def add_user(session, username, role, password, company_name=None):
        row = "VALUES ('ok-name', 'nonsense', '$argon2id$v=19$secret', true)"
        session.execute(text(f"INSERT INTO users (username, role, password_hash, is_active) {row}"))

    monkeypatch.setattr(users, "add_user", add_user)
    code, output = cli("users", "add", "lina.wei", "--role", "planner", "--password",
                       "a-long-secret-9")  # fmt: skip
    assert code == 2 and "the database refused this account (role)" in output, output
    assert "argon2" not in output and "secret" not in output


def test_the_readme_example_explains_the_user_name_rule(cli) -> None:
    code, output = cli("users", "add", "li", "--role", "reviewer", "--password", "long-enough-1")
    assert code == 2 and "3 to 64 characters" in output and "argon2" not in output
    code, output = cli("users", "add", "li.wei", "--role", "reviewer", "--password",
                       "long-enough-1")  # fmt: skip
    assert code == 0 and "Created the reviewer (science bureau) account 'li.wei'." in output
    code, output = cli("users", "add", "li.wei", "--role", "planner", "--password",
                       "long-enough-1")  # fmt: skip
    assert code == 1 and "'li.wei' is taken" in output


def test_errors_are_in_the_chosen_language(cli) -> None:
    i18n.set_locale("zh")
    try:
        code, output = cli("users", "add", "li", "--role", "reviewer")
    finally:
        i18n.set_locale("en")
    assert code == 2 and "错误" in output and "不可用" in output and "not allowed" not in output
