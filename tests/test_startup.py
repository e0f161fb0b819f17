"""A container's database can come up after the app: the app waits for it, retrying with backoff,
instead of dying on its first connection (docker-compose.yml relies on this; no Docker here, so
a TCP relay that opens late stands in for the late database)."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from spacemap.database import wait_for_database
from tests.conftest import BIN, free_port


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


@contextmanager
def late_relay(port: int, target: tuple[str, int]) -> Iterator[threading.Event]:
    """Nothing listens on ``port`` until the event is set; then it relays to ``target``."""
    stop, go = threading.Event(), threading.Event()

    def serve() -> None:
        while not go.wait(0.1):
            if stop.is_set():
                return
        with socket.create_server(("127.0.0.1", port)) as server:
            server.settimeout(0.2)
            while not stop.is_set():
                try:
                    client, _addr = server.accept()
                except TimeoutError:
                    continue
                upstream = socket.create_connection(target)
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield go
    finally:
        stop.set()
        thread.join(timeout=5)


def test_waiting_backs_off_then_gives_up_with_the_reason() -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nowhere"
    delays: list[float] = []
    started = time.monotonic()
    with pytest.raises(OperationalError):
        wait_for_database(url, timeout_s=1.0, first_delay_s=0.1,
                          on_retry=lambda attempt, delay, reason: delays.append(delay))  # fmt: skip
    assert delays[:3] == [0.1, 0.2, 0.4] and time.monotonic() - started < 5


def test_a_wrong_password_is_not_retried(database_url: str) -> None:
    url = make_url(database_url).set(password="wrong", query={})
    tries: list[int] = []
    with pytest.raises(OperationalError, match="password"):
        wait_for_database(
            url.render_as_string(hide_password=False),
            timeout_s=10,
            on_retry=lambda attempt, delay, reason: tries.append(attempt),
        )
    assert tries == []


def test_the_server_starts_before_its_database_and_waits_for_it(database_url: str, engine) -> None:
    real = make_url(database_url)
    relay = free_port()
    late = real.set(host="127.0.0.1", port=relay).render_as_string(hide_password=False)
    port = free_port()
    env = {**os.environ, "SPACEMAP_DATABASE_URL": late, "SPACEMAP_DB_WAIT_S": "60",
           "SPACEMAP_LANG": "en"}  # fmt: skip
    with late_relay(relay, (real.host or "127.0.0.1", real.port or 5432)) as database_starts:
        proc = subprocess.Popen(
            [str(BIN / "spacemap"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()  # the server says it waits, and keeps waiting
            assert "The database does not answer yet" in first and "attempt 1" in first, first
            database_starts.set()
            deadline, healthy = time.monotonic() + 60, False
            while time.monotonic() < deadline and proc.poll() is None and not healthy:
                try:
                    healthy = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).is_success
                except httpx.HTTPError:
                    time.sleep(0.3)
        finally:
            proc.terminate()
            output = first + proc.communicate(timeout=15)[0]
    assert healthy, output
