"""Matching: feasible means feasible, reasons are true, results repeat, models round-trip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from matching import artifact, queries
from matching.columns import fetch_columns
from matching.match import match
from matching.models import RuleModel
from matching.policy import subsidy_rate
from matching.profile import CompanyProfile, PolicyFlags, Preferences
from matching.queries import array_literal, fetch_candidates, search_params
from spacemap.i18n import use_locale
from spacemap.taxonomy import area_codes, sectors
from spacemap.vocab import STAGES, UNIT_FEATURES
from tests.conftest import ROOT, run_cli

EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.json") if p.name != "applications.json")


def example(name: str) -> CompanyProfile:
    return CompanyProfile.model_validate_json((ROOT / "examples" / name).read_text("utf-8"))


def unit_facts(session: Session, code: str) -> dict:
    """The unit as the database holds it, read independently of the matching SQL."""
    row = (
        session.execute(
            text(
                "SELECT u.available_m2, u.rent_cny_m2_month, u.is_low_cost, u.features, "
                "u.available_from, a.id AS area_id, p.id AS park_id, p.park_type, "
                "ARRAY(SELECT industry_code FROM area_whitelist w WHERE w.area_id = a.id) "
                "  AS whitelist, "
                "ARRAY(SELECT industry_code FROM area_whitelist w "
                "  WHERE w.area_id = a.id AND w.is_lead) AS leads, "
                "(SELECT min(ST_Distance(s.geom::geography, u.geom::geography)) FROM stations s) "
                "  AS metro_m "
                "FROM space_units u JOIN parks p ON p.id = u.park_id "
                "JOIN areas a ON a.id = p.area_id "
                "WHERE u.code = :c"
            ),
            {"c": code},
        )
        .mappings()
        .one()
    )
    return dict(row)


def assert_feasible(session: Session, profile: CompanyProfile, unit_code: str) -> None:
    f = unit_facts(session, unit_code)
    matched = [i for i in profile.industries if i in f["whitelist"]]
    assert matched, f"{unit_code}: none of {profile.industries} on whitelist {f['whitelist']}"
    assert f["available_m2"] >= profile.min_area_m2 and f["available_m2"] > 0
    assert set(profile.required_features) <= set(f["features"])
    lead = np.array([any(i in f["leads"] for i in profile.industries)])
    rate = subsidy_rate(np.array([f["is_low_cost"]]), lead, profile)[0]
    assert f["rent_cny_m2_month"] * (1 - rate) <= profile.max_rent_cny_m2_month + 1e-9
    if profile.move_in_by is not None:
        assert f["available_from"] <= profile.move_in_by


profiles = st.builds(
    CompanyProfile,
    name=st.just("hypothesis"),
    industry=st.sampled_from(sorted(sectors())),
    secondary_industries=st.lists(st.sampled_from(sorted(sectors())), max_size=2),
    stage=st.sampled_from(list(STAGES)),
    headcount=st.integers(1, 500),
    min_area_m2=st.floats(10, 800),
    max_area_m2=st.just(2000.0),
    max_rent_cny_m2_month=st.floats(20, 260),
    required_features=st.lists(st.sampled_from(list(UNIT_FEATURES)), max_size=2, unique=True),
    move_in_by=st.one_of(st.none(), st.dates(min_value=__import__("datetime").date(2026, 12, 1))),
    preferences=st.builds(
        Preferences,
        near_hk_border=st.booleans(),
        areas=st.lists(st.sampled_from(sorted(area_codes())), max_size=2, unique=True),
        wants_programme=st.booleans(),
    ),
    flags=st.builds(PolicyFlags, national_high_tech=st.booleans(), high_growth=st.booleans()),
)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(profile=profiles)
def test_no_feasible_site_ever_breaks_a_hard_constraint(
    session: Session, tmp_path: Path, profile: CompanyProfile
) -> None:
    result = match(session, profile, tmp_path / "no-model", limit=20)
    for site in result.sites:
        assert_feasible(session, profile, site.unit_code)
    for miss in result.near_misses:
        assert miss.failed, "a near miss must say why it failed"
        with pytest.raises(AssertionError):
            assert_feasible(session, profile, miss.unit_code)


def test_near_misses_name_the_failed_check_with_numbers(session: Session, tmp_path: Path) -> None:
    # Bigger than any unit: the misses fail on area. Every feature at once: no unit has them all.
    base = example("ai-chip-startup.json")
    too_big = base.model_copy(update={"min_area_m2": 9000.0, "max_area_m2": 9000.0})
    everything = base.model_copy(update={"required_features": sorted(UNIT_FEATURES)})
    said: dict[str, dict[str, str]] = {}
    for locale in ("en", "zh"):
        with use_locale(locale):
            misses = [*match(session, too_big, tmp_path).near_misses,
                      *match(session, everything, tmp_path).near_misses]  # fmt: skip
        said[locale] = {f.check: f.message for m in misses for f in m.failed}
    assert "9000 m² needed" in said["en"]["area"] and "9000 m²" in said["zh"]["area"]
    assert "clean room" in said["en"]["features"] and "洁净室" in said["zh"]["features"]
    for miss in misses:  # generated units say so, read from the unit itself
        flag = session.scalar(
            text("SELECT is_synthetic FROM space_units WHERE code = :c"), {"c": miss.unit_code}
        )
        assert miss.is_synthetic is flag


def test_off_whitelist_industry_gets_no_site_and_a_whitelist_reason(
    session: Session, tmp_path: Path
) -> None:
    # Quantum is whitelisted only in the Loop; an area preference elsewhere cannot override it.
    profile = example("ai-chip-startup.json").model_copy(
        update={"industry": "quantum", "secondary_industries": [], "required_features": []}
    )
    result = match(session, profile, tmp_path, limit=50)
    assert result.sites and {s.area_code for s in result.sites} == {"hetao"}
    huaqiang = session.execute(text("SELECT code FROM space_units WHERE code LIKE 'blackark-%' "
                                    "ORDER BY code LIMIT 1")).scalar_one()  # fmt: skip
    assert huaqiang not in {s.unit_code for s in result.sites}


def test_reasons_state_the_sites_true_numbers(session: Session, tmp_path: Path) -> None:
    for path in EXAMPLES:
        profile = example(path.name)
        with use_locale("en"):
            result = match(session, profile, tmp_path)
        for site in result.sites:
            facts = unit_facts(session, site.unit_code)
            for reason in site.reasons:
                if reason.feature == "metro_m":
                    assert f"{facts['metro_m']:.0f} m to a metro station" in reason.text
                elif reason.feature == "rent_ratio":
                    pct = 100 * (
                        1 - site.effective_rent_cny_m2_month / profile.max_rent_cny_m2_month
                    )
                    assert abs(float(reason.text.split("%")[0].split()[-1]) - pct) <= 1.0
                elif reason.feature == "area_ratio":
                    assert f"{site.available_m2:.0f} m² free" in reason.text
                elif reason.feature == "programme_fit":
                    assert site.park_type in ("incubator", "accelerator", "maker_space")
                elif reason.feature == "is_low_cost":
                    assert site.is_low_cost
                elif reason.feature == "preferred_area":
                    prefs = profile.preferences
                    assert site.area_code in prefs.areas or site.zone_code in prefs.zones
                assert reason.contribution > 0


def test_same_sector_counts_are_postgis_distances(session: Session) -> None:
    """ "12 same-industry firms within 500 m" must be what PostGIS counts, for every candidate."""
    for path in EXAMPLES:
        profile = example(path.name)
        cands = fetch_candidates(session, search_params(profile))
        truth = session.execute(
            text(
                "SELECT u.code, "
                "  count(*) FILTER (WHERE ST_Distance(here, there) <= 500) AS within_500, "
                "  count(*) FILTER (WHERE ST_Distance(here, there) <= 1000) AS within_1000 "
                "FROM space_units u "
                "CROSS JOIN LATERAL (SELECT ST_Transform(u.geom, 4547) AS here) h "
                "LEFT JOIN LATERAL ("
                "  SELECT ST_Transform(COALESCE(tu.geom, tp.geom), 4547) AS there FROM tenants t "
                "  JOIN parks tp ON tp.id = t.park_id "
                "  LEFT JOIN space_units tu ON tu.id = t.unit_id "
                "  WHERE t.industry_code = :industry) peers ON true "
                "WHERE u.code = ANY(:codes) GROUP BY u.code"
            ),
            {"industry": profile.industry, "codes": cands["unit_code"].tolist()},
        ).all()
        expected = {code: (n500, n1000) for code, n500, n1000 in truth}
        counts = zip(cands["peers_500m"], cands["peers_1km"], strict=True)
        got = dict(zip(cands["unit_code"], counts, strict=True))
        assert got == expected, path.name


def test_columns_arrive_whole_with_missing_numbers_as_nan(session: Session) -> None:
    sql = "SELECT * FROM (VALUES (1, 1.5, true, 'a'), (2, NULL, false, '乙')) AS v(i, f, b, t)"
    cols = fetch_columns(session, sql, {}, {"i": "int", "f": "float", "b": "bool", "t": "text"})
    assert cols["i"].tolist() == [1, 2] and cols["b"].tolist() == [True, False]
    assert cols["f"][0] == 1.5 and np.isnan(cols["f"][1])
    assert list(cols["t"]) == ["a", "乙"]
    empty = "SELECT 1 AS i, 2.0 AS f WHERE false"
    none = fetch_columns(session, empty, {}, {"i": "int", "f": "float"})
    assert none["i"].shape == (0,) and none["f"].dtype == np.float64
    with pytest.raises(ValueError, match="NULL"):
        fetch_columns(session, "SELECT NULL::boolean AS b", {}, {"b": "bool"})


def test_peer_counts_are_the_same_measured_directly_or_by_kd_tree(monkeypatch) -> None:
    """A few pairs are measured directly, many through KD-trees: the counts must not depend on
    which (points on a 250 m grid put many peers exactly on the 500 m and 1 km circles)."""
    rng = np.random.default_rng(7)
    points = np.vstack([rng.uniform(0, 5000, (300, 2)), np.repeat([[1000.0, 1000.0]], 5, 0)])
    others = np.vstack(
        [rng.uniform(0, 5000, (200, 2)), np.mgrid[0:5001:250, 0:5001:250].T.reshape(-1, 2)]
    )
    monkeypatch.setattr(queries, "DIRECT_PAIRS", 10**9)
    direct = queries.count_within(points, others, (500.0, 1000.0))
    monkeypatch.setattr(queries, "DIRECT_PAIRS", 0)
    by_tree = queries.count_within(points, others, (500.0, 1000.0))
    assert [d.tolist() for d in direct] == [t.tolist() for t in by_tree]
    assert direct[0][-1] == 13 + np.count_nonzero(np.hypot(*(others[:200] - 1000.0).T) <= 500)


def test_park_facts_reach_the_database_as_they_were_read(session: Session) -> None:
    """Park facts travel as array literals: text with quotes, braces, commas, backslashes or the
    word NULL, missing values and every digit of a float come back unchanged."""
    texts = np.array(['a"b', "{c,d}", "e\\f", "NULL", "", " 乙 ", None], dtype=object)
    floats = np.array([0.1 + 0.2, np.nan, -1e-300, 1e300])
    back = session.execute(
        text("SELECT CAST(:t AS varchar[]), CAST(:f AS float8[]), CAST(:b AS boolean[]), "
             "CAST(:i AS int[])"),
        {"t": array_literal(texts), "f": array_literal(floats),
         "b": array_literal(np.array([True, False])), "i": array_literal(np.array([7, -3]))},
    ).one()  # fmt: skip
    assert back[0] == list(texts)
    assert back[1][0] == 0.1 + 0.2 and back[1][1] is None and back[1][2:] == [-1e-300, 1e300]
    assert back[2] == [True, False] and back[3] == [7, -3]


def test_matching_is_deterministic(session: Session, tmp_path: Path) -> None:
    profile = example("fintech-growth.json")
    first = match(session, profile, tmp_path).model_dump_json()
    assert match(session, profile, tmp_path).model_dump_json() == first


def test_subsidy_in_sql_and_numpy_agree(session: Session, tmp_path: Path) -> None:
    profile = example("hardware-maker.json").model_copy(
        update={"flags": PolicyFlags(national_high_tech=True), "max_rent_cny_m2_month": 200.0}
    )
    result = match(session, profile, tmp_path, limit=50)
    for site in result.sites:
        facts = unit_facts(session, site.unit_code)
        lead = np.array([any(i in facts["leads"] for i in profile.industries)])
        expected = subsidy_rate(np.array([facts["is_low_cost"]]), lead, profile)[0]
        assert site.subsidy_rate == pytest.approx(expected)


def test_cold_start_uses_the_rule_score_and_says_so(session: Session, tmp_path: Path) -> None:
    with use_locale("en"):
        result = match(session, example("biotech-lab.json"), tmp_path / "empty")
    assert result.model.name == RuleModel.name
    assert any("rule score" in n for n in result.model.notes)


def test_train_save_load_rank_round_trip(session: Session, trained: Path) -> None:
    meta = json.loads((trained / artifact.META_FILE).read_text("utf-8"))
    assert meta["training"]["placements"] >= 300 and meta["training"]["approvals"] == 0
    assert (
        meta["training"]["synthetic_placements"] + meta["training"]["real_tenants"]
        == (meta["training"]["placements"])
    )
    assert {"scikit-learn", "numpy"} <= set(meta["libraries"]) and len(
        meta["data_sha256"] if "data_sha256" in meta else meta["training"]["data_sha256"]
    ) == 64
    with use_locale("en"):
        result = match(session, example("ai-chip-startup.json"), trained, "ranker", per_park=0)
    assert result.model.name == meta["version"]
    assert result.sites and all(0 <= s.score <= 100 for s in result.sites)
    assert [s.score for s in result.sites] == sorted((s.score for s in result.sites), reverse=True)
    assert any("No approved allocations yet" in n for n in result.model.notes)


def test_artifact_with_other_features_is_refused(trained: Path, tmp_path: Path) -> None:
    copy = tmp_path / "stale"
    shutil.copytree(trained, copy)
    meta = json.loads((copy / artifact.META_FILE).read_text("utf-8"))
    meta["features"] = meta["features"][:-1]
    (copy / artifact.META_FILE).write_text(json.dumps(meta), "utf-8")
    with pytest.raises(artifact.ArtifactMismatch, match="run `spacemap train`"):
        artifact.load(copy)


def test_the_ranker_beats_the_rule_score_on_held_out_companies(trained: Path) -> None:
    metrics = json.loads((trained / artifact.META_FILE).read_text("utf-8"))["holdout_metrics"]
    assert metrics["ranker"]["ndcg@10"] > metrics["rule"]["ndcg@10"]
    assert metrics["rule"]["ndcg@10"] > metrics["random"]["ndcg@10"]


def test_cli_match_prints_sites_reasons_and_near_misses(cli_env: dict) -> None:
    profile = str(ROOT / "examples" / "ai-chip-startup.json")
    proc = run_cli(cli_env, "match", "--profile", profile, lang="en")
    assert proc.returncode == 0, proc.stderr
    assert "ranked feasible sites" in proc.stdout
    assert "nearest units that do not fit" in proc.stdout and "synthetic" in proc.stdout
    zh = run_cli(cli_env, "match", "--profile", profile, lang="zh")
    assert "推荐空间" in zh.stdout and "ranked feasible sites" not in zh.stdout
    as_json = json.loads(run_cli(cli_env, "match", "--profile", str(EXAMPLES[0]), "--json").stdout)
    assert as_json["sites"][0]["rank"] == 1 and as_json["sites"][0]["reasons"]


def test_cli_refuses_an_invalid_profile(cli_env: dict, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "industry": "fintec", "stage": "seed"}), "utf-8")
    proc = run_cli(cli_env, "match", "--profile", str(bad))
    assert proc.returncode == 2
    assert "did you mean 'fintech'" in proc.stderr and "headcount" in proc.stderr
