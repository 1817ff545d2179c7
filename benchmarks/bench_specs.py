"""Generation throughput of specifications, and the wall time of `simulacra reproduce paper`.

Run: .venv/bin/python benchmarks/bench_specs.py [--skip-reproduce]
Writes benchmarks/results/specs/specs.json and specs.md (medians of 3 runs).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import simulacra
from common import machine, write_results

MIXED = {
    "name": "mixed",
    "columns": {
        "id": {"pattern": "CU{8 digits}"},
        "age": {"distribution": "normal", "mean": 40, "sd": 12, "min": 18, "max": 90, "round": 0},
        "income": {"distribution": "lognormal", "mean": 10.5, "sigma": 0.5, "round": 2},
        "visits": {"distribution": "poisson", "lam": 3},
        "plan": {"categories": {"basic": 0.6, "pro": 0.3, "enterprise": 0.1}, "missing": 0.05},
        "active": {"type": "boolean", "p": 0.8},
        "signup": {"type": "date", "start": "2020-01-01", "end": "2024-12-31"},
        "spend": {
            "formula": "0.002 * income + where(plan == 'pro', 50, 0) + normal(0, 10)",
            "min": 0,
            "round": 2,
        },
        "churn": {"formula": "spend < 100 and age < 30"},
        "name": {"provider": "name", "pool": 5000},
        "note": {"provider": "sentence", "words": 6},
        "summary": {"template": "{name} ({age}) on {plan} since {signup:%Y}"},
    },
}
CASES = [
    ("paper-regression (11 numeric columns)", "paper-regression", 1_000_000),
    ("mixed 12 columns (ids, dates, formulas, Faker, templates)", MIXED, 1_000_000),
    ("user-stories (59 columns)", "user-stories", 100_000),
]


def measure(spec: object, rows: int, repeats: int = 3) -> dict[str, float]:
    """Median seconds to generate `rows` rows (spec parsing included) and rows per second."""
    times = []
    for seed in range(repeats):
        started = time.perf_counter()
        simulacra.generate(spec, rows, seed=seed)  # type: ignore[arg-type]
        times.append(time.perf_counter() - started)
    seconds = median(times)
    return {"rows": rows, "seconds": round(seconds, 3), "rows_per_second": round(rows / seconds)}


def reproduce_seconds() -> float:
    """Wall time of the full default `simulacra reproduce paper` command, in a subprocess."""
    exe = Path(sys.executable).with_name("simulacra")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run(
            [str(exe), "-q", "reproduce", "paper", "--out", tmp], check=True, capture_output=True
        )
        return round(time.perf_counter() - started, 1)


def main() -> None:
    info = {**machine(), "processor": platform.processor() or platform.machine()}
    results: dict[str, object] = {
        "machine": info,
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "generation": {label: measure(spec, rows) for label, spec, rows in CASES},
    }
    if "--skip-reproduce" not in sys.argv:
        results["reproduce_paper_seconds"] = reproduce_seconds()
    lines = [
        "# Specification benchmarks",
        "",
        f"Machine: {info['processor']}, {info['cpus']} cores; load average at start "
        f"{results['load_average_at_start']} (other work was running).",
        "",
        "| case | rows | median seconds | rows per second |",
        "|---|---|---|---|",
    ]
    for label, r in results["generation"].items():  # type: ignore[union-attr]
        lines.append(f"| {label} | {r['rows']:,} | {r['seconds']} | {r['rows_per_second']:,} |")
    if "reproduce_paper_seconds" in results:
        lines += [
            "",
            "`simulacra reproduce paper` (5 seeds, claim on 1 seed with every registered "
            f"synthesizer): {results['reproduce_paper_seconds']} s wall.",
        ]
    write_results("specs", results, "\n".join(lines))


if __name__ == "__main__":
    main()
