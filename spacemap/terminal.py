"""What every `spacemap` command shares: the consoles, the language, failures said plainly.

The CLI speaks one language, chosen by ``SPACEMAP_LANG`` or ``LANG`` (i18n.locale_from_environment);
help texts are rendered in it when the commands are defined. A command that cannot do what was
asked raises ``Failure`` with a catalog message; ``run`` prints it — and any usage error, bad
setting, unreachable database or refused write — as one clear line, never a traceback or a
database row (``SPACEMAP_DEBUG=1`` shows the traceback for a bug report).
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from spacemap import i18n
from spacemap.i18n import Msg, _

i18n.set_locale(i18n.locale_from_environment())

console = Console()
err = Console(stderr=True)


def h(message: Msg) -> str:
    """A help text, rendered now in the CLI's language (typer wants plain strings)."""
    return message.render()


class Failure(Exception):
    """A command could not do what was asked; ``message`` says why and what to do."""

    def __init__(self, message: Msg | str, code: int = 1) -> None:
        super().__init__(message.render("en") if isinstance(message, Msg) else message)
        self.message, self.code = message, code


def say_error(message: Msg | str) -> None:
    label = _("error")
    err.print(f"[bold red]{escape(str(label))}:[/] {escape(str(message))}", soft_wrap=True)


# -- help that reads like a person wrote it ---------------------------------------------------


def _style_help() -> None:
    """Typer shows a flag as ``--json <bool>`` and a required argument as ``{file}``; show
    ``--json`` and ``FILE`` as command-line tools do, with typer's own words translated. Typer's
    rich help module (and its Markdown parser) is loaded only when help is shown."""
    from typer import core

    show_type = core.TyperOption.display_type_rich
    show_argument_type = core.TyperArgument.display_type_rich

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        return None if self.is_flag else show_type(self, ctx)

    def argument_type(self: Any, ctx: Any) -> str | None:
        return None if self.metavar else show_argument_type(self, ctx)

    def usage_name(self: Any) -> str:
        name = self.metavar or self.name.upper()
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    help_option = core._click.core.Command.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = help_option(self, ctx)
        if option is not None:
            option.help = h(_("Show this help and exit."))
        return option

    core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]
    core.TyperArgument.display_type_rich = argument_type  # type: ignore[method-assign]
    core.TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]
    core._click.core.Command.get_help_option = get_help_option  # type: ignore[method-assign]
    for cls in (core.TyperCommand, core.TyperGroup):
        cls.format_help = _translated_first(cls.format_help)  # type: ignore[method-assign]


def _translated_first(format_help: Any) -> Any:
    def wrapper(self: Any, ctx: Any, formatter: Any) -> Any:
        from typer import rich_utils

        rich_utils.ARGUMENTS_PANEL_TITLE = h(_("Arguments"))
        rich_utils.OPTIONS_PANEL_TITLE = h(_("Options"))
        rich_utils.COMMANDS_PANEL_TITLE = h(_("Commands"))
        rich_utils.REQUIRED_LONG_STRING = h(_("[required]"))
        rich_utils.DEFAULT_STRING = h(_("[default: %(value)s]", value="{}"))
        rich_utils.ENVVAR_STRING = h(_("[environment variable: %(name)s]", name="{}"))
        return format_help(self, ctx, formatter)

    return wrapper


_style_help()


def new_app(help_text: Msg, **kwargs: Any) -> typer.Typer:
    return typer.Typer(
        help=h(help_text),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None if kwargs.pop("plain", False) else "rich",
        **kwargs,
    )


# -- usage errors in the CLI's language ------------------------------------------------------

_NOT_VALID = re.compile(r"valid (?P<type>integer|number|int|float)\b")
_NO_COMMAND = re.compile(r"No such command '(?P<name>[^']*)'")
_EXTRA = re.compile(r"unexpected extra argument\(s\) \((?P<args>.*)\)")


def _param_name(param: Any) -> str:
    if param is None:
        return "?"
    if getattr(param, "metavar", None) and not getattr(param, "opts", [""])[0].startswith("-"):
        return str(param.metavar)
    opts = getattr(param, "opts", None) or []
    long = [o for o in opts if o.startswith("--")]
    return (long or opts or [str(param.name).upper()])[0]


def usage_problem(exc: Any) -> Msg | str:
    """A click usage error (missing option, bad number, unknown command…) as a catalog message;
    anything unforeseen keeps click's own words."""
    from typer._click import exceptions as ce

    text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if isinstance(exc, ce.NoSuchOption):
        near = sorted(exc.possibilities or [])
        if near:
            return _(
                "there is no option %(option)s; did you mean %(near)s?",
                option=exc.option_name,
                near=", ".join(near),
            )
        return _("there is no option %(option)s", option=exc.option_name)
    if isinstance(exc, ce.MissingParameter):
        return _("%(name)s is required", name=_param_name(exc.param))
    if isinstance(exc, ce.BadParameter):
        found = _NOT_VALID.search(text)
        name = _param_name(exc.param)
        if found and found["type"] in ("int", "integer"):
            return _("%(name)s must be a whole number", name=name)
        if found:
            return _("%(name)s must be a number", name=name)
        return _("%(name)s: %(reason)s", name=name, reason=exc.message)
    if found := _NO_COMMAND.search(text):
        return _("there is no command '%(name)s'", name=found["name"])
    if found := _EXTRA.search(text):
        return _("unexpected extra arguments: %(args)s", args=found["args"])
    if "Missing command" in text:
        return _("say which command to run")
    return text


# -- the one place failures are printed ------------------------------------------------------


def _database_problem(exc: Exception) -> Msg:
    """A database error without its DETAIL (which can quote a whole row, password hash and all)."""
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = str(orig).strip()
    first = primary or (text.splitlines()[0] if text else type(orig).__name__)
    return _("the database refused: %(reason)s", reason=first)


def run(command: Any, argv: Sequence[str] | None = None) -> int:
    """Run the click command built from the app; the exit code (0 ok, 1 failed, 2 bad usage,
    3 database unreachable)."""
    from pydantic import ValidationError
    from typer._click import exceptions as ce

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = command.main(args=args, prog_name="spacemap", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except Failure as exc:
        say_error(exc.message)
        return exc.code
    except ce.NoArgsIsHelpError:
        return 0  # the help has been shown
    except ce.UsageError as exc:
        say_error(usage_problem(exc))
        path = exc.ctx.command_path if exc.ctx is not None else "spacemap"
        err.print(escape(str(_("See '%(command)s --help'.", command=path))), soft_wrap=True)
        return 2
    except ce.ClickException as exc:
        say_error(exc.format_message())
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        say_error(_("stopped"))
        return 130
    except ValidationError as exc:  # a SPACEMAP_* setting that does not parse
        for e in exc.errors():
            name = "SPACEMAP_" + "_".join(str(p) for p in e["loc"]).upper()
            say_error(
                _("the setting %(name)s is not valid: %(reason)s", name=name, reason=e["msg"])
            )
        return 2
    except Exception as exc:
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    from sqlalchemy.exc import DBAPIError, OperationalError

    if os.environ.get("SPACEMAP_DEBUG"):
        traceback.print_exception(exc)
    if isinstance(exc, OperationalError | ConnectionError):
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        say_error(_("cannot reach the database: %(reason)s", reason=reason[0] if reason else ""))
        err.print(
            escape(
                str(
                    _(
                        "Is it running? `spacemap db up` starts the embedded one; "
                        "`spacemap db status` tells more."
                    )
                )
            )
        )
        return 3
    if isinstance(exc, DBAPIError):
        say_error(_database_problem(exc))
        return 1
    say_error(
        _(
            "unexpected %(kind)s: %(reason)s",
            kind=type(exc).__name__,
            reason=str(exc).splitlines()[0] if str(exc) else "",
        )
    )
    if not os.environ.get("SPACEMAP_DEBUG"):
        err.print(escape(str(_("Run again with SPACEMAP_DEBUG=1 to see where it happened."))))
    return 1
