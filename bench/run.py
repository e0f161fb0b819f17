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

from bench import maps as bench_maps
from bench import peer as peer_bench
from bench import scale as scale_bench
from bench import signin as signin_bench
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
        params = search_params(PROFILE)
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
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--map-scales", default="1000,10000,100000")
    parser.add_argument("--peer-scale", type=int, default=100_000, help="0 to skip tipg")
    parser.add_argument("--workers", type=int, default=2, help="server workers, both servers")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--scale-requests", type=int, default=300, help="0 to skip bench.scale")
    args = parser.parse_args()
    started = time.perf_counter()
    settings = get_settings()
    url = make_url(settings.url()).set(database="spacemap_bench").render_as_string(False)
    print("preparing benchmark database …", flush=True)
    prepare(url)
    engine = create_engine(url, connect_args=CONNECT_ARGS)
    rows, map_rows, peer = [], [], {}
    no_model = settings.resolved_state_dir() / "no-model"  # an empty dir: the rule score
    map_scales = {int(x) for x in args.map_scales.split(",") if x}
    for n in [int(s) for s in args.scales.split(",")]:
        t = time.perf_counter()
        generate(engine, n)
        gen_s = time.perf_counter() - t
        repeats = args.repeats if n < 1_000_000 else max(5, args.repeats // 4)
        for label, model_dir in [("ranker", settings.resolved_model_dir()), ("rule", no_model)]:
            r = bench_match(engine, model_dir, repeats)
            rows.append((n, label, r, gen_s))
            print(
                f"{n:>9,} units {label:6} feasible {r['feasible']:>7,} "
                f"match p50 {r['p50']:7.1f} ms p95 {r['p95']:7.1f} ms | "
                f"feasibility-only p50 {r['floor_p50']:6.1f} ms | near misses p50 "
                f"{r['near_p50']:7.1f} ms (data generated in {gen_s:.1f} s)",
                flush=True,
            )
        if n in map_scales:
            m = bench_map(engine, url)
            map_rows.append((n, m))
            print(
                f"{n:>9,} units zone map {m['html_bytes'] / 1e6:.2f} MB, built in "
                f"{m['build_s']:.2f} s, drawn in chromium in {m['load_s']:.2f} s",
                flush=True,
            )
        if n == args.peer_scale and peer_bench.TIPG_PYTHON.exists():
            peer = peer_bench.compare(url, workers=args.workers)
            for q, servers in peer.items():
                for name, f in servers.items():
                    print(
                        f"{q:40} {name:9} {f['rps']:7.1f} req/s p50 {f['p50']:7.1f} ms "
                        f"p99 {f['p99']:7.1f} ms",
                        flush=True,
                    )
    scale_lines: list[str] = []
    if args.scale_requests:
        print("read throughput: one process vs standby + pgbouncer + two processes …", flush=True)
        scaled = scale_bench.run(args.scale_requests)
        scale_lines = scale_bench.section(scaled, args.scale_requests, 8)
        print("\n".join(scale_lines), flush=True)
    flood = signin_bench.measure(url)
    print(f"sign-in flood: /health p50 {flood['idle_p50']:.1f} ms idle, "
          f"{flood['flood_p50']:.1f} ms during (max {flood['flood_max']:.1f}); {flood['codes']}; "
          f"RSS {flood['rss_before']:.0f} → {flood['rss_after']:.0f} MiB", flush=True)  # fmt: skip
    alloc = {size: bench_allocation(*size) for size in [(1000, 10000), (10000, 100000)]}
    for (n_a, n_u), res in alloc.items():
        for name, (secs, obj) in res.items():
            print(f"allocation {n_a:,} x {n_u:,} top-50 {name:22} {secs:6.2f} s obj {obj:,.1f}")
    engine.dispose()
    plots = plot(rows, map_rows, peer, args.output.parent / "bench")
    minutes = (time.perf_counter() - started) / 60
    text_out = render(rows, alloc, map_rows, peer, args.workers, plots, args.output.parent, minutes,
                      flood, scale_lines)  # fmt: skip
    args.output.write_text(text_out, encoding="utf-8")
    print(f"wrote {args.output} in {minutes:.1f} min")


def bench_map(engine, url: str) -> dict[str, float]:
    figures = bench_maps.build(engine)
    with peer_bench.spacemap_server(url, 1) as base:
        figures["load_s"] = bench_maps.browser_load(base)
    return figures


def plot(rows, map_rows, peer, folder: Path) -> list[Path]:
    """One PNG per scaling series (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    fig, ax = plt.subplots(figsize=(6, 4))
    for label in ("ranker", "rule"):
        pts = [(n, r["p50"]) for n, lab, r, _ in rows if lab == label]
        ax.plot(*zip(*pts, strict=True), marker="o", label=f"match p50 ({label})")
    floor = [(n, r["floor_p50"]) for n, lab, r, _ in rows if lab == "ranker"]
    ax.plot(*zip(*floor, strict=True), marker="s", linestyle="--", label="candidate query only")
    ax.set(xscale="log", yscale="log", xlabel="units", ylabel="ms", title="Match latency")
    ax.axhline(50, color="grey", linewidth=0.8, linestyle=":")
    ax.legend()
    out.append(folder / "match-latency.png")
    fig.savefig(out[-1], dpi=110, bbox_inches="tight")
    if map_rows:
        fig, ax = plt.subplots(figsize=(6, 4))
        ns = [n for n, _ in map_rows]
        ax.plot(ns, [m["html_bytes"] / 1e6 for _, m in map_rows], marker="o", label="HTML MB")
        ax.plot(ns, [m["load_s"] for _, m in map_rows], marker="s", label="chromium load s")
        ax.plot(ns, [m["build_s"] for _, m in map_rows], marker="^", label="Python build s")
        ax.set(xscale="log", yscale="log", xlabel="units", title="Zone map at scale")
        ax.legend()
        out.append(folder / "zone-map.png")
        fig.savefig(out[-1], dpi=110, bbox_inches="tight")
    if peer:
        fig, ax = plt.subplots(figsize=(6, 4))
        qs = list(peer)
        for k, name in enumerate(("spacemap", "tipg")):
            ax.bar([i + 0.4 * k for i in range(len(qs))], [peer[q][name]["rps"] for q in qs],
                   width=0.4, label=name)  # fmt: skip
        ax.set_xticks([i + 0.2 for i in range(len(qs))], [q.split(" ")[0] for q in qs])
        ax.set(ylabel="requests / s", title="OGC Features throughput, 100k units")
        ax.legend()
        out.append(folder / "features-throughput.png")
        fig.savefig(out[-1], dpi=110, bbox_inches="tight")
    plt.close("all")
    return out


def render(rows, alloc, map_rows=(), peer=None, workers=2, plots=(), docs=ROOT / "docs",
           minutes=0.0, flood=None, scale_lines=()) -> str:  # fmt: skip
    lines = [
        "# Benchmarks / 性能基准",
        "",
        f"Machine: {machine()}. Date: {dt.date.today().isoformat()}. Whole run: {minutes:.1f} min.",
        "Command: `make bench` (= `python -m bench.run`). Data: Shenzhen-scale synthetic units "
        "over all nine districts, generated in a separate database `spacemap_bench` by "
        "`bench/shenzhen.py`; company profile `examples/fintech-growth.json`.",
        "",
        "Figures from one run; on this virtualised machine whole runs differ by up to ~30 % "
        "(the candidate query at 100k units has measured 20–36 ms across runs), "
        "so compare rows within a run.",
        "",
        "## Matching latency, one company, in process / 单次匹配延迟",
        "",
        "Match = feasible set + features + ranking + explanations of the top 10. Near misses "
        "(the closest infeasible units, a scan of every unit) are timed on their own; the floor "
        "is the candidate query alone (feasibility, with the stored distances).",
        "",
        "| units | model | feasible | match p50 ms | match p95 ms | candidate query p50 ms "
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
        *peer_section(peer, workers),
        *map_section(map_rows),
        *signin_bench.section(flood),
        *scale_lines,
        *[f"![{p.stem}]({p.relative_to(docs).as_posix()})" for p in plots],
        "",
        *targets(rows, alloc, peer),
    ]
    return "\n".join(lines)


def peer_section(peer, workers: int) -> list[str]:
    if not peer:
        return ["## OGC API Features vs tipg", "", "Not run (no `.bench/tipg-venv`).", ""]
    out = [
        "## OGC API Features vs tipg, 100k units / 与 tipg 对比",
        "",
        f"Both servers under uvicorn with {workers} workers on the same database and tables; "
        "200 requests per row at concurrency 8 from an asyncio client on loopback (the client "
        "shares the 2 cores). tipg 1.x runs from its own venv (`.bench/tipg-venv`).",
        "",
        "| query | server | req/s | p50 ms | p99 ms | bytes / response | spacemap ÷ tipg (req/s) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for q, servers in peer.items():
        ratio = servers["spacemap"]["rps"] / servers["tipg"]["rps"]
        for name, f in servers.items():
            shown = f"{ratio:.2f}" if name == "spacemap" else ""
            cells = f"{f['rps']:.1f} | {f['p50']:.1f} | {f['p99']:.1f} | {f['bytes']:,}"
            out.append(f"| {q} | {name} | {cells} | {shown} |")
    return [*out, ""]


def map_section(map_rows) -> list[str]:
    if not map_rows:
        return []
    return [
        "## Zone map at scale / 规划视图规模",
        "",
        "All units in one FastMarkerCluster layer, canvas rendering. Build = Python (query, "
        "folium, HTML); load = headless chromium from navigation to the units drawn, server "
        "cache warm, network blocked.",
        "",
        "| units | HTML MB | build s | chromium load s |",
        "| ---: | ---: | ---: | ---: |",
        *[
            f"| {n:,} | {m['html_bytes'] / 1e6:.2f} | {m['build_s']:.2f} | {m['load_s']:.2f} |"
            for n, m in map_rows
        ],
        "",
    ]


def targets(rows, alloc, peer=None) -> list[str]:
    """The issues' targets, judged from the figures above."""
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
    for q, servers in (peer or {}).items():
        ratio = servers["spacemap"]["rps"] / servers["tipg"]["rps"]
        verdict = "met" if ratio >= 1 else "**missed**"
        out.append(f"- Features throughput ≥ tipg ({q}): {ratio:.2f}× — {verdict}.")
    out += [
        "",
        "Where a 100k-unit match spends its time (per-stage timer, 2026-11-23, ~4,400 feasible "
        "units): the candidate query 20–30 ms — a GIN bitmap scan over the ~15,000 units with "
        "the required feature (~10 ms), the per-park join, and sending 17 numeric columns and "
        "the unit codes as one row of arrays; same-sector peers 3–4 ms plus ~2 ms of KD-tree; "
        "features ~1.5 ms; the ranker 6–9 ms (46 trees over every candidate, one thread) and "
        "~3–4 ms for the explanations' stacked ablation; ~3 ms for the ten results' details and "
        "wording. Runs on this virtual machine differ by ±10 % at this scale (repeated runs of "
        "the 100k ranker row: 40–55 ms), so a row near 50 ms is at the target, not clear of it. "
        "The same match took 167 ms before: 300 trees where 46 do as well on the hold-out "
        "(docs/EVALUATION.md), 33 decoded columns per candidate where the ranker reads 18, a "
        "Python object per value, a whitelist aggregate over every park, and two OpenMP threads "
        "contending with PostgreSQL for two cores. What is left is mostly the database finding "
        "and sending 4,400 of 100,000 units; sharding by district (docs/SCALING.md) does not "
        "shrink a search that admits every district, as this one does.",
        "",
    ]
    return out


if __name__ == "__main__":
    main()
