"""The compose profile's pgbouncer and nginx configuration, written by the same code the local
stack and its tests run (``python -m spacemap.scale.compose`` rewrites ``deploy/scale/``; a test
fails when the committed files drift from it)."""

from __future__ import annotations

from pathlib import Path

from spacemap.scale import pooler, proxy

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "scale"
APP_PORT = 8000
PROXY_PORT = 8080
POOLER_PORT = 6432
# Inside the pgbouncer container, not on this machine: deploy/scale/pgbouncer-entrypoint.sh
# writes the credentials there from the service's environment when the container starts.
CONTAINER_USERLIST = Path("/tmp/pgbouncer-userlist.txt")


def files() -> dict[str, str]:
    """File name under deploy/scale → content, for the compose services' host names."""
    targets = pooler.PoolerTargets("pg-primary", 5432, "pg-standby", 5432)
    return {
        "pgbouncer.ini": pooler.config("0.0.0.0", POOLER_PORT, targets, CONTAINER_USERLIST),
        "nginx.conf": proxy.config(
            f"0.0.0.0:{PROXY_PORT}", [f"app1:{APP_PORT}", f"app2:{APP_PORT}"]
        ),
    }


def main() -> None:
    for name, content in files().items():
        (DEPLOY / name).write_text(content, encoding="utf-8")
        print(DEPLOY / name)


if __name__ == "__main__":
    main()
