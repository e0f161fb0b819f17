"""The bureau's workflow over real HTTP: apply, review, race, withdraw — and the audit trail."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from matching.training import build_training_set
from spacemap.database import session_scope
from spacemap.ingest.dataset import load_dataset
from tests.conftest import PASSWORD, ROOT, bearer, token

PROFILE = json.loads(Path(ROOT / "examples" / "ai-chip-startup.json").read_text(encoding="utf-8"))


def _feasible_units(server: str, n: int) -> list[dict]:
    reply = httpx.post(f"{server}/api/match?limit=50&near_misses=0", json=PROFILE, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()["sites"][:n]


def _unit_available(server: str, code: str) -> float:
    return httpx.get(f"{server}/collections/space-units/items/{code}").json()["properties"][
        "available_m2"
    ]


def _new_company(server: str, admin: dict) -> dict[str, str]:
    name = f"co{uuid.uuid4().hex[:10]}"
    body = {"username": name, "password": PASSWORD, "role": "company",
            "company_name": f"合成企业 {name}（合成）"}  # fmt: skip
    assert httpx.post(f"{server}/api/users", json=body, headers=admin).status_code == 201
    return bearer(token(server, name))


def _apply(server: str, company: dict, unit: str, area: float) -> httpx.Response:
    body = {"unit_code": unit, "area_m2": area, "profile": PROFILE}
    return httpx.post(f"{server}/api/applications", json=body, headers=company, timeout=60)


def _act(
    server: str, who: dict, app_id: int, action: str, reason: str | None = "ok"
) -> httpx.Response:
    body = {} if reason is None else {"reason": reason}
    return httpx.post(f"{server}/api/applications/{app_id}/{action}", json=body, headers=who,
                      timeout=60)  # fmt: skip


@pytest.fixture(scope="module")
def units(server: str) -> list[dict]:
    return _feasible_units(server, 12)


def test_an_application_records_score_and_every_check(
    server: str, accounts: dict, units: list
) -> None:
    unit = units[0]["unit_code"]
    filed = _apply(server, accounts["company"], unit, 150)
    assert filed.status_code == 201, filed.text
    app = filed.json()
    assert app["status"] == "pending" and 0 <= app["score"] <= 100
    assert {c["check"] for c in app["checks"]} == {
        "whitelist",
        "area",
        "features",
        "rent",
        "available",
    }
    assert app["checks_passed"] is True
    again = _apply(server, accounts["company"], unit, 150)
    assert again.status_code == 409 and again.json()["field"] == "unit_code"
    other = httpx.get(f"{server}/api/applications/{app['id']}", headers=accounts["company2"])
    missing = httpx.get(f"{server}/api/applications/2147483647", headers=accounts["company2"])
    assert other.status_code == missing.status_code == 404  # another's is as good as missing
    assert other.json()["detail"].replace(str(app["id"]), "N") == missing.json()["detail"].replace(
        "2147483647", "N"
    )
    mine = httpx.get(f"{server}/api/applications", headers=accounts["company2"]).json()
    assert all(a["company_name"] != app["company_name"] for a in mine["items"])


def test_a_failing_check_is_recorded_and_blocks_approval(server: str, accounts: dict) -> None:
    reply = httpx.get(f"{server}/collections/space-units/items",
                      params={"area": "xiangmihu", "limit": 1}).json()  # fmt: skip
    unit = reply["features"][0]["id"]  # ic is not on 香蜜湖's whitelist
    filed = _apply(server, accounts["company2"], unit, 150).json()
    failed = {c["check"] for c in filed["checks"] if not c["passed"]}
    assert "whitelist" in failed and filed["checks_passed"] is False
    refused = httpx.post(f"{server}/api/applications/{filed['id']}/approve", json={"reason": "ok"},
                         headers={**accounts["reviewer"], "Accept-Language": "en"})  # fmt: skip
    assert refused.status_code == 409 and refused.json()["field"] == "whitelist"
    assert "not on this area's whitelist" in refused.json()["detail"]
    assert (
        _act(server, accounts["reviewer"], filed["id"], "reject", "不在正面清单").status_code == 200
    )


def test_approve_takes_space_and_withdraw_frees_it_exactly_once(
    server: str, accounts: dict, units: list
) -> None:
    unit = units[1]["unit_code"]
    before = _unit_available(server, unit)
    app = _apply(server, accounts["company"], unit, 160).json()
    assert _act(server, accounts["reviewer"], app["id"], "approve", None).status_code == 422
    approved = _act(server, accounts["reviewer"], app["id"], "approve", "材料齐全")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert _unit_available(server, unit) == pytest.approx(before - 160)
    assert _act(server, accounts["reviewer"], app["id"], "reject", "x").status_code == 409
    assert _act(server, accounts["company2"], app["id"], "withdraw", None).status_code == 404
    assert _act(server, accounts["company"], app["id"], "withdraw", None).status_code == 200
    assert _unit_available(server, unit) == pytest.approx(before)
    assert _act(server, accounts["company"], app["id"], "withdraw", None).status_code == 409
    assert _unit_available(server, unit) == pytest.approx(before)


def test_request_info_then_respond_returns_to_the_queue(
    server: str, accounts: dict, units: list
) -> None:
    app = _apply(server, accounts["company2"], units[2]["unit_code"], 150).json()
    asked = _act(server, accounts["reviewer"], app["id"], "request-info", "请补充营业执照")
    assert asked.json()["status"] == "needs_info"
    queue = httpx.get(f"{server}/api/applications", params={"status": "needs_info"},
                      headers=accounts["reviewer"]).json()  # fmt: skip
    assert app["id"] in [a["id"] for a in queue["items"]]
    answered = _act(server, accounts["company2"], app["id"], "respond", "已上传")
    assert answered.json()["status"] == "pending" and answered.json()["message"] == "已上传"
    rejected = _act(server, accounts["reviewer"], app["id"], "reject", "不符合")
    before = _unit_available(server, units[2]["unit_code"])
    assert rejected.json()["status"] == "rejected"
    assert _act(server, accounts["company2"], app["id"], "withdraw", None).status_code == 409
    assert _unit_available(server, units[2]["unit_code"]) == before


def test_concurrent_approvals_never_overbook_a_unit(
    server: str, accounts: dict, units: list
) -> None:
    """Twelve companies apply for one unit; two reviewers approve all twelve at once."""
    unit = units[3]["unit_code"]
    available = _unit_available(server, unit)
    area = 150.0
    fits = int(available // area)
    ids = [_apply(server, _new_company(server, accounts["admin"]), unit, area).json()["id"]
           for _ in range(12)]  # fmt: skip
    assert fits < 12
    barrier = threading.Barrier(len(ids) * 2)
    results: list[int] = []

    def approve(app_id: int, reviewer: str) -> None:
        barrier.wait()
        results.append(_act(server, accounts[reviewer], app_id, "approve", "并发").status_code)

    threads = [threading.Thread(target=approve, args=(i, r)) for i in ids
               for r in ("reviewer", "reviewer2")]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(200) == fits, results
    assert set(results) <= {200, 409}
    assert _unit_available(server, unit) == pytest.approx(available - fits * area)
    trail = httpx.get(f"{server}/api/units/{unit}/audit", headers=accounts["reviewer"]).json()
    assert sum(e["action"] == "allocate" for e in trail) == fits


def test_every_state_change_is_in_the_audit_log(server: str, accounts: dict, units: list) -> None:
    app = _apply(server, accounts["company"], units[4]["unit_code"], 150).json()
    _act(server, accounts["reviewer"], app["id"], "request-info", "补充")
    _act(server, accounts["company"], app["id"], "respond", "好的")
    _act(server, accounts["reviewer"], app["id"], "approve", "同意")
    _act(server, accounts["company"], app["id"], "withdraw", "不需要了")
    trail = httpx.get(f"{server}/api/applications/{app['id']}/audit",
                      headers=accounts["reviewer"]).json()  # fmt: skip
    steps = [(e["action"], e["before"] and e["before"]["status"], e["after"]["status"])
             for e in trail if e["entity"] == "application"]  # fmt: skip
    assert steps == [
        ("submit", None, "pending"),
        ("request_info", "pending", "needs_info"),
        ("respond", "needs_info", "pending"),
        ("approve", "pending", "approved"),
        ("withdraw", "approved", "withdrawn"),
    ]
    assert [e["actor"] for e in trail if e["entity"] == "application"][1] == "reviewer"
    assert {e["action"] for e in trail if e["entity"] == "unit"} == {"allocate", "release"}


def test_the_audit_log_cannot_be_rewritten(engine: Engine, server: str, accounts: dict) -> None:
    for statement in ("UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log",
                      "TRUNCATE audit_log CASCADE"):  # fmt: skip
        # The app's role lacks the privilege; the owner's hits the trigger (tests/test_db_roles.py)
        with (
            pytest.raises(DBAPIError, match=r"append-only|permission denied"),
            engine.begin() as conn,
        ):
            conn.execute(text(statement))


def test_a_batch_proposal_is_accepted_as_a_whole(server: str, accounts: dict, units: list) -> None:
    companies = [_new_company(server, accounts["admin"]) for _ in range(3)]
    for company, unit in zip(companies, units[5:8], strict=True):
        assert _apply(server, company, unit["unit_code"], 150).status_code == 201
    _apply(server, companies[0], units[6]["unit_code"], 150)  # a second choice: still one unit
    proposal = httpx.post(f"{server}/api/proposals", json={"method": "optimal"},
                          headers=accounts["reviewer"]).json()  # fmt: skip
    placed = {p["application_id"] for p in proposal["placements"]}
    assert len({p["unit_code"] for p in proposal["placements"]}) == len(placed)
    methods = {m["method"]: m for m in proposal["comparison"]}
    assert methods["optimal"]["objective"] >= methods["greedy"]["objective"]
    accepted = httpx.post(f"{server}/api/proposals/{proposal['id']}/accept",
                          json={"reason": "批量审定"}, headers=accounts["reviewer"])  # fmt: skip
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    for app_id in placed:
        got = httpx.get(f"{server}/api/applications/{app_id}", headers=accounts["reviewer"])
        assert got.json()["status"] == "approved"
    again = httpx.post(f"{server}/api/proposals/{proposal['id']}/accept",
                       json={"reason": "x"}, headers=accounts["reviewer"])  # fmt: skip
    assert again.status_code == 409


def test_reloading_the_dataset_keeps_approved_space(engine: Engine, server: str, accounts: dict,
                                                    units: list) -> None:  # fmt: skip
    unit = units[8]["unit_code"]
    app = _apply(server, accounts["company"], unit, 150).json()
    _act(server, accounts["reviewer"], app["id"], "approve", "同意")
    taken = _unit_available(server, unit)
    with session_scope(engine) as session:
        load_dataset(session, force=True)
    assert _unit_available(server, unit) == pytest.approx(taken)


def test_approvals_become_training_placements(
    engine: Engine, server: str, accounts: dict, units: list
) -> None:
    app = _apply(server, accounts["company2"], units[9]["unit_code"], 150).json()
    assert _act(server, accounts["reviewer"], app["id"], "approve", "同意").status_code == 200
    with session_scope(engine) as session:
        approved = session.execute(
            text("SELECT count(*) FROM applications WHERE status = 'approved'")
        ).scalar_one()
        ts = build_training_set(session)
    assert approved >= 1 and 1 <= ts.approvals <= approved
    assert ts.placements >= ts.synthetic + ts.approvals
