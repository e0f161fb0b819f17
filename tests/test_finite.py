"""Infinity, NaN and overflowing numbers (1e309) are refused at every edge — the API's models, the
search form, the import (tests/test_import.py) — and by the schema itself, whoever writes."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests.conftest import ROOT

NON_FINITE = ["1e309", "-1e309", "NaN", "Infinity", "-Infinity"]
PROFILE = (ROOT / "examples" / "biotech-lab.json").read_text(encoding="utf-8")


def with_literal(body: dict, field: str, literal: str) -> str:
    """JSON text with ``field`` set to a literal no JSON encoder writes (NaN, 1e309…)."""
    body[field] = "__literal__"
    return json.dumps(body, ensure_ascii=False).replace('"__literal__"', literal)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("space_units", "capacity_m2"),
        ("space_units", "available_m2"),
        ("space_units", "rent_cny_m2_month"),
        ("parks", "floor_area_m2"),
        ("tenants", "occupied_m2"),
    ],
)
@pytest.mark.parametrize("value", ["Infinity", "NaN"])
def test_the_schema_refuses_non_finite_numbers(
    session: Session, table: str, column: str, value: str
) -> None:
    """NaN passes `> 0` in PostgreSQL (it sorts above everything): only the finite check holds."""
    with pytest.raises(IntegrityError, match=f"{column}_finite"), session.begin_nested():
        session.execute(
                text(f"UPDATE {table} SET {column} = CAST(:v AS float8) "
                     f"WHERE id = (SELECT min(id) FROM {table})"),
                {"v": value},
            )  # fmt: skip


def test_every_float_column_has_a_finite_check(session: Session) -> None:
    unchecked = session.execute(
        text(
            "SELECT c.table_name || '.' || c.column_name FROM information_schema.columns c "
            "WHERE c.table_schema = 'public' AND c.data_type = 'double precision' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.contype = 'c' "
            "AND k.conrelid = c.table_name::regclass AND k.conname = c.column_name || '_finite')"
        )
    ).scalars()
    assert list(unchecked) == []


@pytest.mark.parametrize("value", NON_FINITE)
@pytest.mark.parametrize("field", ["min_area_m2", "max_area_m2", "max_rent_cny_m2_month"])
def test_the_match_api_refuses_non_finite_numbers(server: str, field: str, value: str) -> None:
    body = with_literal(json.loads(PROFILE), field, value)
    reply = httpx.post(f"{server}/api/match", content=body.encode(),
                       headers={"content-type": "application/json"})  # fmt: skip
    assert reply.status_code == 422, reply.text
    assert field in {e["field"] for e in reply.json()["errors"]}


@pytest.mark.parametrize("value", NON_FINITE)
def test_an_application_refuses_a_non_finite_area(server: str, accounts: dict, value: str) -> None:
    body = with_literal({"unit_code": "x", "profile": json.loads(PROFILE)}, "area_m2", value)
    headers = {**accounts["company"], "content-type": "application/json"}
    reply = httpx.post(f"{server}/api/applications", content=body.encode(), headers=headers)
    assert reply.status_code == 422, reply.text
    assert "area_m2" in {e["field"] for e in reply.json()["errors"]}


@pytest.mark.parametrize("value", ["inf", "nan", "1e309", "-inf"])
def test_the_search_form_refuses_non_finite_numbers(server: str, value: str) -> None:
    form = {"name": "测试", "industry": "ai", "stage": "startup", "headcount": "20",
            "min_area_m2": value, "max_area_m2": "300", "max_rent_cny_m2_month": "150"}  # fmt: skip
    reply = httpx.get(f"{server}/search", params=form)  # a search is a URL (bookmarkable)
    assert reply.status_code < 500, reply.text[:500]
    assert 'data-field="min_area_m2"' in reply.text
