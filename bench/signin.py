"""The service under a sign-in flood: `/health` latency and server memory while 64 clients send
400 wrong passwords at once (issue 11.7). Before the throttle, each try cost 64 MiB of Argon2 and
`/health` went from 26 ms to 6.2 s p50; now tries past the limits are refused without hashing.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench import peer as peer_bench

ATTEMPTS, CONCURRENCY, PROBES = 400, 64, 100


def _rss_mib(base: str) -> float:
    port = urlsplit(base).port
    pids = subprocess.run(["pgrep", "-f", "--", f"--port {port}"], capture_output=True, text=True)
    total = 0.0
    for pid in pids.stdout.split():
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
    return total


async def _health(client: httpx.AsyncClient, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        await client.get("/health")
        out.append(1000 * (time.perf_counter() - t))
        await asyncio.sleep(0.02)
    return out


async def _flood(client: httpx.AsyncClient) -> dict[int, int]:
    codes: dict[int, int] = {}
    queue = iter(range(ATTEMPTS))

    async def worker() -> None:
        for i in queue:
            r = await client.post("/api/token", data={"username": f"x{i % 50}", "password": "no"})
            codes[r.status_code] = codes.get(r.status_code, 0) + 1

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return codes


async def _run(base: str) -> dict[str, object]:
    limits = httpx.Limits(max_connections=CONCURRENCY + 4)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        idle = await _health(client, PROBES)
        rss_before = _rss_mib(base)
        flood = asyncio.create_task(_flood(client))
        under = await _health(client, PROBES)
        codes = await flood
        rss_after = _rss_mib(base)
    return {
        "idle_p50": statistics.median(idle),
        "flood_p50": statistics.median(under),
        "flood_max": max(under),
        "codes": codes,
        "rss_before": rss_before,
        "rss_after": rss_after,
    }


def measure(url: str) -> dict[str, object]:
    with peer_bench.spacemap_server(url, 1) as base:
        return asyncio.run(_run(base))


def section(r: dict[str, object] | None) -> list[str]:
    if not r:
        return []
    codes = ", ".join(f"{n} × {code}" for code, n in sorted(r["codes"].items()))  # type: ignore[union-attr]
    return [
        "## Sign-in flood / 登录洪泛",
        "",
        f"{ATTEMPTS} wrong passwords from {CONCURRENCY} concurrent clients (one address) while "
        f"`/health` is probed {PROBES} times; one server process.",
        "",
        "| `/health` p50 idle ms | p50 during flood ms | max during flood ms | answers | "
        "server RSS before → after MiB |",
        "| ---: | ---: | ---: | --- | --- |",
        f"| {r['idle_p50']:.1f} | {r['flood_p50']:.1f} | {r['flood_max']:.1f} | {codes} | "
        f"{r['rss_before']:.0f} → {r['rss_after']:.0f} |",
        "",
    ]
