"""Progress bars for long work, silenced by `verbose=False` or the CLI's `--quiet`."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")

LONG_ROWS = 200_000  # tables at least this long show progress while they are inferred or encoded

_quiet: ContextVar[bool] = ContextVar("simulacra_quiet", default=False)


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


def new_progress(verbose: bool = True) -> Progress:
    """A rich progress display on stderr, disabled when quiet or not verbose."""
    from rich.console import Console

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
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


def set_quiet(enabled: bool) -> None:
    """Silence (or restore) progress bars from here on in this context."""
    _quiet.set(enabled)
