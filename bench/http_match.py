"""`POST /api/match` end to end over HTTP: what a company's search costs, near misses included.

The same server the peer comparison starts (uvicorn, the benchmark database, the trained ranker),
one company profile, a fixed number of requests at concurrency 1 (what one company waits) and at
concurrency 8 (what the machine sustains), each latency recorded by an asyncio client on
loopback that shares the machine's cores.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import httpx

from bench.peer import spacemap_server


async def _load(url: str, body: dict[str, Any], requests: int, concurrency: int):
    latencies: list[float] = []
    left = list(range(requests))
    async with httpx.AsyncClient(timeout=120) as client:

        async def worker() -> None:
            while left:
                left.pop()
                t = time.perf_counter()
                reply = await client.post(url, json=body)
                reply.raise_for_status()
                latencies.append(time.perf_counter() - t)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return latencies, wall


def _figures(latencies: list[float], wall: float) -> dict[str, float]:
    ms = sorted(1000 * x for x in latencies)
    return {
        "rps": len(ms) / wall,
        "p50": statistics.median(ms),
        "p95": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
    }


def measure(db_url: str, body: dict[str, Any], workers: int = 2, requests: int = 120,
            concurrencies: tuple[int, ...] = (1, 8)) -> dict[int, dict[str, float]]:  # fmt: skip
    """{concurrency: {rps, p50, p95}} for ``POST /api/match`` with its default near misses."""
    out = {}
    with spacemap_server(db_url, workers) as base:
        url = f"{base}/api/match"
        for _ in range(2 * workers):  # warm every worker: model, caches, connections
            httpx.post(url, json=body, timeout=120).raise_for_status()
        for c in concurrencies:
            out[c] = _figures(*asyncio.run(_load(url, body, requests, c)))
    return out
