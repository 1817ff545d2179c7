"""The `simulacra` command: a thin shell over the Python API.

Each command module registers its commands on `app`; this module only parses the global options
and turns every error into one line on stderr and exit status 1 (`--debug` shows the traceback).
Command modules import pandas, PyTorch and the rest inside their commands, so `--help` is quick.
"""

from __future__ import annotations

import contextvars
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from .._progress import set_quiet
from ..errors import SimulacraError

# options of the whole command that may also come after the subcommand
GLOBAL_FLAGS = ("--quiet", "-q", "--debug")


class _Group(TyperGroup):
    """The root command group. Typer coerces a `--help` flag that was not given (None) through
    pydantic, whose import costs more than the rest of `simulacra CMD --help` together; a
    default of False skips that, for this group and the commands directly below it."""

    def get_help_option(self, ctx: Any) -> Any:
        return _unset_is_false(super().get_help_option(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _unset_is_false(command.get_help_option(ctx))
        return command


def _unset_is_false(option: Any) -> Any:
    if option is not None and option.default is None:
        option.default = False
    return option


app = typer.Typer(
    cls=_Group,
    name="simulacra",
    help="Synthetic data for machine learning: learn a table, sample new rows, measure them.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"simulacra {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="No progress bars or spinners (also after the command)."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show the traceback of an error (also after the command)."
    ),
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version."
    ),
) -> None:
    set_quiet(quiet)


def _register() -> None:
    from . import (
        benchmark,  # noqa: F401
        evaluate,  # noqa: F401
        generate,  # noqa: F401
        images,  # noqa: F401
        table,  # noqa: F401  (commands register themselves)
    )


def split_global_flags(args: list[str]) -> tuple[list[str], list[str]]:
    """(global flags, other arguments): `--quiet`, `-q` and `--debug` anywhere before `--`."""
    flags: list[str] = []
    rest: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            rest.extend(args[i:])
            break
        (flags if arg in GLOBAL_FLAGS else rest).append(arg)
    return flags, rest


def error_line(exc: BaseException) -> str:
    """One line for the user: simulacra's own message, or the file and the system's reason."""
    if isinstance(exc, SimulacraError):
        text = str(exc)
    elif isinstance(exc, OSError) and exc.strerror and (exc.filename2 or exc.filename):
        text = f"{exc.filename2 or exc.filename}: {exc.strerror}"
    elif isinstance(exc, OSError):
        text = str(exc) or type(exc).__name__
    else:
        text = f"{type(exc).__name__}: {exc} (--debug shows the traceback)"
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


class Terminated(BaseException):
    """SIGTERM arrived (what `kill`, Docker and CI time-outs send): unwind like Ctrl-C, so
    every half-written output is removed on the way out."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `simulacra` command."""
    flags, rest = split_global_flags(list(sys.argv[1:] if argv is None else argv))
    _register()
    handler = _on_sigterm(_terminate)
    try:
        # in a copy of the context: `--quiet` ends with the command (main may run in-process)
        contextvars.copy_context().run(app, args=[*flags, *rest], prog_name="simulacra")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Terminated:
        print("terminated", file=sys.stderr)
        sys.exit(143)
    except Exception as exc:
        if "--debug" in flags:
            raise
        print(f"error: {error_line(exc)}", file=sys.stderr)
        sys.exit(1)
    finally:
        _on_sigterm(handler)


def _on_sigterm(handler: Any) -> Any:
    """Install `handler` for SIGTERM and return the previous one (the main thread only)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, handler if handler is not None else signal.SIG_DFL)
