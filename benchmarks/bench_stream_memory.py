"""Streaming memory (issue 26): resident memory of `simulacra sample -n N -o out.parquet` over
the run, for every table model, so that "memory is bounded by a chunk, not by N" is measured
rather than assumed.

Each model is fitted once on bench_realism's diamonds training rows (neural ones within
`--budget` seconds; the ensemble within twice that) and saved; `sample` runs in a process of
its own, one thread, writing Parquet, and its resident set is read from /proc every 0.25 s
(Linux). A level run has the largest resident size of its second half within `GROWTH_MIB` of
its first half's (a sample that grew with N would keep climbing); the peak is the process's
high-water mark. N is `ROWS[model]`: 10,000,000, fewer for the slow samplers (the time a run
takes on one thread).

    .venv/bin/python benchmarks/bench_stream_memory.py [--models copula,tvae] [--scale 0.1]
    .venv/bin/python benchmarks/bench_stream_memory.py --models autoregressive,ddpm \
        --rows 10000000 --name stream_memory_10m
Writes results/stream_memory/stream_memory.json and .md (or `--name`'s: `--rows` gives every
model the same N).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import simulacra
from bench_realism import load
from common import process_memory, table, write_results

SEED = 0
ROWS = {
    "copula": 10_000_000,
    "tvae": 10_000_000,
    "ctgan": 10_000_000,
    "autoregressive": 4_000_000,
    "ddpm": 2_000_000,
    "ensemble": 500_000,
}
GROWTH_MIB = 64.0
POLL_SECONDS = 0.25


def sample_memory(model: Path, rows: int, out: Path) -> dict[str, float]:
    """Seconds, peak MiB, and the largest resident MiB in each half of one `simulacra sample`
    process's run."""
    cli = str(Path(sys.executable).with_name("simulacra"))
    args = [cli, "-q", "sample", str(model), "-n", str(rows), "-o", str(out), "--seed", "1"]
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    status = Path(f"/proc/{process.pid}/status")
    seen: list[tuple[float, float]] = []
    peak = 0.0
    while process.poll() is None:
        memory = process_memory(status)
        if memory is not None:
            seen.append((time.perf_counter() - started, memory[0]))
            peak = max(peak, memory[1])
        time.sleep(POLL_SECONDS)
    if process.wait() != 0:
        raise RuntimeError(f"simulacra sample failed: {' '.join(args)}")
    seconds = time.perf_counter() - started
    first = max((r for t, r in seen if t < seconds / 2), default=0.0)
    second = max((r for t, r in seen if t >= seconds / 2), default=0.0)
    return {"rows": rows, "seconds": seconds, "peak_mib": peak, "first_half_mib": first,
            "second_half_mib": second, "file_mib": out.stat().st_size / 2**20}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(ROWS))
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every N")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per neural fit")
    parser.add_argument("--rows", type=int, default=None, help="one N for every model")
    parser.add_argument("--name", default="stream_memory", help="results file name")
    args = parser.parse_args()
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = "1"
    train, _, _ = load("diamonds", False)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in args.models.split(","):
            params: dict[str, Any] = {"seed": SEED, "verbose": False}
            if name != "copula":
                params["time_budget"] = args.budget * (2 if name == "ensemble" else 1)
            print(f"[{name}] fitting", file=sys.stderr, flush=True)
            path = work / f"{name}.simulacra"
            simulacra.Synthesizer(name, **params).fit(train).save(path)
            out = work / f"{name}.parquet"
            count = args.rows if args.rows else int(ROWS[name] * args.scale)
            result = {"model": name, **sample_memory(path, count, out)}
            out.unlink()
            result["level"] = result["second_half_mib"] <= result["first_half_mib"] + GROWTH_MIB
            print(f"[{name}] {result}", file=sys.stderr, flush=True)
            rows.append(result)
    data = {"seed": SEED, "growth_mib": GROWTH_MIB, "budget": args.budget, "rows": rows}
    data["same_rows"] = args.rows
    write_results(args.name, data, markdown(data), folder="stream_memory")


def markdown(data: dict[str, Any]) -> str:
    body = [
        [
            r["model"],
            f"{r['rows']:,}",
            f"{r['seconds']:,.0f}",
            f"{r['rows'] / r['seconds']:,.0f}",
            f"{r['first_half_mib']:,.0f}",
            f"{r['second_half_mib']:,.0f}",
            f"{r['peak_mib']:,.0f}",
            f"{r['file_mib']:,.0f}",
            "yes" if r["level"] else "**no**",
        ]
        for r in data["rows"]
    ]
    headers = ["model", "rows", "seconds", "rows/s", "max MiB, 1st half", "max MiB, 2nd half",
               "peak MiB", "file MiB", "level"]  # fmt: skip
    return "\n".join([
        "# Streaming memory: resident memory of `simulacra sample` over a long run",
        "",
        "Diamonds (bench_realism's training rows); each sample in its own process, one thread, "
        "Parquet out, its resident set read every 0.25 s. 'level': the largest resident size "
        f"of the run's second half within {data['growth_mib']:.0f} MiB of its first half's; "
        "peak: the process's high-water mark. Neural fits within "
        f"{data['budget']:.0f} s (the ensemble {2 * data['budget']:.0f} s); "
        + (f"{data['same_rows']:,} rows for every model." if data.get("same_rows")
           else "fewer rows for the slow samplers (rows/s on one thread)."),
        "",
        table(headers, body),
        "",
    ])  # fmt: skip


if __name__ == "__main__":
    main()
