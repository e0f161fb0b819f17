"""``/health`` tells the truth when PostgreSQL goes away, and again when it comes back.

The server reaches the test database through a TCP relay this test owns: closing the relay is
PostgreSQL going down as far as the server can tell (connections refused, open ones cut), without
stopping the cluster the other tests use.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import free_port, serving


class Relay:
    """Forwards a loopback port to the database; ``down()`` refuses and cuts, ``up()`` restores."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self.listener: socket.socket | None = None
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        assert self.listener is not None
        for s in (self.listener, *self.open):  # shutdown wakes a thread blocked in accept/recv
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        with self.lock:
            self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def relayed_server(database_url: str, engine: object) -> Iterator[tuple[str, Relay]]:
    url = make_url(database_url)
    relay = Relay((url.host or "127.0.0.1", url.port or 5432))
    relay.up()
    relayed = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    with serving(relayed) as base:
        yield base, relay
    relay.down()


def test_health_answers_503_with_retry_after_while_the_database_is_down(
    relayed_server: tuple[str, Relay],
) -> None:
    base, relay = relayed_server
    assert httpx.get(f"{base}/health").json()["status"] == "ok"
    relay.down()
    down = httpx.get(f"{base}/health", headers={"Accept-Language": "en"}, timeout=30)
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    assert int(down.headers["retry-after"]) > 0
    assert "database" in down.json()["detail"] and "Traceback" not in down.text
    relay.up()
    assert httpx.get(f"{base}/health", timeout=30).status_code == 200
