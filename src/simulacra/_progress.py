"""Progress bars and spinners for long work, silenced by `verbose=False` or the CLI's `--quiet`.

Everything draws on one console on stderr. A progress bar that starts while a `status` spinner
runs pauses the spinner until it ends, so the two never draw over each other. When stderr is not
a terminal (a pipe, a log file, CI), nothing can be redrawn: a status prints one plain line
and a progress display prints plain lines as its tasks start, pass each tenth of their total or
stay silent for `PLAIN_SECONDS`, and end. rich is imported on first use, so the command line's
`--help` does not pay for it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, ProgressColumn, Task, TaskID
    from rich.status import Status
    from rich.text import Text

T = TypeVar("T")
R = TypeVar("R", bound=Sized)

LONG_ROWS = 200_000  # tables at least this long show progress while they are inferred or encoded
PLAIN_SECONDS = 30.0  # without a terminal, a task silent this long prints a line anyway

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


def _redraws(console: Console) -> bool:
    """Whether `console` can redraw a line (a terminal or a notebook), or only append lines."""
    return bool(console.is_terminal or console.is_jupyter)


def _plain_line(console: Console, text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


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
    if not _redraws(_console()):
        _plain_line(_console(), f"{description} ...")
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


@cache
def _plain_progress() -> type[Progress]:
    from rich.progress import Progress

    class PlainProgress(Progress):
        """Progress for a stderr that cannot redraw: no live display, plain lines instead (see
        the module docstring); `disable=True` prints nothing at all."""

        def __init__(self, *columns: Any, **kwargs: Any) -> None:
            self._shown = not kwargs.get("disable", False)
            super().__init__(*columns, **{**kwargs, "disable": True})
            self._said: dict[TaskID, tuple[str, int, float]] = {}  # description, tenth, time

        def add_task(self, *args: Any, **kwargs: Any) -> TaskID:
            task_id = super().add_task(*args, **kwargs)
            self._say(task_id)
            return task_id

        def update(self, task_id: TaskID, *args: Any, **kwargs: Any) -> None:
            super().update(task_id, *args, **kwargs)
            self._say(task_id)

        def advance(self, task_id: TaskID, advance: float = 1) -> None:
            super().advance(task_id, advance)
            self._say(task_id)

        def stop(self) -> None:
            super().stop()
            for task in self.tasks:
                self._say(task.id, final=True)

        def _say(self, task_id: TaskID, final: bool = False) -> None:
            task = next((t for t in self.tasks if t.id == task_id), None)
            if not self._shown or task is None:
                return
            tenth = int(10 * task.completed / task.total) if task.total else -1
            now = time.monotonic()
            said = self._said.get(task_id)
            if said is not None and said[:2] == (task.description, tenth):
                if final and tenth == 10:
                    return  # its last line said 100% already
                if not final and now - said[2] < PLAIN_SECONDS:
                    return
            self._said[task_id] = (task.description, tenth, now)
            _plain_line(self.console, _task_line(task, final))

    return PlainProgress


def _task_line(task: Any, final: bool) -> str:
    """'sampling copula: 100,000/250,000 (40%) rows, 0:00:03'."""
    import datetime

    done = f"{task.completed:,.0f}"
    if task.total:
        done += f"/{task.total:,.0f} ({task.completed / task.total:.0%})"
    info = " ".join(str(task.fields.get("info") or "").split())
    elapsed = datetime.timedelta(seconds=round(task.elapsed or 0.0))
    end = ", done" if final else ""
    return f"{task.description}: {done}{' ' + info if info else ''}, {elapsed}{end}"


@cache
def _remaining() -> type[ProgressColumn]:
    from rich.progress import TimeRemainingColumn

    class Remaining(TimeRemainingColumn):
        """The time left, marked '≤' for a task that may end early (`at_most=True`: training
        that stops when its held-out loss stalls), so the estimate reads as a bound."""

        def render(self, task: Task) -> Text:
            text = super().render(task)
            if task.fields.get("at_most") and not task.finished:
                text.plain = "≤" + text.plain
            return text

    return Remaining


class _Silent:
    """What a progress display that shows nothing needs: no rich import (60 ms of a quiet
    command's start-up)."""

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, *args: Any, **kwargs: Any) -> TaskID:
        return cast("TaskID", 0)

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        return None

    def update(self, task_id: TaskID, *args: Any, **kwargs: Any) -> None:
        return None


def new_progress(verbose: bool = True) -> Progress:
    """A rich progress display on stderr, disabled when quiet or not verbose; plain lines when
    stderr is not a terminal."""
    shown = verbose and not is_quiet()
    if not shown:
        return cast("Progress", _Silent())
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    if not _redraws(_console()):
        return _plain_progress()(console=_console())
    return _pausing_progress()(
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        _remaining()(),
        console=_console(),
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


def track_rows(
    chunks: Iterable[R], description: str, total: int, verbose: bool = True
) -> Iterator[R]:
    """Pass `chunks` (tables) on, counting their rows on a progress bar of `total` rows: a row
    counts once the consumer has taken it and asks for the next chunk."""
    with new_progress(verbose) as progress:
        task = progress.add_task(description, total=total, info="rows")
        for chunk in chunks:
            yield chunk
            progress.advance(task, len(chunk))
