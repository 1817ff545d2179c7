"""Progress bars and spinners for long work, silenced by `verbose=False` or the CLI's `--quiet`.

Everything draws on one console on stderr. A progress bar that starts while a `status` spinner
runs pauses the spinner until it ends, so the two never draw over each other. rich is imported
on first use, so the command line's `--help` does not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress
    from rich.status import Status

T = TypeVar("T")

LONG_ROWS = 200_000  # tables at least this long show progress while they are inferred or encoded

_quiet: ContextVar[bool] = ContextVar("simulacra_quiet", default=False)
_spinner: ContextVar[Status | None] = ContextVar("simulacra_spinner", default=None)


@contextmanager
def quiet(enabled: bool = True) -> Iterator[None]:
    """Silence every progress bar inside the block (the CLI's `--quiet`)."""
    token = _quiet.set(enabled)
    try:
        yield
    finally:
        _quiet.reset(token)


def is_quiet() -> bool:
    return _quiet.get()


def set_quiet(enabled: bool) -> None:
    """Silence (or restore) progress bars from here on in this context."""
    _quiet.set(enabled)


@cache
def _console() -> Console:
    from rich.console import Console

    # stderr=True: the console looks up sys.stderr when it writes, so redirections hold
    return Console(stderr=True)


def print_note(text: str) -> None:
    """`note: text` on stderr, above a running spinner; shown even when quiet (a note says
    what was assumed about the data, not how far the work is)."""
    _console().print(f"note: {text}", markup=False, highlight=False, soft_wrap=True)


@contextmanager
def status(description: str) -> Iterator[None]:
    """Show a spinner with `description` on stderr while the block runs (nothing when quiet).

    For steps without a progress bar of their own that can take a second or more: reading a
    table, inferring metadata, loading a model, writing a file.
    """
    if is_quiet():
        yield
        return
    from rich.status import Status

    spinner = Status(description, console=_console())
    token = _spinner.set(spinner)
    spinner.start()
    try:
        yield
    finally:
        spinner.stop()
        _spinner.reset(token)


@cache
def _pausing_progress() -> type[Progress]:
    from rich.progress import Progress

    class PausingProgress(Progress):
        """A progress display that pauses the running `status` spinner while it is shown."""

        def __init__(self, *columns: Any, **kwargs: Any) -> None:
            super().__init__(*columns, **kwargs)
            self._paused: Status | None = None

        def start(self) -> None:
            spinner = _spinner.get()
            if not self.disable and spinner is not None:
                spinner.stop()
                self._paused = spinner
            super().start()

        def stop(self) -> None:
            super().stop()
            if self._paused is not None:
                self._paused.start()
                self._paused = None

    return PausingProgress


def new_progress(verbose: bool = True) -> Progress:
    """A rich progress display on stderr, disabled when quiet or not verbose."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return _pausing_progress()(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=_console(),
        disable=not verbose or is_quiet(),
        transient=False,
    )


def track(
    items: Iterable[T], description: str, total: int | None = None, verbose: bool = True
) -> Iterator[T]:
    """Iterate over `items` showing a progress bar."""
    with new_progress(verbose) as progress:
        task = progress.add_task(description, total=total, info="")
        for item in items:
            yield item
            progress.advance(task)
