"""Every figure shown is a cited source row, and the whitelist conflict report matches the sources.

Checks what a user sees — the OGC API, /api/stats, the zone map's popups, the CLI and the
bureau's data page — against ``geodata/sources/`` (figures.csv, park_industries.csv,
whitelist_mapping.csv, indicator_values.csv), so an uncited or mislabelled number fails here.
"""

from __future__ import annotations

import csv
import json

import httpx
import pytest
from sqlalchemy.orm import Session

from geodata import sources_path, whitelists
from geodata.figures import figures
from spacemap.store.conflicts import whitelist_conflicts
from spacemap.store.indicators import indicator_series
from tests.conftest import PASSWORD, run_cli
from tests.test_sources import cited_renderings, numbers_in

PARK_FIGURE_COLUMNS = ("land_area_m2", "floor_area_m2", "low_cost_area_m2", "documented_firms")


def _rows(name: str) -> list[dict[str, str]]:
    with sources_path(name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _expected_conflicts() -> set[tuple[str, str, str]]:
    """(area, park, sector) for every documented park field its area's list does not admit,
    computed from the source files alone."""
    parks = {r["code"]: r["area_code"] for r in _rows("parks.csv")}
    admitted = whitelists.admitted()
    return {
        (parks[t["park_code"]], t["park_code"], t["industry_code"])
        for t in _rows("park_industries.csv")
        if t["basis"] == "documented" and t["industry_code"] not in admitted[parks[t["park_code"]]]
    }


# ---------------------------------------------------------------- the conflict report


def test_conflict_report_is_exactly_the_sources_disagreements(session: Session) -> None:
    report = whitelist_conflicts(session)
    assert {(c.area_code, c.park_code, c.industry_code) for c in report} == _expected_conflicts()
    tags = {(t["park_code"], t["industry_code"]): t for t in _rows("park_industries.csv")}
    for c in report:
        tag = tags[(c.park_code, c.industry_code)]
        assert c.park_quote == tag["quote"] and tag["source"].split()[1] in c.park_source
        assert c.whitelist_source.startswith("《福田区现代产业体系中长期发展规划》(documents/002)")
        assert c.industry_code not in c.whitelist and c.whitelist


def test_the_conflicts_the_issue_found_are_reported_not_erased(session: Session) -> None:
    found = {(c.park_code, c.industry_code) for c in whitelist_conflicts(session)}
    assert {
        ("new_generation", "telecom_5g"),  # a 5G hub in 梅林-彩田
        ("chegongmiao_industrial", "fintech"),  # a fintech street in 大金沙-车公庙
        ("ai_city_centre", "ai"),  # the AI centre in 华强-上步
        ("iot_ai_centre", "iot"),
    } <= found


def test_tenants_follow_the_whitelists_except_flagged_legacy_tenants(session: Session) -> None:
    from sqlalchemy import text

    rows = session.execute(
        text(
            "SELECT p.code, t.industry_code, t.is_legacy, EXISTS (SELECT 1 FROM area_whitelist w "
            "WHERE w.area_id = p.area_id AND w.industry_code = t.industry_code) AS admitted "
            "FROM tenants t JOIN parks p ON p.id = t.park_id"
        )
    ).all()
    conflicts = {(park, code) for _area, park, code in _expected_conflicts()}
    for park, code, legacy, admitted in rows:
        assert legacy == (not admitted), (park, code)
        if legacy:
            assert (park, code) in conflicts, f"{park}: legacy {code} is not a documented field"
    legacy_total = sum(1 for r in rows if r[2])
    assert legacy_total == sum(c.legacy_tenants for c in whitelist_conflicts(session))


def test_data_conflicts_command_reports_in_json_and_in_the_users_language(cli_env) -> None:
    done = run_cli(cli_env, "data", "conflicts", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {(r["area"], r["park"], r["industry"]) for r in rows} == _expected_conflicts()
    english = run_cli({**cli_env, "SPACEMAP_LANG": "en"}, "data", "conflicts")
    chinese = run_cli({**cli_env, "SPACEMAP_LANG": "zh"}, "data", "conflicts")
    assert english.returncode == 0 and chinese.returncode == 0
    assert "Shenzhen New Generation Industrial Park" in english.stdout
    assert "does not list it" in english.stdout and f"{len(rows)} conflicts" in english.stdout
    assert "深圳新一代产业园" in chinese.stdout and "does not list it" not in chinese.stdout


def _signed_in(server: str, username: str) -> httpx.Client:
    """A browser-like client holding the pages' session cookie."""
    client = httpx.Client(base_url=server)
    reply = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/"})
    assert reply.status_code == 303, reply.text
    return client


def test_bureau_data_page_lists_every_conflict_for_reviewers_only(server, accounts) -> None:
    reviewer = _signed_in(server, "reviewer")
    try:
        page = reviewer.get("/data/conflicts")
        assert page.status_code == 200
        for _area, park, code in _expected_conflicts():
            assert f'data-park="{park}" data-industry="{code}"' in page.text
        assert "深圳新一代产业园" in page.text and "正面清单" in page.text
        english = reviewer.get("/data/conflicts?lang=en")
        assert "whitelist admits" in english.text
        assert "正面清单" not in english.text.split("<main>")[1].split("<tbody>")[0]
    finally:
        reviewer.close()
    planner = _signed_in(server, "planner")
    try:
        assert planner.get("/data/conflicts").status_code == 403
    finally:
        planner.close()
    anonymous = httpx.get(f"{server}/data/conflicts", follow_redirects=False)
    assert anonymous.status_code == 303


# ---------------------------------------------------------------- every figure shown is cited


def _features(server: str, collection: str) -> list[dict]:
    reply = httpx.get(f"{server}/collections/{collection}/items?limit=1000")
    assert reply.status_code == 200
    return reply.json()["features"]


def test_park_figures_in_the_api_are_the_cited_figures(server) -> None:
    cited = {(f.code, f.field): f for f in figures() if f.table == "parks"}
    for feature in _features(server, "parks"):
        p = feature["properties"]
        for column in PARK_FIGURE_COLUMNS:
            if p[column] is None:
                continue
            fig = cited.get((p["code"], column))
            assert fig is not None, f"{p['code']}.{column} = {p[column]} has no cited source row"
            assert p[column] == pytest.approx(fig.value), f"{p['code']}.{column}"
            if column == "low_cost_area_m2":  # an inferred figure is labelled as one
                assert p["space_is_estimate"] == (fig.kind == "inferred"), p["code"]
        allowed = cited_renderings(
            [f.value for (code, _f), f in cited.items() if code == p["code"]]
        )
        for text in (p["figures_zh"], p["figures_en"]):
            for n in numbers_in(text):
                assert round(n, 4) in allowed, f"{p['code']}: {n} shown without a cited row"


def test_park_fields_in_the_api_say_how_each_is_known(server) -> None:
    tags = {(t["park_code"], t["industry_code"]): t for t in _rows("park_industries.csv")}
    seen = set()
    for feature in _features(server, "parks"):
        p = feature["properties"]
        for t in p["industry_tags"]:
            source = tags[(p["code"], t["code"])]
            seen.add((p["code"], t["code"]))
            assert t["basis"] == source["basis"]
            assert t["quote"] == source["quote"] and t["reason_en"] == source["reason_en"]
        assert sorted(p["industries_documented"] + p["industries_inferred"]) == p["industries"]
        off = {code for (park, code) in {(x[1], x[2]) for x in _expected_conflicts()}
               if park == p["code"]}  # fmt: skip
        assert set(p["industries_off_whitelist"]) == off, p["code"]
    assert seen == set(tags)


def test_areas_in_the_api_carry_their_whitelist_source_and_boundary_estimate(server) -> None:
    by_code = {f["properties"]["code"]: f["properties"] for f in _features(server, "areas")}
    entries = whitelists.whitelist()
    for code, p in by_code.items():
        assert p["whitelist"] == sorted(e.industry_code for e in entries if e.area_code == code)
        assert "(documents/002) §六(二)" in p["whitelist_source"]
        assert p["boundary_error_m"] > 0 and p["boundary_quality"] in (
            "named", "partly_named", "chosen"
        )  # fmt: skip
        for part in p["parts"]:
            assert part["boundary_error_m"] > 0 and part["boundary_quality"]
    assert by_code["meilin"]["zones"] == ["central_axis", "east_wing"]
    assert by_code["antuoshan"]["space_recorded"] is False
    assert all(p["space_recorded"] for c, p in by_code.items() if c != "antuoshan")


def test_stats_show_each_target_as_its_cited_series(server, accounts) -> None:
    stats = httpx.get(f"{server}/api/stats?lang=en", headers=accounts["planner"]).json()
    source = {
        (r["indicator_code"], r["kind"], int(r["year"]), r["as_of"], r["source"]): r
        for r in _rows("indicator_values.csv")
    }
    shown = 0
    for ind in stats["indicators"]:
        for v in ind["actuals"] + ind["targets"]:
            row = source[(ind["code"], v["kind"], v["year"], v["as_of"], v["citation"])]
            assert v["value"] == pytest.approx(float(row["value"]))
            assert v["as_written"] == row["as_written"] and v["quote"] == row["quote"]
            shown += 1
        assert ind["measurable"] in ("yes", "partly", "no") and ind["measure"]
    assert shown == len(source)
    space = next(i for i in stats["indicators"] if i["code"] == "tech_incubation_space")
    assert [t["value"] for t in space["targets"]] == [1_000_000, 1_500_000]
    assert space["actuals"][0]["value"] == 400_000 and space["measured"] is None


def test_stats_measure_like_with_like_from_cited_figures(server, accounts, session) -> None:
    stats = httpx.get(f"{server}/api/stats", headers=accounts["planner"]).json()
    incubation = next(i for i in stats["indicators"] if i["code"] == "incubation_area")
    m = incubation["measured"]
    types = {r["code"]: r for r in _rows("parks.csv")}
    documented = inferred = 0.0
    for f in figures():
        park = types.get(f.code)
        if (
            f.table == "parks"
            and f.field == "low_cost_area_m2"
            and park["park_type"] in ("incubator", "accelerator", "maker_space")
        ):
            if f.kind == "inferred":
                inferred += f.value
            else:
                documented += f.value
    assert (m["documented"], m["inferred"]) == (documented, inferred)
    assert m["compared_with"]["value"] == 285_600  # the same measure, 000 一(一)2
    assert m["compared_with"]["citation"] == "000 一(一)2"
    assert m["share_pct"] == round(100 * (documented + inferred) / 285_600, 1)
    series = {s.code: s for s in indicator_series(session)}
    assert series["incubation_area"].measured.compared_with.kind == "actual"


def test_an_area_with_no_space_recorded_reports_null_not_zero(server, accounts) -> None:
    stats = httpx.get(f"{server}/api/stats", headers=accounts["planner"]).json()
    antuoshan = next(a for a in stats["areas"] if a["code"] == "antuoshan")
    assert antuoshan["space_recorded"] is False and antuoshan["units"] == 0
    for key in ("capacity_m2", "available_m2", "occupied_m2", "occupancy_pct"):
        assert antuoshan[key] is None, key
    assert antuoshan["parks"] >= 1  # its big-data centre is planned: a carrier, no space


def test_zone_map_says_no_space_recorded_and_labels_inferred_fields(session) -> None:
    from spacemap.config import get_settings
    from spacemap.i18n import use_locale
    from web import maps
    from web.basemaps import available

    with use_locale("en"):
        html = maps.zone_map(session, available(get_settings())["none"]).get_root().render()
    assert "No space recorded here" in html  # 安托山's popup, instead of an occupancy
    assert "The documents name no field for this park" in html  # an inferred field says why
    quote = "5G 研发及应用"  # a documented field quotes its document (JSON may escape it)
    assert quote in html or json.dumps(quote)[1:-1] in html
    assert "whitelist (see the data report)" in html  # and a conflicting one says so
