"""Atomic writes: a temporary file (or folder) beside the target, renamed onto it only when
the write succeeded, named after the writing process so that the next writer of the target
removes what a killed one (`kill -9`, a crash, out of memory) left behind."""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
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
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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


# what follows `.NAME.` in a temporary name made from `temp_prefix` (mkstemp adds 8 characters)
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
