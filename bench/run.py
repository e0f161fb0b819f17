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

from bench import cli as bench_cli
from bench import http_match
from bench import maps as bench_maps
from bench import peer as peer_bench
from bench import scale as scale_bench
from bench import signin as signin_bench
from bench.shenzhen import generate, prepare
from matching.allocate import Edges, deferred_acceptance, greedy, optimal
from matching.columns import fetch_rows
from matching.match import match, near_misses
from matching.profile import CompanyProfile
from matching.queries import CANDIDATES, search_params, with_park_facts
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
        params = with_park_facts(session, search_params(PROFILE))
        feasible_only = f"SELECT count(*) FROM ({CANDIDATES}) feasible"
        result = match(session, PROFILE, model_dir, near_miss_limit=0)  # warm caches and model
        for _ in range(repeats):
            t = time.perf_counter()
            result = match(session, PROFILE, model_dir, near_miss_limit=0)
            core.append(time.perf_counter() - t)
            if core[-1] > 5.0:  # report stalls instead of hiding them in the percentiles
                print(f"    slow iteration: {core[-1]:.1f} s", flush=True)
            t = time.perf_counter()
            fetch_rows(session, feasible_only, params)  # unprepared, as matching runs it
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
    parser.add_argument("--map-scales", default="10000,100000,1000000")
    parser.add_argument("--peer-scale", type=int, default=100_000, help="0 to skip tipg")
    parser.add_argument("--http-scale", type=int, default=100_000,
                        help="scale of the HTTP match rows, 0 to skip")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="server workers, both servers")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument(
        "--only-maps",
        action="store_true",
        help="run only the zone map rows and replace that section of --output",
    )
    parser.add_argument("--scale-requests", type=int, default=300, help="0 to skip bench.scale")
    args = parser.parse_args()
    if args.only_maps:
        maps_only(args)
        return
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    settings = get_settings()
    print("timing the spacemap command (new process per run) …", flush=True)
    cli = bench_cli.measure()
    for label, f in cli.items():
        print(f"{label:18} median {f['median']:.2f} s (min {f['min']:.2f}, max {f['max']:.2f})")
    url, owner_url = bench_urls()
    print("preparing benchmark database …", flush=True)
    prepare(url, owner_url)
    engine = create_engine(url, connect_args=CONNECT_ARGS)
    owner = create_engine(owner_url)
    rows, map_rows, peer, http = [], [], {}, {}
    no_model = settings.resolved_state_dir() / "no-model"  # an empty dir: the rule score
    map_scales = {int(x) for x in args.map_scales.split(",") if x}
    for n in [int(s) for s in args.scales.split(",")]:
        t = time.perf_counter()
        generate(engine, n, owner)
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
        if n == args.http_scale:
            http = http_match.measure(url, PROFILE.model_dump(mode="json"), args.workers)
            for c, f in http.items():
                print(
                    f"{n:>9,} units POST /api/match over HTTP, concurrency {c}: "
                    f"{f['rps']:6.1f} req/s p50 {f['p50']:6.1f} ms p95 {f['p95']:6.1f} ms",
                    flush=True,
                )
        if n in map_scales:
            m = bench_map(engine, url)
            map_rows.append((n, m))
            legacy = f"{m['legacy_load_s']:.2f} s" if m["legacy_load_s"] else "gave up"
            print(
                f"{n:>9,} units zone map, vector tiles: first load {m['tiles_bytes'] / 1e6:.2f} MB"
                f", units drawn in {m['tiles_draw_s']:.2f} s ({m['tiles_cold_s']:.2f} s with the "
                f"tile cache cold) | every unit in the page: {m['legacy_bytes'] / 1e6:.2f} MB, "
                f"built in {m['legacy_build_s']:.2f} s, drawn in {legacy}",
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
    owner.dispose()
    plots = plot(rows, map_rows, peer, args.output.parent / "bench")
    minutes = (time.perf_counter() - started) / 60
    load = (load_start, os.getloadavg()[0])
    text_out = render(rows, alloc, map_rows, peer, args.workers, plots, args.output.parent, minutes,
                      flood, http, args.http_scale, load, cli, scale_lines)  # fmt: skip
    args.output.write_text(text_out, encoding="utf-8")
    print(f"wrote {args.output} in {minutes:.1f} min")


def bench_urls() -> tuple[str, str]:
    """The benchmark database, as the application's role and as the schema's owner."""
    settings = get_settings()
    return tuple(  # type: ignore[return-value]
        make_url(u).set(database="spacemap_bench").render_as_string(False)
        for u in (settings.url(), settings.owner_url())
    )


def maps_only(args: argparse.Namespace) -> None:
    """The zone map rows alone (10k/100k/1M by default), spliced into the existing report in
    place of its "Zone map at scale" section and target lines."""
    url, owner_url = bench_urls()
    print("preparing benchmark database …", flush=True)
    prepare(url, owner_url)
    engine = create_engine(url, connect_args=CONNECT_ARGS)
    owner = create_engine(owner_url)
    map_rows = []
    for n in [int(x) for x in args.map_scales.split(",") if x]:
        generate(engine, n, owner)
        m = bench_map(engine, url)
        map_rows.append((n, m))
        print(f"{n:>9,} units zone map: {m}", flush=True)
    engine.dispose()
    text_in = args.output.read_text(encoding="utf-8")
    start = text_in.index("## Zone map at scale")
    end = text_in.index("![", start)
    text_out = text_in[:start] + "\n".join(map_section(map_rows)) + "\n" + text_in[end:]
    lines = [line for line in text_out.split("\n") if not line.startswith("- Zone map at 1M")]
    at = lines.index("## Targets / 目标") + 2
    lines[at:at] = [t for t in targets([], {}, map_rows=map_rows) if t.startswith("- Zone map")]
    args.output.write_text("\n".join(lines), encoding="utf-8")
    plot_maps(map_rows, args.output.parent / "bench")
    print(f"wrote the zone map rows into {args.output}")


def bench_map(engine, url: str) -> dict[str, float]:
    html, build_s = bench_maps.legacy_html(engine)
    figures = {"legacy_bytes": len(html.encode()), "legacy_build_s": build_s}
    with peer_bench.spacemap_server(url, 1) as base:
        tiles = bench_maps.tiles_load(base)
        figures.update(tiles_bytes=tiles["bytes"], tiles_draw_s=tiles["draw_s"],
                       tiles_cold_s=tiles["cold_s"])  # fmt: skip
        figures["legacy_load_s"] = bench_maps.legacy_load(base, html)
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
        out.append(plot_maps(map_rows, folder))
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


def plot_maps(map_rows, folder: Path) -> Path:
    """The zone map's first load and draw against the number of units, both approaches."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    ns = [n for n, _ in map_rows]
    ax.plot(ns, [m["tiles_bytes"] / 1e6 for _, m in map_rows], marker="o",
            label="vector tiles: first load MB")  # fmt: skip
    ax.plot(ns, [m["tiles_draw_s"] for _, m in map_rows], marker="s",
            label="vector tiles: first draw s")  # fmt: skip
    ax.plot(ns, [m["legacy_bytes"] / 1e6 for _, m in map_rows], marker="o", linestyle="--",
            label="units in page: HTML MB")  # fmt: skip
    legacy = [(n, m["legacy_load_s"]) for n, m in map_rows if m["legacy_load_s"]]
    if legacy:
        ax.plot(*zip(*legacy, strict=True), marker="s", linestyle="--",
                label="units in page: draw s")  # fmt: skip
    ax.axhline(2, color="grey", linewidth=0.8, linestyle=":")
    ax.set(xscale="log", yscale="log", xlabel="units", title="Zone map at scale")
    ax.legend()
    path = folder / "zone-map.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def render(rows, alloc, map_rows=(), peer=None, workers=2, plots=(), docs=ROOT / "docs",
           minutes=0.0, flood=None, http=None, http_scale=100_000, load=None,
           cli=None, scale_lines=()) -> str:  # fmt: skip
    lines = [
        "# Benchmarks / 性能基准",
        "",
        f"Machine: {machine()}. Date: {dt.date.today().isoformat()}. Whole run: {minutes:.1f} min.",
        *(
            [
                f"Load average (1 min) when the run started and ended: {load[0]:.1f} and "
                f"{load[1]:.1f} on {os.cpu_count()} cores — above the core count, other jobs "
                "shared the machine and slowed every row."
            ]
            if load and max(load) > (os.cpu_count() or 1)
            else []
        ),
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
        *http_section(http, http_scale, workers),
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
        *bench_cli.section(cli or {}),
        *scale_lines,
        *[f"![{p.stem}]({p.relative_to(docs).as_posix()})" for p in plots],
        "",
        *targets(rows, alloc, peer, cli=cli, map_rows=map_rows, http=http),
    ]
    return "\n".join(lines)


def http_section(http, scale: int, workers: int) -> list[str]:
    if not http:
        return []
    return [
        f"## A company's search over HTTP, {scale:,} units / 端到端匹配（HTTP）",
        "",
        f"`POST /api/match` with the profile above and its defaults (10 sites, 3 per park, 5 near "
        f"misses), uvicorn with {workers} workers, the trained ranker; 120 requests per row from "
        "an asyncio client on loopback (it shares the 2 cores). Concurrency 1 is what one "
        "company waits; concurrency 8 is what the machine sustains, and its latency is mostly "
        "queueing behind the other seven.",
        "",
        "| concurrency | req/s | p50 ms | p95 ms |",
        "| ---: | ---: | ---: | ---: |",
        *[f"| {c} | {f['rps']:.1f} | {f['p50']:.1f} | {f['p95']:.1f} |" for c, f in http.items()],
        "",
    ]


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
    rows = []
    for n, m in map_rows:
        legacy = f"{m['legacy_load_s']:.2f}" if m["legacy_load_s"] else "gave up (240 s)"
        rows += [
            f"| {n:,} | vector tiles | {m['tiles_bytes'] / 1e6:.2f} | {m['tiles_draw_s']:.2f} | "
            f"{m['tiles_cold_s']:.2f} | — |",
            f"| {n:,} | every unit in the page | {m['legacy_bytes'] / 1e6:.2f} | {legacy} | — | "
            f"{m['legacy_build_s']:.2f} |",
        ]
    return [
        "## Zone map at scale / 规划视图规模",
        "",
        "Headless chromium, 1400×900, network blocked, a fresh browser context (empty cache) per "
        "load, every layer on. **Vector tiles** (the zone map now): the page holds no unit; "
        "areas, parks, units and low-cost space come from `/tiles/...` (PostGIS `ST_AsMVT`, "
        "1024-pixel tiles, one symbol per grid cell of 32–64 pixels, 16–32 for parks). "
        "First load = bytes of every response up to the first view "
        "drawn (page, scripts, styles, tiles); draw = navigation to the units drawn, median of 3 "
        "with the server's tile cache warm, and once with it cold. **Every unit in the page** "
        "(the approach before): the same map with all units as one FastMarkerCluster array; "
        "build = Python (query, folium, HTML), draw = navigation to the clusters drawn.",
        "",
        "| units | approach | first load MB | first draw s | draw s, tile cache cold | build s |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
        *rows,
        "",
    ]


def targets(rows, alloc, peer=None, *, cli=None, map_rows=(), http=None) -> list[str]:
    """The issues' targets, judged from the figures above."""
    ranker = {n: r for n, label, r, _ in rows if label == "ranker"}
    out = ["## Targets / 目标", ""]
    if http and 1 in http:
        p50 = http[1]["p50"]
        verdict = "met" if p50 <= 60 else f"**missed** ({p50 / 60:.1f}× over)"
        out.append(
            f"- HTTP match with near misses p50 ≤ 60 ms at 100k units (one company at a time): "
            f"{p50:.0f} ms — {verdict}."
        )
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
    out += bench_cli.targets(cli or {})
    maps = dict(map_rows)
    if 1_000_000 in maps:
        m = maps[1_000_000]
        mb, draw = m["tiles_bytes"] / 1e6, m["tiles_draw_s"]
        size_verdict = "met" if mb <= 2 else "**missed**"
        draw_verdict = "met" if draw <= 2 else "**missed**"
        out.append(f"- Zone map at 1M units ≤ 2 MB first load: {mb:.2f} MB — {size_verdict}.")
        out.append(
            f"- Zone map at 1M units ≤ 2 s to first draw: {draw:.2f} s (cold tile cache "
            f"{m['tiles_cold_s']:.2f} s) — {draw_verdict}."
        )
    out += [
        "",
        "Where a 100k-unit match with its near misses spends its time (per-stage timer on a "
        "quiet machine, 2026-11-30, ~4,400 feasible units, p50 of 40 in process: 42 ms): the "
        "park facts' version check 0.7 ms; the candidates and same-sector peers 26 ms in one "
        "round trip — ~15 ms of it the database's GIN bitmap scan over the ~15,000 units with "
        "the required feature, the per-park join and 17 array aggregates, the rest sending "
        "them and counting peers; features and scoring 8 ms (the ranker: 35 trees over every "
        "candidate on one thread, ~5 ms); the ten results' details, ablation and wording 5 ms; "
        "the near misses ~0 ms of waiting, because the database finds them (~5 ms) while "
        "Python scores the candidates (libpq pipeline mode), as it fetches the ten results' "
        "details while their reasons are computed. The same search took 70–78 ms on "
        "2026-11-29: the park facts travelled as 490 KB of JSON that the server parsed in every "
        "query (~5 ms each; array literals: ~1), the near misses were sought only after the "
        "scoring, the ranker had 71 trees at learning rate 0.1 where 35 at 0.2 rank the "
        "hold-out as well (docs/EVALUATION.md; over four seeds' hold-outs NDCG@10 0.547 "
        "against 0.549), and "
        "CalibratedClassifierCV's checks ran on every call. Before that, 167 ms: 300 trees, 33 "
        "decoded columns per candidate where the ranker reads 18, a Python object per value, "
        "a whitelist aggregate over every park, two OpenMP threads contending with PostgreSQL "
        "for two cores, near misses that checked and sorted all 100,000 units (~140 ms; now "
        "the first 2,000 by code when enough of the best kind are there), and generic plans "
        "that took seconds (unit queries are never prepared). What is left is mostly the "
        "database finding and sending 4,400 of 100,000 units; sharding by district "
        "(docs/SCALING.md) does not shrink a search that admits every district, as this one "
        "does. Runs on this virtual machine differ by ±10 % at this scale.",
        "",
    ]
    return out


if __name__ == "__main__":
    main()
