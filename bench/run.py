"""`python -m bench.run`: matching and allocation speed at Shenzhen scale; prints and writes
docs/BENCHMARKS.md. Figures, not assertions — a benchmark informs, tests decide."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.shenzhen import generate, prepare
from matching.allocate import Edges, deferred_acceptance, greedy, optimal
from matching.match import match, near_misses
from matching.profile import CompanyProfile
from matching.queries import CANDIDATES, search_params
from spacemap.config import get_settings
from spacemap.database import CONNECT_ARGS, session_scope

ROOT = Path(__file__).resolve().parents[1]
PROFILE = CompanyProfile.model_validate_json(
    (ROOT / "examples" / "fintech-growth.json").read_text()
)


def _pcts(samples: list[float]) -> tuple[float, float]:
    ms = sorted(1000 * s for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(0.95 * len(ms)))]


def bench_match(engine, model_dir: Path, repeats: int) -> dict[str, float]:
    """Feasible set + features + ranking + explanations (the match path), and beside it the bare
    feasibility query (the floor) and the near-miss search (a separate full-table question)."""
    core, floor, near = [], [], []
    with session_scope(engine) as session:
        params = search_params(session, PROFILE)
        feasible_only = f"SELECT count(*) FROM ({CANDIDATES}) feasible"
        result = match(session, PROFILE, model_dir, near_miss_limit=0)  # warm caches and model
        for _ in range(repeats):
            t = time.perf_counter()
            result = match(session, PROFILE, model_dir, near_miss_limit=0)
            core.append(time.perf_counter() - t)
            if core[-1] > 5.0:  # report stalls instead of hiding them in the percentiles
                print(f"    slow iteration: {core[-1]:.1f} s", flush=True)
            t = time.perf_counter()
            session.execute(text(feasible_only), params).scalar_one()
            floor.append(time.perf_counter() - t)
            t = time.perf_counter()
            near_misses(session, PROFILE, 5, params)
            near.append(time.perf_counter() - t)
    p50, p95 = _pcts(core)
    return {
        "p50": p50,
        "p95": p95,
        "floor_p50": _pcts(floor)[0],
        "near_p50": _pcts(near)[0],
        "feasible": result.feasible_count,
        "model": result.model.name,
    }


def bench_allocation(n_a: int, n_u: int, k: int = 50) -> dict[str, float]:
    rng = np.random.default_rng(0)
    a = np.repeat(np.arange(n_a), k)
    u = rng.integers(0, n_u, n_a * k)
    _, idx = np.unique(a.astype(np.int64) * n_u + u, return_index=True)
    lead = rng.random(len(idx)) < 0.3
    edges = Edges(a[idx], u[idx], rng.random(len(idx)) * 100, n_a, n_u, lead)
    high_tech = rng.random(n_a) < 0.3
    runs = {
        "optimal (LAPJVsp)": lambda: optimal(edges),
        "optimal (HiGHS LP)": lambda: optimal(edges, "highs"),
        "greedy": lambda: greedy(edges),
        "deferred acceptance": lambda: deferred_acceptance(edges, high_tech),
    }
    return {name: (r.seconds, r.objective) for name, r in ((n, f()) for n, f in runs.items())}


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with session_scope() as s:
        pg = s.execute(text("SHOW server_version")).scalar_one()
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, "
        f"Python {platform.python_version()}, PostgreSQL {pg}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1000,10000,100000,1000000")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    args = parser.parse_args()
    settings = get_settings()
    url = make_url(settings.url()).set(database="spacemap_bench").render_as_string(False)
    print("preparing benchmark database …", flush=True)
    prepare(url)
    engine = create_engine(url, connect_args=CONNECT_ARGS)
    rows = []
    no_model = settings.resolved_state_dir() / "no-model"  # an empty dir: the rule score
    for n in [int(s) for s in args.scales.split(",")]:
        t = time.perf_counter()
        generate(engine, n)
        gen_s = time.perf_counter() - t
        for label, model_dir in [("ranker", settings.resolved_model_dir()), ("rule", no_model)]:
            r = bench_match(engine, model_dir, args.repeats)
            rows.append((n, label, r, gen_s))
            print(
                f"{n:>9,} units {label:6} feasible {r['feasible']:>7,} "
                f"match p50 {r['p50']:7.1f} ms p95 {r['p95']:7.1f} ms | "
                f"feasibility-only p50 {r['floor_p50']:6.1f} ms | near misses p50 "
                f"{r['near_p50']:7.1f} ms (data generated in {gen_s:.1f} s)",
                flush=True,
            )
    alloc = {size: bench_allocation(*size) for size in [(1000, 10000), (10000, 100000)]}
    for (n_a, n_u), res in alloc.items():
        for name, (secs, obj) in res.items():
            print(f"allocation {n_a:,} x {n_u:,} top-50 {name:22} {secs:6.2f} s obj {obj:,.1f}")
    engine.dispose()
    args.output.write_text(render(rows, alloc), encoding="utf-8")
    print(f"wrote {args.output}")


def render(rows, alloc) -> str:
    lines = [
        "# Benchmarks / 性能基准",
        "",
        f"Machine: {machine()}. Date: {dt.date.today().isoformat()}.",
        "Command: `python -m bench.run` (after `make data`). Data: Shenzhen-scale synthetic units "
        "over all nine districts, generated in a separate database `spacemap_bench` by "
        "`bench/shenzhen.py`; company profile `examples/fintech-growth.json`.",
        "",
        "Figures from one run; on this virtualised machine whole runs differ by up to ~30 % "
        "(the bare feasibility query at 100k units took 20 ms in one run and 27 ms in the next), "
        "so compare rows within a run.",
        "",
        "## Matching latency, one company, in process / 单次匹配延迟",
        "",
        "Match = feasible set + features + ranking + explanations of the top 10. Near misses "
        "(the closest infeasible units, a scan of every unit) are timed on their own; the floor "
        "is the bare feasibility query.",
        "",
        "| units | model | feasible | match p50 ms | match p95 ms | feasibility-only p50 ms "
        "| near misses p50 ms |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {n:,} | {label} | {r['feasible']:,} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['floor_p50']:.1f} | {r['near_p50']:.1f} |"
            for n, label, r, _ in rows
        ],
        "",
        "## Allocation solve time (pruned to top-50 per applicant) / 分配求解时间",
        "",
        "| applicants × units | mechanism | seconds | objective |",
        "| --- | --- | ---: | ---: |",
        *[
            f"| {a:,} × {u:,} | {name} | {secs:.2f} | {obj:,.1f} |"
            for (a, u), res in alloc.items()
            for name, (secs, obj) in res.items()
        ],
        "",
        "Scores on the allocation edges are random (the solve time does not depend on where they "
        "come from); scoring the applications themselves costs one match each (table above).",
        "",
        *targets(rows, alloc),
    ]
    return "\n".join(lines)


def targets(rows, alloc) -> list[str]:
    """The matching issue's targets, judged from the figures above."""
    ranker = {n: r for n, label, r, _ in rows if label == "ranker"}
    out = ["## Targets / 目标", ""]
    if 100_000 in ranker:
        p50 = ranker[100_000]["p50"]
        verdict = "met" if p50 <= 50 else f"**missed** ({p50 / 50:.1f}× over)"
        out.append(f"- Match p50 ≤ 50 ms at 100k units: {p50:.0f} ms — {verdict}.")
    scales = sorted(ranker)
    if len(scales) >= 2:
        growth = [(ranker[b]["p50"] / ranker[a]["p50"]) / (b / a) for a, b in pairwise(scales)]
        worst = max(growth)
        verdict = "met" if worst <= 1.1 else "**missed**"
        out.append(
            f"- Cost grows no worse than linearly: time ratio ÷ size ratio per step at most "
            f"{worst:.2f} — {verdict}."
        )
    big = alloc.get((10000, 100000), {}).get("optimal (LAPJVsp)")
    if big:
        verdict = "met" if big[0] <= 5 else "**missed**"
        out.append(f"- Allocation 10k × 100k (top-50) ≤ 5 s: {big[0]:.2f} s — {verdict}.")
    out += [
        "",
        "Where a 100k-unit match spends its time (profiled 2026-11-23): the candidate query "
        "~110 ms in PostgreSQL (the feasible scan itself ~20 ms; nearest-metro KNN per distinct "
        "location and each candidate park's occupancy aggregate make most of the rest) plus "
        "~15 ms to ship ~4,400 rows; scoring all feasible units with the ranker ~30 ms; "
        "features, ablation and response < 25 ms. The way to the 50 ms target is to stop "
        "recomputing per-location context on every request: keep nearest-metro and border "
        "distances per unit and occupancy per park in tables maintained on write, and score "
        "only a pre-filtered shortlist. Not done yet.",
        "",
    ]
    return out


if __name__ == "__main__":
    main()
