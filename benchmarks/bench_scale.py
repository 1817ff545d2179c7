"""Scale on Dask: partitioned sampling and fitting from summaries on a LocalCluster.

    python benchmarks/bench_scale.py [--sample-rows 100000000] [--fit-rows 20000000]

1. Sampling: a copula of 10 numeric columns (fitted on `paper-regression`) sampled to a
   partitioned Parquet folder on a LocalCluster of 2 workers with a 1 GiB memory limit each,
   then on 1 worker: rows/s and the peak resident memory of each worker.
2. Fitting: a `--fit-rows` dataset made with `write_generated` (`simulacra generate
   --engine dask`), fitted by `GaussianCopula.fit_dask` on workers whose memory limits add up
   to less than the table; wall time, peak memory, and the model against a local fit on a
   1,000,000-row sample (correlations, means, and per-column KS between their samples).

Results: results/scale.json and results/scale.md.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from common import machine, table, write_results

GIB = 1 << 30
FIT_WORKER_LIMIT = 512 << 20  # a worker's baseline (Python, pandas, arrow) is ~250 MiB


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


@contextmanager
def peak_memory(client: Any, every: float = 0.25) -> Iterator[dict[str, int]]:
    """The highest resident memory seen per worker while the block runs (polled)."""
    peaks: dict[str, int] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                for worker, rss in client.run(_rss).items():
                    peaks[worker] = max(peaks.get(worker, 0), rss)
            except Exception:  # noqa: BLE001 - a worker restarting mid-poll
                pass
            stop.wait(every)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield peaks
    finally:
        stop.set()
        thread.join()


def _warm(client: Any) -> None:
    """Import the model code on every worker, so timings leave out start-up."""

    def imports() -> None:
        import simulacra.synthesizers  # noqa: F401

    client.run(imports)


def bench_sampling(model: Path, rows: int, workdir: Path) -> list[dict[str, Any]]:
    from simulacra.scale.cluster import dask_client
    from simulacra.scale.sampling import write_sample

    out = []
    for workers in (2, 1):
        with dask_client(workers=workers, memory_limit=GIB) as client:
            _warm(client)
            target = workdir / f"sample_{workers}"
            with peak_memory(client) as peaks:
                started = time.perf_counter()
                plan = write_sample(client, model, rows, target, seed=0)
                seconds = time.perf_counter() - started
            size = sum(p.stat().st_size for p in target.iterdir())
            shutil.rmtree(target)
        out.append(
            {
                "workers": workers,
                "rows": rows,
                "partitions": len(plan.bounds),
                "seconds": round(seconds, 2),
                "rows_per_s": round(rows / seconds),
                "peak_worker_mib": round(max(peaks.values()) / 2**20),
                "parquet_mib": round(size / 2**20),
            }
        )
        print(out[-1], flush=True)
    return out


def bench_fitting(rows: int, workdir: Path) -> dict[str, Any]:
    from simulacra import Synthesizer
    from simulacra.scale.cluster import dask_client
    from simulacra.scale.fitting import read_parquet_glob
    from simulacra.scale.generating import write_generated

    data = workdir / "fit_data"
    table_bytes = rows * 11 * 8  # 11 float64 columns in memory
    limit = FIT_WORKER_LIMIT  # two such workers hold less than the table at 13,000,000+ rows
    with dask_client(workers=2, memory_limit=limit) as client:
        started = time.perf_counter()
        write_generated(client, "paper-regression", rows, data, seed=1)
        generated = time.perf_counter() - started
        with peak_memory(client) as peaks:
            started = time.perf_counter()
            frame = read_parquet_glob(str(data / "part-*.parquet"))
            dist = Synthesizer("copula", verbose=False).fit_dask(frame)
            seconds = time.perf_counter() - started
    sample = pd.read_parquet(data / "part-00000.parquet")
    sample = sample.iloc[: min(1_000_000, len(sample))]
    started = time.perf_counter()
    local = Synthesizer("copula", verbose=False).fit(sample)
    local_seconds = time.perf_counter() - started
    a, b = dist.sample(100_000, seed=0), local.sample(100_000, seed=0)
    ks = {c: float(ks_2samp(a[c], b[c]).statistic) for c in a.columns}
    shutil.rmtree(data)
    return {
        "rows": rows,
        "table_mib_in_memory": round(table_bytes / 2**20),
        "worker_limit_mib": round(limit / 2**20),
        "table_exceeds_cluster_memory": table_bytes > 2 * limit,
        "generate_seconds": round(generated, 2),
        "fit_seconds": round(seconds, 2),
        "fit_rows_per_s": round(rows / seconds),
        "peak_worker_mib": round(max(peaks.values()) / 2**20),
        "local_fit_rows": len(sample),
        "local_fit_seconds": round(local_seconds, 2),
        "max_abs_correlation_diff": float(np.abs(dist.correlation_ - local.correlation_).max()),
        "max_abs_mean_diff": float(np.abs(dist.means_ - local.means_).max()),
        "mean_ks_between_samples": float(np.mean(list(ks.values()))),
    }


def copula_model(path: Path) -> Path:
    from simulacra import Synthesizer, generate

    frame = generate("paper-regression", 20_000, seed=0).drop(columns=["y"])
    Synthesizer("copula", verbose=False).fit(frame).save(path)
    return path


def markdown(result: dict[str, Any]) -> str:
    s, f = result["sampling"], result["fitting"]
    rows = [
        [
            r["workers"],
            f"{r['rows']:,}",
            r["partitions"],
            r["seconds"],
            f"{r['rows_per_s']:,}",
            r["peak_worker_mib"],
            r["parquet_mib"],
        ]
        for r in s
    ]
    speedup = s[0]["rows_per_s"] / s[1]["rows_per_s"]
    per_row_us = 1e6 / s[1]["rows_per_s"]
    lines = [
        "# Scale on Dask (LocalCluster, this machine)",
        "",
        f"Machine: {result['machine']['cpus']} shared CPU cores, no GPU "
        f"({result['machine']['date']}). Sizes run: {s[0]['rows']:,} sampled rows, "
        f"{f['rows']:,} fitted rows (the issue asks for 100,000,000 and 20,000,000; see "
        "'Extrapolation').",
        "",
        "## Sampling: copula of 10 numeric columns to partitioned Parquet, 1 GiB per worker",
        "",
        table(
            ["workers", "rows", "files", "seconds", "rows/s", "peak MiB/worker", "MiB on disk"],
            rows,
        ),
        "",
        f"2 workers vs 1: {speedup:.2f}x rows/s. One worker costs {per_row_us:.2f} us per row "
        "(sampling, decoding and Parquet writing); memory stays bounded by one 100,000-row "
        "chunk plus the interpreter and PyTorch, whatever the number of rows.",
        "",
        "## Fitting the copula from summaries, workers' memory below the table",
        "",
        table(
            [
                "rows",
                "table MiB",
                "limit MiB/worker",
                "fit s",
                "rows/s",
                "peak MiB/worker",
                "max |d corr|",
                "max |d mean|",
                "mean KS",
            ],
            [
                [
                    f"{f['rows']:,}",
                    f["table_mib_in_memory"],
                    f["worker_limit_mib"],
                    f["fit_seconds"],
                    f"{f['fit_rows_per_s']:,}",
                    f["peak_worker_mib"],
                    f["max_abs_correlation_diff"],
                    f["max_abs_mean_diff"],
                    f["mean_ks_between_samples"],
                ]
            ],
        ),
        "",
        f"Against a local fit on {f['local_fit_rows']:,} rows ({f['local_fit_seconds']} s): "
        "differences in the correlation of normal scores and KS between 100,000-row samples "
        "of the two models.",
        "",
        "## Extrapolation",
        "",
        f"At the measured 2-worker rate, 100,000,000 rows take about "
        f"{1e8 / s[0]['rows_per_s'] / 60:.0f} min here; fitting 20,000,000 rows about "
        f"{2e7 / f['fit_rows_per_s'] / 60:.1f} min. Both scale with workers (partitions are "
        "independent; the fit's reductions are trees of small summaries).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample-rows", type=int, default=100_000_000)
    parser.add_argument("--fit-rows", type=int, default=20_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as folder:
        workdir = Path(folder)
        model = copula_model(workdir / "m.simulacra")
        result = {
            "machine": machine(),
            "sampling": bench_sampling(model, args.sample_rows, workdir),
            "fitting": bench_fitting(args.fit_rows, workdir),
        }
    write_results("scale", result, markdown(result))


if __name__ == "__main__":
    main()
