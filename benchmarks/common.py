"""Helpers shared by the benchmark scripts: timing, result files, machine description.

Each benchmark writes into its own folder, results/<benchmark>/, and every results file says
which code made it, when, on what machine and with which command, without absolute paths or
user names. A table never merges rows from different code versions (`merge_refusal`).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulacra.io import atomic_path

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
HEADER = "Run: "  # the first words of the line a results markdown opens with, after its title


# Runs a command from a small process and prints its wall seconds and the command's peak RSS
# (KiB). Linux keeps a process's peak across exec, and a child forked from a large process
# (a benchmark holding its tables) starts with that process's resident size as its peak, so
# ru_maxrss read beside a large parent reports at least the parent's size: a child of a
# 500 MiB parent that used 9 MiB read 502 MiB. Forked from this launcher, the command starts
# from the launcher's few MiB.
_LAUNCHER = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:])
seconds = time.perf_counter() - started
print(done.returncode, seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def run_measured(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MiB) of `command`, and what it wrote to stdout (its output
    and the launcher's line apart); raises when it fails. See `_LAUNCHER`."""
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *command], capture_output=True, text=True
    )
    *output, last = done.stdout.rstrip("\n").split("\n")
    code, seconds, peak_kib = last.split()
    if int(code) != 0 or done.returncode != 0:
        raise subprocess.CalledProcessError(int(code), command, done.stdout, done.stderr)
    return float(seconds), int(peak_kib) / 1024, "\n".join(output)


def process_memory(status: Path) -> tuple[float, float] | None:
    """(resident MiB, peak MiB since it started) of a process from its /proc status file,
    None once it is gone. The peak is VmHWM: unlike ru_maxrss, not the size of the process
    it was forked from."""
    try:
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
    except (OSError, ValueError):
        return None
    if "VmRSS" not in fields:
        return None
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def own_peak_mib() -> float:
    """This process's peak resident size since it started (`process_memory`)."""
    memory = process_memory(Path("/proc/self/status"))
    assert memory is not None
    return memory[1]


def timed(fn: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    """Median wall time of `repeats` calls of `fn`, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def machine() -> dict[str, Any]:
    """This machine (no host or user name, no paths), the date and the code version."""
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "code_version": code_version(),
    }


def code_version() -> str:
    """The git commit the benchmark ran on (with '+changes' when the tree differs from it)."""
    here = Path(__file__).parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "../src"],
            cwd=here,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (commit or "unknown") + ("+changes" if dirty else "")


def command() -> str:
    """The command line of this run, paths relative to the repository, no interpreter path."""
    script, *args = sys.argv
    words = [_relative(script, script=True), *(_relative(a) for a in args)]
    return shlex.join(["python", *words] if script.endswith(".py") else words)


def _relative(word: str, script: bool = False) -> str:
    if word.startswith("-") and "=" in word:
        flag, value = word.split("=", 1)
        return f"{flag}={_relative(value)}"
    path = Path(word)
    if not (path.is_absolute() or (script and path.exists())):
        return word
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:  # outside the repository: its name only
        return f"<elsewhere>/{path.name}" if path.is_absolute() else word


def results_dir(folder: str) -> Path:
    """results/<folder>, created if needed."""
    path = RESULTS / folder
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_results(
    name: str,
    data: dict[str, Any],
    markdown: str,
    folder: str | None = None,
    command_line: str | None = None,
) -> Path:
    """Write results/<folder>/<name>.json and .md (atomically) and print the markdown.

    `folder` defaults to `name`. The JSON gets the run's `machine` (this machine, date and code
    version, under any keys the benchmark recorded itself, e.g. at its start) and `command`
    (default: this process's command line); the markdown gets a one-line header saying the same.
    Returns the folder.
    """
    out = results_dir(folder or name)
    record = stamped(data, command_line)
    with atomic_path(out / f"{name}.json") as tmp:
        tmp.write_text(json.dumps(record, indent=2, default=str) + "\n")
    text = with_header(markdown, record)
    with atomic_path(out / f"{name}.md") as tmp:
        tmp.write_text(text)
    print(text)
    return out


def stamped(data: dict[str, Any], command_line: str | None = None) -> dict[str, Any]:
    """`data` with `machine` (filled in from `machine()`) and `command` first."""
    rest = {k: v for k, v in data.items() if k not in ("machine", "command")}
    run = {**machine(), **data.get("machine", {})}
    return {"machine": run, "command": command_line or command(), **rest}


def header(record: dict[str, Any]) -> str:
    """One line: code version, date, machine and command of a stamped record."""
    m = record["machine"]
    described = ", ".join(
        str(part)
        for part in (
            m.get("platform"),
            m.get("gpu"),
            m.get("cpus") and f"{m['cpus']} CPUs",
            m.get("python") and f"Python {m['python']}",
        )
        if part
    )
    return (
        f"{HEADER}code {m['code_version']}, {m['date']}, {described or 'machine not recorded'}; "
        f"command: `{record['command']}`."
    )


def with_header(markdown: str, record: dict[str, Any]) -> str:
    """The markdown with the record's header line under its title (or on top)."""
    first, _, rest = markdown.strip().partition("\n")
    if first.startswith("# "):
        return f"{first}\n\n{header(record)}\n\n{rest.lstrip()}".rstrip() + "\n"
    return f"{header(record)}\n\n{markdown.strip()}\n"


def merge_refusal(versions: dict[str, str]) -> str | None:
    """Why rows from these sources (name -> code version) may not share one table, or None.

    Only rows of one committed code version merge: '+changes' (uncommitted changes under src/)
    cannot be compared, so it never merges.
    """
    distinct = sorted(set(versions.values()))
    if len(distinct) == 1 and not distinct[0].endswith(("+changes", "unknown")):
        return None
    listed = ", ".join(f"{name}: {version}" for name, version in versions.items())
    return (
        f"a table never merges rows from different code versions ({listed}); rerun every "
        "row with one command on committed code"
    )


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)
