"""The whole local stack: primary, hot standby, pgbouncer, N ``spacemap serve`` processes, nginx.

``Stack`` is a context manager: everything it started is stopped on the way out, also when
starting something failed half way. The parts are attributes, so a test can stop the primary,
pause the standby's replay or talk to one app process directly.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx
from sqlalchemy import create_engine

from spacemap.scale.clusters import Cluster, Credentials
from spacemap.scale.pooler import Pooler
from spacemap.scale.processes import ScaleError, free_port, own_dir, stop, wait_for
from spacemap.scale.proxy import Proxy


@dataclass
class AppProcess:
    """One ``spacemap serve`` process; its log goes to a file (a pipe would fill)."""

    port: int
    env: dict[str, str]
    log_file: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_file.open("ab")
        cmd = [
            sys.executable,
            "-m",
            "spacemap.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self._answers, f"spacemap serve on port {self.port}", 60)
        if self.proc.poll() is not None:
            raise ScaleError(f"spacemap serve exited: {self.log_file.read_text()[-3000:]}")

    def _answers(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            return True
        try:
            return httpx.get(f"{self.url}/conformance", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        stop(self.proc)


@dataclass
class Stack:
    """Primary + standby, and optionally pgbouncer, app processes and nginx, under ``home``."""

    home: Path
    apps: int = 2
    pooler: bool = True
    proxy: bool = True
    fsync: bool = False
    proxy_port: int | None = None
    model_dir: Path | None = None
    primary: Cluster = field(init=False)
    standby: Cluster = field(init=False)
    bouncer: Pooler | None = field(init=False, default=None)
    processes: list[AppProcess] = field(init=False, default_factory=list)
    nginx: Proxy | None = field(init=False, default=None)

    # ------------------------------------------------------------------ addresses
    @property
    def write_url(self) -> str:
        return self.bouncer.url() if self.bouncer else self.primary.url()

    @property
    def read_url(self) -> str:
        return self.bouncer.read_url() if self.bouncer else self.standby.url()

    def app_env(self) -> dict[str, str]:
        """What every app process is given: the two URLs, the pooler mode, the shared model."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPACEMAP_")}
        env.update(
            SPACEMAP_DATABASE_URL=self.write_url,
            SPACEMAP_READ_DATABASE_URL=self.read_url,
            SPACEMAP_POOLER="pgbouncer" if self.bouncer else "none",
        )
        model_dir = self.model_dir or _configured_model_dir()
        if model_dir is not None:
            env["SPACEMAP_MODEL_DIR"] = str(model_dir)
        return env

    @property
    def url(self) -> str:
        """Where a person (or a test) talks to the stack: nginx, else the first process."""
        return self.nginx.url if self.nginx else self.processes[0].url

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Stack:
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.down()

    def up(self) -> None:
        if self.home.exists():
            shutil.rmtree(self.home)
        own_dir(self.home, 0o755)
        creds = Credentials.load_or_generate(self.home / "credentials.json")
        self.primary = Cluster(self.home / "primary", free_port(), creds, self.fsync)
        self.standby = Cluster(self.home / "standby", free_port(), creds, self.fsync)
        self.primary.init_primary()
        self.primary.start()
        self.primary.create_roles_and_database()
        load_database(self.primary.url())
        self.standby.init_standby(self.primary)
        self.standby.start()
        self.standby.wait_caught_up(self.primary)
        if self.pooler:
            self.bouncer = Pooler(self.home / "pgbouncer", free_port(), self.primary, self.standby)
            self.bouncer.start()
        env = self.app_env()
        for i in range(self.apps):
            app = AppProcess(free_port(), env, self.home / f"app{i + 1}.log")
            self.processes.append(app)
            app.start()
        if self.proxy and self.processes:
            upstreams = [f"127.0.0.1:{p.port}" for p in self.processes]
            self.nginx = Proxy(self.home / "nginx", self.proxy_port or free_port(), upstreams)
            self.nginx.start()

    def down(self) -> None:
        """Stop everything this stack started, newest first; never raises half way."""
        if self.nginx:
            self.nginx.stop()
        for app in self.processes:
            app.stop()
        if self.bouncer:
            self.bouncer.stop()
        for cluster in (getattr(self, "standby", None), getattr(self, "primary", None)):
            if cluster is not None:
                with contextlib.suppress(ScaleError):
                    cluster.stop("immediate")


def load_database(url: str) -> None:
    """Schema at head and the Futian dataset, as ``spacemap db migrate`` + ``spacemap load``."""
    from spacemap.database import session_scope
    from spacemap.ingest.dataset import load_dataset
    from spacemap.migrate import upgrade

    upgrade(url)
    engine = create_engine(url)
    try:
        with session_scope(engine) as session:
            load_dataset(session)
    finally:
        engine.dispose()


def _configured_model_dir() -> Path | None:
    from spacemap.config import get_settings

    found = get_settings().resolved_model_dir()
    return found if found.exists() else None
