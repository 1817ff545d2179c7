"""The `simulacra` command: a thin shell over the Python API.

Each command module registers its commands on `app`; this module only parses the global options
and turns simulacra's errors into one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import sys

import typer

from .._progress import set_quiet
from ..errors import SimulacraError

app = typer.Typer(
    name="simulacra",
    help="Synthetic data for machine learning: learn a table, sample new rows, measure them.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _options(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
) -> None:
    set_quiet(quiet)


def _register() -> None:
    from . import (
        evaluate,  # noqa: F401
        generate,  # noqa: F401
        images,  # noqa: F401
        table,  # noqa: F401  (commands register themselves)
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `simulacra` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    _register()
    try:
        app(args=args, prog_name="simulacra")
    except SimulacraError as exc:
        if "--debug" in args:
            raise
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
