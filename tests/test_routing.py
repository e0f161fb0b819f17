"""Read routing's building blocks on one server (the standby-backed behaviour: tests/scale/).

A read is one read-only snapshot: the data version it tags a page with and the rows it shows
come from the same moment, even when a write commits between the two statements.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from spacemap.catalog.queries import versions
from spacemap.config import get_settings
from spacemap.database import connect_args, engine_for
from spacemap.routing import _valid_lsn, caught_up, read_scope, unreachable
from tests.conftest import free_port


@pytest.fixture
def configured(database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    monkeypatch.setenv("SPACEMAP_DATABASE_URL", database_url)
    monkeypatch.delenv("SPACEMAP_READ_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    engine_for.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    engine_for.cache_clear()


def test_version_and_data_come_from_one_snapshot(configured: None, engine: Engine) -> None:
    code_sql = "SELECT code, available_m2 FROM space_units ORDER BY id LIMIT 1"
    with engine.connect() as c:
        code, free = c.execute(text(code_sql)).one()
    try:
        with read_scope() as session:
            tag = versions(session, ("space_units",))
            with engine.begin() as writer:  # commits between the tag and the page
                writer.execute(
                    text("UPDATE space_units SET available_m2 = available_m2 - 1 WHERE code = :c"),
                    {"c": code},
                )
            shown = session.execute(
                text("SELECT available_m2 FROM space_units WHERE code = :c"), {"c": code}
            ).scalar_one()
            assert shown == free and versions(session, ("space_units",)) == tag
        with read_scope() as session:
            assert versions(session, ("space_units",)) != tag
    finally:
        with engine.begin() as writer:
            writer.execute(
                text("UPDATE space_units SET available_m2 = :f WHERE code = :c"),
                {"f": free, "c": code},
            )


def test_a_read_cannot_write(configured: None) -> None:
    refused = pytest.raises(DBAPIError, match="read-only")
    with refused, read_scope() as session:
        session.execute(text("UPDATE space_units SET available_m2 = available_m2"))


def test_wal_positions_compare_as_numbers_and_junk_is_ignored() -> None:
    assert caught_up("1/0", "0/FFFFFFFF") and not caught_up("0/FFFFFFFF", "1/0")
    assert caught_up("16/B374D848", "16/B374D848") and caught_up(None, "5/0")
    assert _valid_lsn("16/B374D848") == "16/B374D848"
    for junk in (None, "", "x/y", "1/2/3", "'; DROP TABLE x", "1" * 30 + "/1", "/1", "1/"):
        assert _valid_lsn(junk) is None


def test_a_server_that_is_down_is_unreachable_a_bad_query_is_not(engine: Engine) -> None:
    down = create_engine(
        f"postgresql+psycopg://x@127.0.0.1:{free_port()}/x", connect_args={"connect_timeout": 2}
    )
    with pytest.raises(DBAPIError) as refused:
        down.connect()
    assert unreachable(refused.value)
    with pytest.raises(DBAPIError) as wrong, engine.connect() as conn:
        conn.execute(text("SELECT no_such_column FROM space_units"))
    assert not unreachable(wrong.value)


def test_behind_pgbouncer_no_prepared_statements_and_no_startup_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPACEMAP_POOLER", "pgbouncer")
    get_settings.cache_clear()
    try:
        args = connect_args()
        assert args["prepare_threshold"] is None and "options" not in args
        assert args["connect_timeout"] > 0
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert "options" in connect_args() and "prepare_threshold" not in connect_args()
