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


def test_the_http_search_target_is_judged_at_concurrency_one() -> None:
    fast = {1: {"rps": 25.0, "p50": 48.0, "p95": 70.0}, 8: {"rps": 40.0, "p50": 190.0}}
    slow = {1: {"rps": 9.0, "p50": 110.0, "p95": 150.0}, 8: {"rps": 12.0, "p50": 600.0}}
    assert "48 ms — met" in "\n".join(targets([], {}, None, fast))
    assert "110 ms — **missed** (1.8× over)" in "\n".join(targets([], {}, None, slow))
