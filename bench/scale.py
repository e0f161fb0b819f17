"""Read throughput past one process: one app process on the primary vs nginx over two processes
reading the hot standby through pgbouncer — the same data, the same machine, one run.

``python -m bench.scale`` prints the rows and replaces their section in docs/BENCHMARKS.md;
``make bench`` (bench.run) includes them in the whole report. Both setups are up at once (the
scale stack from ``spacemap.scale``, plus one more process pointed straight at its primary), and
the queries alternate between them, so the machine's background load falls on both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from spacemap.scale.processes import free_port
from spacemap.scale.stack import AppProcess, Stack

ROOT = Path(__file__).resolve().parents[1]
PROFILE = (ROOT / "examples" / "fintech-growth.json").read_text(encoding="utf-8")
HEADING = "## Read throughput past one process / 读扩展吞吐"
QUERIES = {
    "features page (100 units)": ("GET", "/collections/space-units/items?limit=100", None),
    "features page (bbox, 1,000)": (
        "GET",
        "/collections/space-units/items?limit=1000&bbox=114.02,22.52,114.06,22.56",
        None,
    ),
    "search (POST /api/match)": ("POST", "/api/match", PROFILE),
}


async def _load(
    base: str, method: str, path: str, body: str | None, requests: int, concurrency: int
) -> tuple[list[float], float]:
    latencies: list[float] = []
    todo = iter(range(requests))
    headers = {"Content-Type": "application/json"} if body else {}
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:

        async def worker() -> None:
            for _ in todo:
                t = time.perf_counter()
                r = await client.request(method, path, content=body, headers=headers)
                r.raise_for_status()
                latencies.append(time.perf_counter() - t)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - start


def measure(
    base: str, query: tuple[str, str, str | None], requests: int, concurrency: int
) -> dict[str, float]:
    method, path, body = query
    asyncio.run(_load(base, method, path, body, concurrency * 2, concurrency))  # warm up
    latencies, wall = asyncio.run(_load(base, method, path, body, requests, concurrency))
    ms = sorted(1000 * x for x in latencies)
    return {
        "rps": requests / wall,
        "p50": statistics.median(ms),
        "p95": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
    }


def run(requests: int = 300, concurrency: int = 8, rounds: int = 2) -> dict:
    """{query: {"one": figures, "scaled": figures}}, each the median of ``rounds`` rounds."""
    home = Path(tempfile.mkdtemp(prefix="spacemap-bench-scale-"))
    home.chmod(0o755)
    samples: dict[str, dict[str, list[dict[str, float]]]] = {
        q: {"one": [], "scaled": []} for q in QUERIES
    }
    try:
        with Stack(home / "stack", apps=2, pooler=True, proxy=True) as stack:
            env = {
                **stack.app_env(),
                "SPACEMAP_DATABASE_URL": stack.primary.url(),
                "SPACEMAP_POOLER": "none",
            }
            env.pop("SPACEMAP_READ_DATABASE_URL")
            single = AppProcess(free_port(), env, home / "single.log")
            try:
                single.start()
                for _ in range(rounds):
                    for q, query in QUERIES.items():
                        for name, base in (("one", single.url), ("scaled", stack.url)):
                            samples[q][name].append(measure(base, query, requests, concurrency))
            finally:
                single.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {
        q: {
            name: {k: statistics.median(s[k] for s in runs) for k in runs[0]}
            for name, runs in setups.items()
        }
        for q, setups in samples.items()
    }


def section(results: dict, requests: int, concurrency: int) -> list[str]:
    load = os.getloadavg()[0]
    out = [
        HEADING,
        "",
        f"Run {dt.date.today().isoformat()} by `python -m bench.scale` (also part of "
        "`make bench`). Futian dataset. **one**: one `spacemap serve` process on the "
        "primary, no standby, no pooler. **scaled**: nginx over two processes whose reads go "
        "to a hot standby (`pg_basebackup -R`) through pgbouncer in transaction mode "
        "(`spacemap.scale`). Both up at once, queries alternating; "
        f"{requests} requests per row at concurrency {concurrency} from an asyncio client "
        "on loopback, median of rounds. Everything — client, servers, both PostgreSQL "
        f"clusters — shares this machine's {os.cpu_count()} cores (load average {load:.1f} "
        "at the end), so the ratio measures the overhead and the parallelism of the setup "
        "here, not what separate machines would give.",
        "",
        "| query | setup | req/s | p50 ms | p95 ms | scaled ÷ one (req/s) | scaled ÷ one (p95) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for q, setups in results.items():
        one, scaled = setups["one"], setups["scaled"]
        for name, f in setups.items():
            ratios = (
                f"{scaled['rps'] / one['rps']:.2f} | {scaled['p95'] / one['p95']:.2f}"
                if name == "scaled"
                else " | "
            )
            out.append(
                f"| {q} | {name} | {f['rps']:.1f} | {f['p50']:.1f} | {f['p95']:.1f} | {ratios} |"
            )
    return [*out, ""]


def splice(report: str, lines: list[str]) -> str:
    """The report with this section replaced (or added before the targets)."""
    text = "\n".join(lines)
    if HEADING in report:
        start = report.index(HEADING)
        end = report.find("\n## ", start + len(HEADING))
        return report[:start] + text + ("\n" + report[end + 1 :] if end != -1 else "\n")
    marker = "## Targets"
    if marker in report:
        i = report.index(marker)
        return report[:i] + text + "\n" + report[i:]
    return report.rstrip("\n") + "\n\n" + text + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    args = parser.parse_args()
    results = run(args.requests, args.concurrency, args.rounds)
    lines = section(results, args.requests, args.concurrency)
    print("\n".join(lines))
    args.output.write_text(splice(args.output.read_text(encoding="utf-8"), lines), "utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
