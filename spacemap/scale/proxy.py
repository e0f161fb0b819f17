"""nginx in front of several ``spacemap serve`` processes (round robin, no stickiness).

No session affinity on purpose: the processes share nothing but the database, so any request
may land on any of them — sign in through one, act through the other. A process that stops
answering is skipped for a few seconds (``max_fails``/``fail_timeout``); only idempotent
requests are retried on the next one (nginx's default), so a POST is never sent twice.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from spacemap.scale.processes import (
    binary,
    own_dir,
    start_daemon,
    stop,
)

UPLOAD_LIMIT = "21m"  # api.middleware.UPLOAD_BODY_LIMIT (20 MiB) plus headers


def config(listen: str, upstreams: list[str], home: Path | None = None, debug: bool = False) -> str:
    """nginx.conf for the proxy. ``home``: keep pid, logs and temp files there (a local,
    unprivileged nginx); None: the packaged defaults (a container). ``debug`` adds an
    ``X-Upstream`` header naming the process that answered (tests, never production)."""
    servers = "\n".join(f"    server {u} max_fails=1 fail_timeout=3s;" for u in upstreams)
    if home is not None:
        paths = f"pid {home / 'nginx.pid'};\nerror_log {home / 'error.log'} warn;\n"
        temp = "".join(
            f"  {kind}_temp_path {home / 'tmp' / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
    else:
        paths, temp = "error_log stderr warn;\n", ""
    upstream_header = "      add_header X-Upstream $upstream_addr always;\n" if debug else ""
    return f"""\
# spacemap scale stack: nginx in front of the spacemap processes (spacemap/scale/proxy.py)
daemon off;
worker_processes 1;
{paths}events {{ worker_connections 1024; }}
http {{
  access_log off;
{temp}  upstream spacemap {{
{servers}
    keepalive 32;
  }}
  server {{
    listen {listen};
    client_max_body_size {UPLOAD_LIMIT};
    location / {{
      proxy_pass http://spacemap;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 2s;
      proxy_read_timeout 120s;
      proxy_next_upstream error timeout;
{upstream_header}    }}
  }}
}}
"""


class Proxy:
    """Our own nginx master process (foreground), as the service user when we are root."""

    def __init__(self, home: Path, port: int, upstreams: list[str]) -> None:
        self.home, self.port, self.upstreams = home, port, upstreams
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        own_dir(self.home, 0o755)
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            own_dir(self.home / "tmp" / kind)
        conf = self.home / "nginx.conf"
        conf.write_text(config(f"127.0.0.1:{self.port}", self.upstreams, self.home, debug=True))
        argv = [str(binary("nginx")), "-p", str(self.home), "-c", str(conf),
                "-e", str(self.home / "error.log")]  # fmt: skip
        self.proc = start_daemon(
            "nginx", argv, self.port, self.home / "nginx.out", self.home / "error.log"
        )

    def stop(self) -> None:
        stop(self.proc)
