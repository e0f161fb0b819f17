"""How long a person waits for the `spacemap` command: `spacemap --help` and one `spacemap match`,
each in a new process (a cold interpreter; the disk cache warm, as on a second run).

`make bench` prints these rows with the rest; `python -m bench.cli` runs only them. The match
runs against the configured database (the Futian dataset `make run` loads), as a person's would.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPACEMAP = Path(sys.executable).parent / "spacemap"
PROFILE = ROOT / "examples" / "fintech-growth.json"
COMMANDS = {
    "spacemap --help": ["--help"],
    "spacemap match": ["match", "--profile", str(PROFILE)],
}
TARGETS_S = {"spacemap --help": 0.5, "spacemap match": 1.5}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(repeats: int = 7) -> dict[str, dict[str, float]]:
    """Seconds per run of each command: wall-clock min, median and max over ``repeats`` new
    processes, after one unmeasured run (which writes the bytecode caches a first install
    lacks), and the command's own CPU seconds (median) — the part a busy machine does not
    inflate; the database server's share of a match is not in it."""
    env = {**os.environ, "SPACEMAP_LANG": "zh"}  # the default language: its catalog is loaded
    figures = {}
    for label, args in COMMANDS.items():
        subprocess.run([str(SPACEMAP), *args], env=env, capture_output=True, check=True)
        times, cpu = [], []
        for _ in range(repeats):
            started, used = time.perf_counter(), _children_cpu()
            subprocess.run([str(SPACEMAP), *args], env=env, capture_output=True, check=True)
            times.append(time.perf_counter() - started)
            cpu.append(_children_cpu() - used)
        figures[label] = {"min": min(times), "median": statistics.median(times),
                          "max": max(times), "cpu": statistics.median(cpu)}  # fmt: skip
    return figures


def section(figures: dict[str, dict[str, float]]) -> list[str]:
    if not figures:
        return []
    return [
        "## Command-line start-up / 命令行启动",
        "",
        "Each run is a new `spacemap` process (interpreter start, imports, the catalog, the work); "
        "the match ranks `examples/fintech-growth.json` against the Futian dataset.",
        "",
        "| command | min s | median s | max s | its CPU s (median) |",
        "| --- | ---: | ---: | ---: | ---: |",
        *[f"| `{label}` | {f['min']:.2f} | {f['median']:.2f} | {f['max']:.2f} | "
          f"{f.get('cpu', float('nan')):.2f} |" for label, f in figures.items()],
        "",
    ]  # fmt: skip


def targets(figures: dict[str, dict[str, float]]) -> list[str]:
    out = []
    for label, limit in TARGETS_S.items():
        if label in figures:
            median = figures[label]["median"]
            verdict = "met" if median < limit else f"**missed** ({median / limit:.1f}× over)"
            out.append(f"- `{label}` < {limit} s (median): {median:.2f} s — {verdict}.")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    load = os.getloadavg()[0]
    figures = measure(parser.parse_args().repeats)
    print(f"load average before: {load:.1f} on {os.cpu_count()} cores")
    for label, f in figures.items():
        print(
            f"{label:18} min {f['min']:.2f} s  median {f['median']:.2f} s  max {f['max']:.2f} s"
            f"  its CPU {f['cpu']:.2f} s"
        )
    print("\n".join(targets(figures)))


if __name__ == "__main__":
    main()
