"""The benchmark report judges the targets from its own figures, so the verdicts must be right."""

from __future__ import annotations

from bench.run import targets


def rows(p50_by_units: dict[int, float]) -> list:
    return [(n, "ranker", {"p50": p50}, 0.0) for n, p50 in p50_by_units.items()]


def test_a_fast_linear_run_meets_every_target() -> None:
    text = "\n".join(targets(rows({1_000: 5.0, 100_000: 40.0}), {(10000, 100000): {
        "optimal (LAPJVsp)": (0.7, 1.0)}}))  # fmt: skip
    assert "40 ms — met" in text and "at most 0.08 — met" in text and "0.70 s — met" in text


def test_misses_are_called_misses() -> None:
    text = "\n".join(targets(rows({1_000: 10.0, 10_000: 200.0}), {(10000, 100000): {
        "optimal (LAPJVsp)": (6.0, 1.0)}}))  # fmt: skip
    assert "at most 2.00 — **missed**" in text and "6.00 s — **missed**" in text
    too_slow = "\n".join(targets(rows({100_000: 120.0}), {}))
    assert "120 ms — **missed** (2.4× over)" in too_slow


def test_the_tipg_comparison_is_judged_per_query() -> None:
    peer = {
        "items limit=1000": {"spacemap": {"rps": 30.0}, "tipg": {"rps": 20.0}},
        "bbox": {"spacemap": {"rps": 9.0}, "tipg": {"rps": 10.0}},
    }
    text = "\n".join(targets([], {}, peer))
    assert "(items limit=1000): 1.50× — met" in text and "(bbox): 0.90× — **missed**" in text


def test_the_command_line_targets_are_judged_on_the_median() -> None:
    figures = {"spacemap --help": {"min": 0.2, "median": 0.3, "max": 0.9},
               "spacemap match": {"min": 1.2, "median": 1.8, "max": 2.0}}  # fmt: skip
    text = "\n".join(targets([], {}, cli=figures))
    assert "`spacemap --help` < 0.5 s (median): 0.30 s — met" in text
    assert "`spacemap match` < 1.5 s (median): 1.80 s — **missed** (1.2× over)" in text


def test_the_zone_map_targets_are_judged_at_a_million_units() -> None:
    fast = {"tiles_bytes": 900_000, "tiles_draw_s": 1.2, "tiles_cold_s": 1.9}
    slow = {"tiles_bytes": 2_500_000, "tiles_draw_s": 2.4, "tiles_cold_s": 3.0}
    met = "\n".join(targets([], {}, map_rows=[(1_000_000, fast)]))
    assert "first load: 0.90 MB — met" in met and "first draw: 1.20 s" in met
    assert "— **missed**" not in met
    missed = "\n".join(targets([], {}, map_rows=[(1_000_000, slow)]))
    assert "2.50 MB — **missed**" in missed and "(cold tile cache 3.00 s) — **missed**" in missed


def test_the_http_search_target_is_judged_at_concurrency_one() -> None:
    fast = {1: {"rps": 25.0, "p50": 48.0, "p95": 70.0}, 8: {"rps": 40.0, "p50": 190.0}}
    slow = {1: {"rps": 9.0, "p50": 110.0, "p95": 150.0}, 8: {"rps": 12.0, "p50": 600.0}}
    assert "48 ms — met" in "\n".join(targets([], {}, http=fast))
    assert "110 ms — **missed** (1.8× over)" in "\n".join(targets([], {}, http=slow))
