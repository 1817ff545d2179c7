"""Every benchmark script imports against the current code (a renamed function broke
bench_copula.py unnoticed: its import of cli.demo.column_scores); the runners that import a
peer's package at the top run only in that peer's environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
PEER_ONLY = {"smartnoise_runner"}  # imports snsynth: runs under SMARTNOISE_PYTHON only


def test_every_benchmark_script_imports() -> None:
    names = sorted(p.stem for p in BENCHMARKS.glob("*.py") if p.stem not in PEER_ONLY)
    assert "bench_copula" in names and len(names) > 20
    code = "import importlib\n" + "".join(f"importlib.import_module({n!r})\n" for n in names)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BENCHMARKS, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
