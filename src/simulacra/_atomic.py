"""Atomic writes: a temporary file (or folder) beside the target, renamed onto it only when
the write succeeded, named after the writing process so that the next writer of the target
removes what a killed one (`kill -9`, a crash, out of memory) left behind."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds.

    The temporary file is named `.NAME.PID-HOST.XXXXXXXX.tmp` after the writing process, so a
    later writer of the same target removes the ones whose process is gone (`kill -9`, a
    crash): see `remove_stale_temps`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    tmp: Path | None = None
    try:  # the path is known before the file exists: a Ctrl-C at any point removes it
        while tmp is None:
            tmp = target.parent / f"{temp_prefix(target)}{secrets.token_hex(4)}.tmp"
            try:  # 0o666 less the umask: the mode any new file gets
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            except FileExistsError:  # another of this process's temporaries: a new name
                tmp = None
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


def temp_prefix(target: Path) -> str:
    """The start of the name of a temporary file or folder written for `target` by this
    process: `.NAME.PID-HOST.` (hidden, beside the target)."""
    return f".{target.name}.{os.getpid()}-{_host()}."


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove the temporary files (and folders) left beside `target` by writers on this
    machine whose process no longer runs (killed with `kill -9`, crashed, out of memory);
    the paths removed. Temporary files of running processes, of other machines sharing the
    folder, and other files are never touched."""
    if os.name != "posix" or not target.parent.is_dir():
        return []
    start = f".{target.name}."
    removed = []
    for path in target.parent.iterdir():
        if not path.name.startswith(start):
            continue
        match = _TEMP_NAME.match(path.name[len(start) :])
        if match is None or match["host"] != _host() or _running(int(match["pid"])):
            continue
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue  # removed by another writer meanwhile, or not ours to remove
        removed.append(path)
    return removed


# what follows `.NAME.` in a temporary name made from `temp_prefix` (8 random characters)
_TEMP_NAME = re.compile(r"^(?P<pid>\d+)-(?P<host>[A-Za-z0-9-]*)\.[A-Za-z0-9_]+\.tmp$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "", socket.gethostname())[:32]


def _running(pid: int) -> bool:
    """Whether a process `pid` exists (a process of another user counts as running)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
