"""Ctrl-C that is not lost: the command line's SIGINT handler records the interrupt here as
well as raising KeyboardInterrupt, and streamed writes call `check()` between chunks. A
KeyboardInterrupt raised while C code runs can be swallowed there (a `sample` to CSV sent
Ctrl-C as its output appeared ran on to the end about once in twenty runs); the record is
not, so the next chunk stops the work and the half-written output is removed."""

from __future__ import annotations

from typing import Any

_pending = False


def on_sigint(signum: int, frame: Any) -> None:
    """The SIGINT handler: remember, then interrupt as Python does by default."""
    global _pending
    _pending = True
    raise KeyboardInterrupt


def reset() -> None:
    """Forget an earlier interrupt (a new command starts)."""
    global _pending
    _pending = False


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C arrived and was swallowed on its way."""
    if _pending:
        raise KeyboardInterrupt
