"""Helpers shared by the benchmark scripts: timing, result files, machine description."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulacra.io import atomic_path

RESULTS = Path(__file__).parent / "results"


def timed(fn: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    """Median wall time of `repeats` calls of `fn`, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "code_version": code_version(),
    }


def code_version() -> str:
    """The git commit the benchmark ran on (with '+changes' when the tree differs from it)."""
    import subprocess

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


def write_results(name: str, data: dict[str, Any], markdown: str) -> None:
    """Write results/<name>.json and results/<name>.md (atomically) and print the markdown."""
    with atomic_path(RESULTS / f"{name}.json") as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    with atomic_path(RESULTS / f"{name}.md") as tmp:
        tmp.write_text(markdown.rstrip() + "\n")
    print(markdown)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)
