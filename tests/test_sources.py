"""The repository's own sources: every received file has its provenance, every figure its sentence.

No database: these check ``geodata/sources/`` against itself (the documents are in it).
"""

from __future__ import annotations

import csv
import hashlib
import re

import pytest

from geodata import sources_path, whitelists
from geodata.citations import cite
from geodata.figures import document_text, evaluate, figures, normalise, written_value

RECEIVED = ("documents", "geo")  # folders of files we received rather than wrote


def _provenance() -> dict[str, dict[str, str]]:
    with sources_path("files.csv").open(encoding="utf-8", newline="") as f:
        return {row["path"]: row for row in csv.DictReader(f)}


def test_every_received_file_has_provenance_and_is_unchanged() -> None:
    listed = _provenance()
    present = sorted(
        p.relative_to(sources_path()).as_posix()
        for folder in RECEIVED
        for p in sources_path(folder).iterdir()
        if p.is_file()
    )
    assert present == sorted(listed)
    for path, row in listed.items():
        assert row["origin"] and row["licence"] and row["datum"], path
        digest = hashlib.sha256(sources_path(path).read_bytes()).hexdigest()
        assert digest == row["sha256"], f"{path} changed since its provenance was written"


@pytest.mark.parametrize("fig", figures(), ids=lambda f: f"{f.subject}.{f.field}")
def test_every_figure_is_quoted_from_the_document_it_cites(fig) -> None:
    cite(fig.source)  # a known document
    assert normalise(fig.quote) in document_text(fig.doc_id), "quote not in the cited document"
    assert normalise(fig.as_written) in normalise(fig.quote), "number not in its quote"
    if fig.kind == "documented":
        assert written_value(fig.as_written) == pytest.approx(fig.value)
        assert fig.derivation == ""
    else:
        assert fig.kind == "inferred", fig.kind
        assert evaluate(fig.derivation) == pytest.approx(fig.value)


def test_a_figure_is_stated_once() -> None:
    keys = [(f.subject, f.field) for f in figures()]
    assert len(keys) == len(set(keys))


def test_number_parsing_reads_the_scale_the_document_writes() -> None:
    assert written_value("约 1.3 万平方米") == 13000
    assert written_value("3.10866 万㎡") == pytest.approx(31086.6)
    assert written_value("64 家") == 64
    with pytest.raises(ValueError):
        evaluate("__import__('os')")


# ---------------------------------------------------------------- the sources agree with themselves


def _rows(name: str) -> list[dict[str, str]]:
    with sources_path(name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _sectors() -> set[str]:
    return {r["code"] for r in _rows("industries.csv") if r["is_group"] != "true"}


def _in_document(citation: str, text: str) -> bool:
    return normalise(text) in document_text(citation.split()[0])


def test_every_park_field_is_documented_with_its_words_or_inferred_with_a_reason() -> None:
    parks = {r["code"]: r for r in _rows("parks.csv")}
    admitted = whitelists.admitted()
    tags = _rows("park_industries.csv")
    assert {t["park_code"] for t in tags} == set(parks), "every park has a field"
    for t in tags:
        where = f"{t['park_code']}/{t['industry_code']}"
        assert t["industry_code"] in _sectors(), where
        if t["basis"] == "documented":
            cite(t["source"])
            assert _in_document(t["source"], t["quote"]), f"{where}: quote not in its document"
            assert not t["reason_zh"] and not t["reason_en"], where
        else:
            assert t["basis"] == "inferred", where
            assert t["reason_zh"] and t["reason_en"] and not t["quote"], where
            # an inference is only drawn from the area's own list: it never makes a conflict
            assert t["industry_code"] in admitted[parks[t["park_code"]]["area_code"]], where


def _plan_sentences() -> dict[str, list[str]]:
    """002 §六(二), split by area heading and into sentences, whitespace removed."""
    text = document_text("002")
    section = text[text.index("（二）以“三大新引擎”为牵引") : text.index("七、重点工作")]
    heads = ["1.河套", "2.香蜜湖", "3.福田中心区", "4.华强-上步", "5.梅林-彩田", "6.大金沙",
             "7.八卦岭", "8.安托山"]  # fmt: skip
    codes = ["hetao", "xiangmihu", "cbd", "huaqiang", "meilin", "chegongmiao", "bagualing",
             "antuoshan"]  # fmt: skip
    starts = [section.index(h) for h in heads] + [len(section)]
    return {
        code: [s for s in section[a:b].split("。") if s]
        for code, a, b in zip(codes, starts, starts[1:], strict=False)
    }


def test_whitelists_map_every_sentence_of_002_section_6_2() -> None:
    rows = whitelists.mappings()
    sentences = _plan_sentences()
    for m in rows:
        assert _in_document("002", m.sentence), m.sentence
        assert m.source.startswith("002 §六(二)"), m.source
        for piece in m.wording.split("……"):
            assert piece in m.sentence, (m.wording, m.sentence)
        assert set(m.industry_codes) <= _sectors(), m.industry_codes
        assert m.note, "every mapping says why"
        assert m.is_lead is False or m.industry_codes, "a lead needs a sector"
    for code, area_sentences in sentences.items():
        mine = [normalise(m.sentence) for m in rows if m.area_code == code]
        for sentence in area_sentences:
            assert any(s in sentence for s in mine), f"{code}: sentence not mapped: {sentence}"
    assert {e.area_code for e in whitelists.whitelist()} == set(sentences)


def test_whitelists_keep_what_the_plan_lists_for_the_areas_the_issue_names() -> None:
    admitted = whitelists.admitted()
    assert {"software", "fintech", "vc_pe", "ip_services"} <= admitted[
        "huaqiang"
    ]  # 信息技术服务, 产业金融
    assert "telecom_5g" not in admitted["meilin"] and "fintech" not in admitted["chegongmiao"]
    assert admitted["antuoshan"] == {"new_energy", "big_data"}


def test_every_carrier_the_documents_name_is_a_park_once() -> None:
    parks = {r["code"] for r in _rows("parks.csv")}
    places = _rows("named_places.csv")
    carriers = [p["park_code"] for p in places if p["decision"] == "carrier"]
    assert sorted(carriers) == sorted(parks), "each park is one named carrier, and back"
    for p in places:
        names = p["name_zh"].split("、") if p["decision"] == "not_a_carrier" else [p["name_zh"]]
        for name in names:
            name = name.removesuffix("等企业园区")
            assert _in_document(p["source"], name), f"{name} not in {p['source']}"
        assert p["decision"] in ("carrier", "alias", "not_a_carrier")
        assert (p["park_code"] in parks) == (p["decision"] != "not_a_carrier"), p["name_zh"]
        assert p["decision"] == "carrier" or p["note"], f"{p['name_zh']}: say why"
    for name in (
        "科技寺",
        "深圳开放创新实验室",
        "“湾区芯谷”集成电路产业园",
        "越华工业区",
        "中国信息谷",
    ):
        assert any(p["name_zh"] == name and p["decision"] == "carrier" for p in places), name


def test_every_indicator_value_is_quoted_and_the_measurable_ones_are_measured() -> None:
    from spacemap.store.indicators import MEASURES

    indicators = {r["code"]: r for r in _rows("indicators.csv")}
    for r in _rows("indicator_values.csv"):
        where = f"{r['indicator_code']} {r['year']} {r['kind']}"
        assert r["indicator_code"] in indicators, where
        assert _in_document(r["source"], r["quote"]), f"{where}: quote not in its document"
        assert normalise(r["as_written"]) in normalise(r["quote"]), where
        written = written_value(r["as_written"]) * float(r["scale"])
        assert written == pytest.approx(float(r["value"])), where
        assert r["kind"] in ("actual", "target") and r["qualifier"] in ("=", ">", "≈", "≥")
    measurable = {c for c, r in indicators.items() if r["measurable"] != "no"}
    assert measurable == set(MEASURES)
    for code, r in indicators.items():
        assert r["measure_zh"] and r["measure_en"], code
    series = {(r["indicator_code"], r["kind"], int(r["year"]), float(r["value"]))
              for r in _rows("indicator_values.csv")}  # fmt: skip
    for expected in [
        ("tech_incubation_space", "actual", 2020, 400_000.0),
        ("tech_incubation_space", "target", 2023, 1_000_000.0),
        ("tech_incubation_space", "target", 2025, 1_500_000.0),
        ("innovation_carriers", "actual", 2020, 230.0),
        ("innovation_carriers", "target", 2023, 400.0),
        ("innovation_carriers", "target", 2025, 500.0),
        ("national_high_tech_enterprises", "actual", 2020, 1313.0),
        ("national_high_tech_enterprises", "target", 2025, 2000.0),
        ("incubation_area", "actual", 2020, 285_600.0),
    ]:
        assert expected in series, expected


def test_area_anchors_are_stations_and_named_ones_cite_the_plan() -> None:
    stations = {r["name_zh"] for r in _rows("geo/shenzhen_metro_stations.csv")}
    parts = {r["code"] for r in _rows("area_parts.csv")}
    anchors = _rows("area_anchors.csv")
    assert {a["part_code"] for a in anchors} == parts
    for a in anchors:
        assert a["station"] in stations and a["reason"], a
        assert (a["basis"] == "named") == bool(a["source"]), a


_DIGITS = re.compile(r"(?<![A-Za-z\d.])(\d[\d,]*(?:\.\d+)?)(?![A-Za-z\d])")


def numbers_in(text: str) -> list[float]:
    """Every number a reader sees in ``text`` ('5G' is a name, not a number)."""
    return [float(n.replace(",", "")) for n in _DIGITS.findall(text)]


def cited_renderings(values: list[float]) -> set[float]:
    """The ways a cited value may be written: as is, or in 万, 亿, thousands or millions."""
    return {round(v / scale, 4) for v in values for scale in (1, 1e3, 1e4, 1e6, 1e8)}


def test_every_number_in_a_park_description_is_a_cited_figure_of_that_park() -> None:
    by_park: dict[str, list[float]] = {}
    for f in figures():
        if f.table == "parks":
            by_park.setdefault(f.code, []).append(f.value)
    for park in _rows("parks.csv"):
        allowed = cited_renderings(by_park.get(park["code"], []))
        for lang in ("figures_zh", "figures_en"):
            for n in numbers_in(park[lang]):
                assert round(n, 4) in allowed, f"{park['code']} {lang}: {n} is not a cited figure"


def _readme_block(name: str) -> str:
    text = (sources_path().parent / "README.md").read_text(encoding="utf-8")
    return text.split(f"<!-- {name}:start -->\n")[1].split(f"\n<!-- {name}:end -->")[0]


def test_readme_shows_the_whitelist_mapping_and_boundary_method_as_built() -> None:
    from geodata.area_polygons import boundary_table

    assert _readme_block("whitelist-mapping") == whitelists.markdown_table()
    assert _readme_block("area-boundaries") == boundary_table()
