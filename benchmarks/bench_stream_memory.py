"""Streaming memory (issue 26): peak resident memory of `simulacra sample -n N -o out.parquet`
for every table model, at a small and a large N, so that "memory is bounded by a chunk, not by
N" is measured rather than assumed.

Each model is fitted once on bench_realism's diamonds training rows (neural ones within
`--budget` seconds; the ensemble within twice that) and saved; each `sample` runs in a process
of its own, one thread, writing Parquet; its peak is that process's maximum resident set
(`ru_maxrss` of the child). A model whose peak at the large N is within `GROWTH_MIB` of its
peak at the small N holds its memory level. The large N is `--rows` (10,000,000), or fewer for
the slow samplers (`SLOW_ROWS`: the time a run can take on one thread), said in the table.

    .venv/bin/python benchmarks/bench_stream_memory.py [--models copula,tvae] [--rows 10000000]
Writes results/stream_memory/stream_memory.json and .md.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import simulacra
from bench_realism import load
from common import table, write_results

SEED = 0
SMALL_ROWS = 100_000
MODELS = ["copula", "tvae", "ctgan", "autoregressive", "ddpm", "ensemble"]
# rows/s on one thread are far below the copula's: the large sample is capped for these
SLOW_ROWS = {"autoregressive": 2_000_000, "ddpm": 1_000_000, "ensemble": 300_000}
GROWTH_MIB = 64.0


def peak_of_sample(model: Path, rows: int, out: Path) -> tuple[float, float]:
    """Seconds and peak resident MiB of one `simulacra sample` process."""
    code = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    cli = str(Path(sys.executable).with_name("simulacra"))
    args = [cli, "-q", "sample", str(model), "-n", str(rows), "-o", str(out), "--seed", "1"]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - started
    return seconds, int(done.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per neural fit")
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
            large = min(args.rows, SLOW_ROWS.get(name, args.rows))
            result: dict[str, Any] = {"model": name}
            for label, n in (("small", SMALL_ROWS), ("large", large)):
                out = work / f"{name}-{label}.parquet"
                seconds, peak = peak_of_sample(path, n, out)
                result[label] = {"rows": n, "seconds": seconds, "peak_mib": peak,
                                 "file_mib": out.stat().st_size / 2**20}  # fmt: skip
                out.unlink()
                print(f"[{name}] {n:,} rows: {seconds:.1f} s, peak {peak:,.0f} MiB",
                      file=sys.stderr, flush=True)  # fmt: skip
            result["growth_mib"] = result["large"]["peak_mib"] - result["small"]["peak_mib"]
            result["bounded"] = result["growth_mib"] <= GROWTH_MIB
            rows.append(result)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    data = {"seed": SEED, "small_rows": SMALL_ROWS, "growth_mib": GROWTH_MIB,
            "budget": args.budget, "bench_process_peak_mib": peak, "rows": rows}  # fmt: skip
    write_results("stream_memory", data, markdown(data))


def markdown(data: dict[str, Any]) -> str:
    body = [
        [
            r["model"],
            f"{r['small']['rows']:,}",
            f"{r['small']['peak_mib']:,.0f}",
            f"{r['large']['rows']:,}",
            f"{r['large']['peak_mib']:,.0f}",
            f"{r['growth_mib']:+,.0f}",
            f"{r['large']['rows'] / r['large']['seconds']:,.0f}",
            f"{r['large']['file_mib']:,.0f}",
            "yes" if r["bounded"] else "**no**",
        ]
        for r in data["rows"]
    ]
    headers = ["model", "small N", "peak MiB", "large N", "peak MiB", "growth MiB",
               "rows/s (large)", "file MiB", "level"]  # fmt: skip
    return "\n".join([
        "# Streaming memory: peak resident memory of `simulacra sample` at two sizes",
        "",
        "Diamonds (bench_realism's training rows); each sample in its own process, one thread, "
        "Parquet out; peak = the process's maximum resident set. 'level': the large sample's "
        f"peak within {data['growth_mib']:.0f} MiB of the small one's. Neural fits within "
        f"{data['budget']:.0f} s (the ensemble {2 * data['budget']:.0f} s); the large N is "
        "capped for the slow samplers (rows/s on one thread).",
        "",
        table(headers, body),
        "",
    ])  # fmt: skip


if __name__ == "__main__":
    main()
