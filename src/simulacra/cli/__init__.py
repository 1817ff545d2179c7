"""The `simulacra` command: a thin shell over the Python API.

Each command module registers its commands on `app`; this module only parses the global options
and turns every error, usage errors included, into one line on stderr and exit status 1
(`--debug` shows the traceback).
Command modules import pandas, PyTorch and the rest inside their commands, so `--help` is quick.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

# Typer carries its own copy of Click; these two have no public name
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from .. import _interrupt
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
        from .._version import __version__

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
        distil,  # noqa: F401
        evaluate,  # noqa: F401
        generate,  # noqa: F401
        images,  # noqa: F401
        impute,  # noqa: F401
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


def usage_line(exc: typer.TyperException) -> str:
    """Click's error as one line, pointing at the command's help: `no such option: --nope
    (see 'simulacra fit --help')`."""
    text = " ".join(line.strip() for line in exc.format_message().splitlines() if line.strip())
    if text[:1].isupper() and text[1:2].islower():
        text = text[0].lower() + text[1:]
    context = getattr(exc, "ctx", None)
    if isinstance(exc, UsageError) and context is not None:
        text = f"{text.rstrip('.')} (see '{context.command_path} --help')"
    return text


class Terminated(BaseException):
    """SIGTERM arrived (what `kill`, Docker and CI time-outs send): unwind like Ctrl-C, so
    every half-written output is removed on the way out."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `simulacra` command."""
    flags, rest = split_global_flags(list(sys.argv[1:] if argv is None else argv))
    _register()
    handler = _on_signal("SIGTERM", _terminate)
    interrupt = _on_signal("SIGINT", _interrupt.on_sigint)
    _interrupt.reset()
    try:
        # in a copy of the context: `--quiet` ends with the command (main may run in-process);
        # not standalone, so Click's usage errors come here instead of printing their own block
        with _notes_printed():
            code = contextvars.copy_context().run(
                app, args=[*flags, *rest], prog_name="simulacra", standalone_mode=False
            )
    except NoArgsIsHelpError as exc:  # a command group without its command: its help
        typer.echo(exc.format_message())
        sys.exit(0)
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument...
        if "--debug" in flags:
            raise
        print(f"error: {usage_line(exc)}", file=sys.stderr)
        sys.exit(1)
    except typer.Abort:  # end of input at a prompt
        print("interrupted", file=sys.stderr)
        sys.exit(130)
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
        _on_signal("SIGTERM", handler)
        _on_signal("SIGINT", interrupt)
    sys.exit(code if isinstance(code, int) else 0)


@contextmanager
def _notes_printed() -> Iterator[None]:
    """Print each `DataNote` warning (what was assumed about the data: text read as null,
    rare categories pooled) as a `note:` line, every time; other warnings as Python would."""
    import warnings

    from .._progress import print_note
    from ..errors import DataNote

    with warnings.catch_warnings():
        shown = warnings.showwarning

        def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, DataNote):
                print_note(str(message))
            else:
                shown(message, category, *args, **kwargs)

        warnings.simplefilter("always", DataNote)
        warnings.showwarning = show
        yield


def _on_signal(name: str, handler: Any) -> Any:
    """Install `handler` for signal `name` and return the previous one (the main thread
    only; None restores the default)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    number = getattr(signal, name)
    if signal.getsignal(number) is signal.SIG_IGN and handler is not None:
        return signal.SIG_IGN  # ignored by whoever started us (a background job): kept so
    return signal.signal(number, handler if handler is not None else signal.SIG_DFL)
