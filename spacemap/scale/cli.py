"""``spacemap scale up``: the scale stack on this machine, for a person to try, until Ctrl-C."""

from __future__ import annotations

import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from spacemap.i18n import Msg, _
from spacemap.scale.processes import ScaleError
from spacemap.terminal import console, h, new_app, say_error

scale_app = new_app(_("Primary, hot standby, pgbouncer, app processes and nginx, locally."))


def say(message: Msg) -> None:
    console.print(escape(str(message)), soft_wrap=True)


def _between(low: int, high: int):
    def check(value: int) -> int:
        if not low <= value <= high:
            raise typer.BadParameter(
                str(
                    _(
                        "must be between %(low)d and %(high)d, not %(value)s",
                        low=low,
                        high=high,
                        value=value,
                    )
                )
            )
        return value

    return check


@scale_app.command(
    "up",
    help=h(
        _(
            "Start a primary, a standby made with pg_basebackup -R, pgbouncer, N app processes "
            "and nginx in a temporary directory; stop and remove everything on Ctrl-C."
        )
    ),
)
def up(
    apps: Annotated[
        int, typer.Option(callback=_between(1, 8), help=h(_("spacemap serve processes")))
    ] = 2,
    port: Annotated[
        int, typer.Option(callback=_between(1024, 65535), help=h(_("nginx port")))
    ] = 8080,
    pooler: Annotated[bool, typer.Option(help=h(_("through pgbouncer (transaction mode)")))] = True,
) -> None:
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
        say_error(str(exc))
        raise typer.Exit(1) from exc
    finally:
        shutil.rmtree(home, ignore_errors=True)
