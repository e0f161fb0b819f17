"""spacemap vs tipg on the same tables, the same machine, the same number of workers.

tipg (developmentseed's FastAPI + PostGIS OGC Features server) is installed into its own venv
(`.bench/tipg-venv`, by `make bench`), never into spacemap's. Both servers read the benchmark
database; a small asyncio load generator on loopback sends a bounded number of requests at a fixed
concurrency and records each latency. Ratios within one run are what to compare.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TIPG_PYTHON = ROOT / ".bench" / "tipg-venv" / "bin" / "python"
BBOX = "114.02,22.52,114.06,22.56"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _server(cmd: list[str], env: dict[str, str], port: int, probe: str) -> Iterator[str]:
    (ROOT / ".bench").mkdir(exist_ok=True)
    log = open(ROOT / ".bench" / f"server-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + probe, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"{cmd[0]} did not start; see {log.name}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def spacemap_server(url: str, workers: int) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "SPACEMAP_DATABASE_URL": url}
    cmd = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port),
           "--workers", str(workers), "--no-access-log", "--log-level", "warning"]  # fmt: skip
    return _server(cmd, env, port, "/health")


def tipg_server(url: str, workers: int) -> Iterator[str]:
    from sqlalchemy.engine import make_url

    port = _free_port()
    parsed = make_url(url)
    # The embedded cluster's password file is named in the URL (libpq's passfile=); asyncpg,
    # under tipg, reads it from PGPASSFILE instead.
    passfile = {"PGPASSFILE": str(parsed.query["passfile"])} if "passfile" in parsed.query else {}
    pg = parsed.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": pg, "TIPG_DB_SCHEMAS": '["public"]',
           "TIPG_MAX_FEATURES_PER_QUERY": "10000", **passfile}  # fmt: skip
    cmd = [str(TIPG_PYTHON), "-m", "uvicorn", "tipg.main:app", "--port", str(port),
           "--workers", str(workers), "--no-access-log", "--log-level", "warning"]  # fmt: skip
    return _server(cmd, env, port, "/collections")


async def _load(url: str, requests: int, concurrency: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    sizes: list[int] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    async with httpx.AsyncClient(timeout=120) as client:

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                t = time.perf_counter()
                r = await client.get(url)
                r.raise_for_status()
                latencies.append(time.perf_counter() - t)
                sizes.append(len(r.content))

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return latencies, wall, int(statistics.median(sizes))


def measure(url: str, requests: int, concurrency: int) -> dict[str, float]:
    httpx.get(url, timeout=120).raise_for_status()  # warm up (caches, connections)
    latencies, wall, size = asyncio.run(_load(url, requests, concurrency))
    ms = sorted(1000 * x for x in latencies)
    return {
        "rps": requests / wall,
        "p50": statistics.median(ms),
        "p99": ms[min(len(ms) - 1, int(0.99 * len(ms)))],
        "bytes": size,
    }


def compare(url: str, workers: int = 2, requests: int = 200, concurrency: int = 8
            ) -> dict[str, dict[str, dict[str, float]]]:  # fmt: skip
    """{query: {server: figures}} for a 1,000-feature page and a bbox query."""
    queries = {
        "items limit=1000": ("/collections/space-units/items?limit=1000",
                             "/collections/public.space_units/items?limit=1000"),
        f"bbox {BBOX} limit=1000": (
            f"/collections/space-units/items?limit=1000&bbox={BBOX}",
            f"/collections/public.space_units/items?limit=1000&bbox={BBOX}"),
    }  # fmt: skip
    out: dict[str, dict[str, dict[str, float]]] = {q: {} for q in queries}
    with spacemap_server(url, workers) as ours:
        for q, (path, _) in queries.items():
            out[q]["spacemap"] = measure(ours + path, requests, concurrency)
    with tipg_server(url, workers) as theirs:
        for q, (_, path) in queries.items():
            out[q]["tipg"] = measure(theirs + path, requests, concurrency)
    return out
