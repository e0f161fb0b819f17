"""``spacemap scale up``: the scale stack on this machine, for a person to try, until Ctrl-C."""

from __future__ import annotations

import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from spacemap.i18n import _, locale_from_environment
from spacemap.scale.processes import ScaleError

scale_app = typer.Typer(help="Primary, hot standby, pgbouncer, app processes and nginx, locally.")
console = Console()


def say(message: object) -> None:
    console.print(
        getattr(message, "render", lambda _locale: str(message))(locale_from_environment())
    )


@scale_app.command("up")
def up(
    apps: Annotated[int, typer.Option(min=1, max=8, help="spacemap serve processes")] = 2,
    port: Annotated[int, typer.Option(min=1024, max=65535, help="nginx port")] = 8080,
    pooler: Annotated[bool, typer.Option(help="through pgbouncer (transaction mode)")] = True,
) -> None:
    """Start a primary, a standby made with pg_basebackup -R, pgbouncer, N app processes and
    nginx in a temporary directory; stop and remove everything on Ctrl-C."""
    from spacemap.scale.stack import Stack

    # Ctrl-C, or a TERM from a supervisor (even where SIGINT was ignored): the same clean stop.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    home = Path(tempfile.mkdtemp(prefix="spacemap-scale-"))
    home.chmod(0o755)
    say(_("Starting the scale stack in %(dir)s (loading the dataset takes a minute)…", dir=home))
    try:
        with Stack(home / "stack", apps=apps, pooler=pooler, proxy=True, proxy_port=port) as s:
            say(_("Open %(url)s — nginx over %(n)d spacemap processes.", url=s.url, n=apps))
            say(
                _(
                    "Primary 127.0.0.1:%(p)d, standby 127.0.0.1:%(s)d, credentials in %(c)s.",
                    p=s.primary.port,
                    s=s.standby.port,
                    c=home / "stack" / "credentials.json",
                )
            )
            if s.bouncer:
                say(_("pgbouncer 127.0.0.1:%(port)d (transaction mode).", port=s.bouncer.port))
            say(_("Logs in %(dir)s. Ctrl-C stops everything.", dir=home / "stack"))
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        say(_("Stopped."))
    except ScaleError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        shutil.rmtree(home, ignore_errors=True)
