"""A need bigger than any free unit: several units of one park, offered, applied for and decided
as one site — each unit keeping its own checks and its own ledger."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

import lxml.html
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from matching.combine import pick_in_park
from matching.match import match
from matching.profile import CompanyProfile
from spacemap.database import session_scope
from spacemap.i18n import use_locale
from spacemap.store import applications as app_store
from tests.browser import UNDER_LEGEND, offline_page, sign_in
from tests.conftest import ORIGIN, PASSWORD, make_user, signed_in
from tests.test_hardening import assert_consistent
from web.pages.profile_form import query_pairs

BIG = CompanyProfile(
    name="大空间需求（合成）", industry="fintech", stage="growth", headcount=120,
    min_area_m2=2600, max_area_m2=4000, max_rent_cny_m2_month=200,
)  # fmt: skip


def units(*rows: tuple[str, float, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_code", "floor", "available_m2"])


def test_one_floor_first_then_the_narrowest_span_then_the_fewest_units() -> None:
    one_floor = units(("a", 3, 400), ("b", 3, 350), ("c", 5, 900), ("d", 6, 200), ("e", 3, 300))
    pick = pick_in_park(one_floor, 1000, 1000)
    assert pick is not None and pick.key == (1, 0.0, 3)  # floor 3: 400 + 350 + 300
    assert pick.takes == [400, 350, 250]  # the last one cut to the maximum
    spread = units(("a", 2, 500), ("b", 3, 500), ("c", 9, 600), ("d", 10, 500))
    assert pick_in_park(spread, 1000, 2000).key == (2, 1.0, 2)  # floors 2–3 before 9–10
    assert pick_in_park(units(("a", 1, 100), ("b", 1, 100)), 1000, 2000) is None


def test_a_need_no_unit_meets_is_offered_combinations_of_one_park(
    session: Session, trained: Path
) -> None:
    with use_locale("en"):
        result = match(session, BIG, trained)
    assert result.feasible_count < result.limit and result.combinations
    for c in result.combinations:
        assert BIG.min_area_m2 <= c.total_m2 <= BIG.max_area_m2
        assert len(c.units) >= 2 and "together" in c.summary and c.reasons
        assert 0 <= c.fit <= 100 and c.effective_rent_cny_m2_month <= BIG.max_rent_cny_m2_month
        facts = session.execute(
            text("SELECT u.code, u.available_m2, p.code FROM space_units u "
                 "JOIN parks p ON p.id = u.park_id WHERE u.code = ANY(:c)"),
            {"c": [u.unit_code for u in c.units]},
        ).all()  # fmt: skip
        assert {park for _, _, park in facts} == {c.park_code}
        free = {code: a for code, a, _ in facts}
        assert all(0 < u.apply_m2 <= free[u.unit_code] for u in c.units)
        assert all(free[u.unit_code] < BIG.min_area_m2 for u in c.units)
    assert [c.score for c in result.combinations] == sorted(
        (c.score for c in result.combinations), reverse=True
    )


def api_client(app: object, role: str, engine: Engine) -> TestClient:
    name = make_user(engine, role)
    client = TestClient(app, base_url=ORIGIN)
    reply = client.post("/api/token", data={"username": name, "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
    return client


def free_m2(engine: Engine, codes: list[str]) -> dict[str, float]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT code, available_m2 FROM space_units WHERE code = ANY(:c)"), {"c": codes}
        )
        return dict(rows.all())


@pytest.fixture
def offered(app: object) -> dict:
    with TestClient(app, base_url=ORIGIN) as anyone:
        reply = anyone.post("/api/match?near_misses=0", json=BIG.model_dump(mode="json"))
    assert reply.status_code == 200, reply.text
    return reply.json()["combinations"][0]


def file(company: TestClient, site: dict) -> dict:
    body = {"units": [{"unit_code": u["unit_code"], "area_m2": u["apply_m2"]}
                      for u in site["units"]],
            "profile": BIG.model_dump(mode="json")}  # fmt: skip
    reply = company.post("/api/applications/combination", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_a_site_is_filed_listed_approved_and_withdrawn_whole(
    app: object, engine: Engine, offered: dict
) -> None:
    company, reviewer = api_client(app, "company", engine), api_client(app, "reviewer", engine)
    codes = [u["unit_code"] for u in offered["units"]]
    before = free_m2(engine, codes)
    filed = file(company, offered)
    assert filed["combination_id"] == filed["id"] and filed["score"] == offered["score"]
    assert [p["unit_code"] for p in filed["combination"]] == codes
    mine = company.get("/api/applications").json()
    assert [a["id"] for a in mine["items"]] == [filed["id"]]  # one site, listed once
    other = filed["combination"][-1]["id"]  # acting on any unit acts on the site
    approved = reviewer.post(f"/api/applications/{other}/approve", json={"reason": "整体批准"})
    assert approved.status_code == 200, approved.text
    for part in filed["combination"]:
        view = reviewer.get(f"/api/applications/{part['id']}").json()
        assert view["status"] == "approved"
    after = free_m2(engine, codes)
    for u in offered["units"]:
        assert after[u["unit_code"]] == pytest.approx(before[u["unit_code"]] - u["apply_m2"])
    assert_consistent(engine)
    gone = company.post(f"/api/applications/{filed['id']}/withdraw", json={})
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert free_m2(engine, codes) == pytest.approx(before)
    assert_consistent(engine)


def test_a_site_that_cannot_be_approved_whole_is_not_approved_at_all(
    app: object, engine: Engine, offered: dict
) -> None:
    first, second = api_client(app, "company", engine), api_client(app, "company", engine)
    reviewer = api_client(app, "reviewer", engine)
    codes = [u["unit_code"] for u in offered["units"]]
    a, b = file(first, offered), file(second, offered)
    assert reviewer.post(f"/api/applications/{a['id']}/approve",
                         json={"reason": "先到"}).status_code == 200  # fmt: skip
    taken = free_m2(engine, codes)
    refused = reviewer.post(f"/api/applications/{b['id']}/approve", json={"reason": "后到"})
    assert refused.status_code == 409, refused.text
    assert free_m2(engine, codes) == taken  # no unit of the second site was taken
    statuses = {p["id"]: reviewer.get(f"/api/applications/{p['id']}").json()["status"]
                for p in b["combination"]}  # fmt: skip
    assert set(statuses.values()) == {"pending"}
    with session_scope(engine) as s:
        pending = {r["id"] for r in app_store.pending(s)}
    assert not pending & set(statuses)  # batch allocation leaves sites to their own decision
    for site, who in ((a, first), (b, second)):
        who.post(f"/api/applications/{site['id']}/withdraw", json={})
    assert_consistent(engine)


def test_the_database_refuses_to_split_a_site(app: object, engine: Engine, offered: dict) -> None:
    company = api_client(app, "company", engine)
    filed = file(company, offered)
    one = filed["combination"][-1]["id"]
    with pytest.raises(DBAPIError, match=r"combination \d+ split"), session_scope(engine) as s:
        s.execute(text("UPDATE applications SET status = 'rejected' WHERE id = :i"), {"i": one})
    company.post(f"/api/applications/{filed['id']}/withdraw", json={})
    assert_consistent(engine)


def test_a_site_across_parks_or_outside_the_need_is_refused(app: object, engine: Engine) -> None:
    company = api_client(app, "company", engine)
    with engine.connect() as conn:
        two_parks = text(
            "SELECT min(u.code) FROM space_units u JOIN parks p ON p.id = u.park_id "
            "WHERE u.available_m2 > 0 GROUP BY p.id ORDER BY p.id LIMIT 2"
        )
        a, b = conn.execute(two_parks).scalars().all()
    body = {"units": [{"unit_code": a, "area_m2": 1300}, {"unit_code": b, "area_m2": 1300}],
            "profile": BIG.model_dump(mode="json")}  # fmt: skip
    across = company.post("/api/applications/combination", json=body)
    assert across.status_code == 409 and across.json()["field"] == "units"
    body["units"][0]["area_m2"] = 10
    short = company.post("/api/applications/combination", json=body,
                         headers={"Accept-Language": "en"})  # fmt: skip
    assert short.status_code == 422 and "outside the profile's need" in short.text


def _search_url() -> str:
    return "/search?" + urlencode(query_pairs(BIG))


def test_a_site_is_applied_for_from_the_page_without_javascript(
    app: object, engine: Engine
) -> None:
    """The results page's "apply for the whole site" form, posted as a browser without
    JavaScript would: one application for all the site's units, shown on /my."""
    with signed_in(app, make_user(engine, "company"), "en") as page:
        html = lxml.html.fromstring(page.get(_search_url()).text)
        form = html.xpath("//article[contains(@class, 'combination')]//form")[0]
        codes = form.xpath(".//input[@name='unit_code']/@value")
        areas = form.xpath(".//input[@name='area_m2']/@value")
        profile = form.xpath(".//input[@name='profile']/@value")[0]
        assert len(codes) >= 2 and len(codes) == len(areas)
        filed = page.post("/search/apply-site", follow_redirects=False, data={
            "unit_code": codes, "area_m2": areas, "profile": profile})  # fmt: skip
        assert filed.status_code == 303, filed.text
        app_id = int(filed.headers["location"].split("filed=")[1])
        assert f"#{app_id}" in page.get("/my").text
        view = page.get(f"/api/applications/{app_id}",
                        headers={"X-Requested-With": "spacemap"}).json()  # fmt: skip
        assert [p["unit_code"] for p in view["combination"]] == codes
        assert sum(p["requested_m2"] for p in view["combination"]) == pytest.approx(
            sum(float(a) for a in areas)
        )
        # A forged area outside the need is refused, and nothing is filed.
        refused = page.post("/search/apply-site", follow_redirects=False, data={
            "unit_code": codes, "area_m2": ["1"] * len(codes), "profile": profile})  # fmt: skip
        assert refused.status_code == 409 and "2,600–4,000 m²" in refused.text
        page.post(f"/my/{app_id}/withdraw", data={"reason": ""}, follow_redirects=False)


def test_a_site_is_applied_for_from_the_page_in_chromium(
    browser: object, server: str, engine: Engine
) -> None:
    pg = offline_page(browser, server, "zh-CN", phone=True)
    sign_in(pg, server, make_user(engine, "company"), quote(_search_url(), safe=""))
    # Each site offered is on the map too, S1 first, its fit in the tooltip, in the page's words
    assert pg.locator(".spacemap-rank", has_text="S1").count() == 1
    pg.locator(".spacemap-rank", has_text="S1").hover()
    tip = pg.locator(".leaflet-tooltip").inner_text()
    fit = pg.locator("article.combination .score").first.inner_text()
    assert tip.startswith("组合 1 ") and tip.endswith(f"匹配度 {fit}"), tip
    assert pg.evaluate(UNDER_LEGEND) == []  # every site offered is in sight, none under the legend
    site = pg.locator("article.combination").first
    site.locator("button[type=submit]").click()
    link = site.locator(".apply-result a[data-application-id]")
    link.wait_for()
    app_id = link.get_attribute("data-application-id")
    pg.goto(f"{server}/my", wait_until="networkidle")
    assert f"#{app_id}" in pg.inner_text("body")
    assert pg.errors == [] and pg.outside == []
    pg.context.close()
