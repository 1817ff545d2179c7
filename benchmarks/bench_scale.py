"""Scale on Dask: partitioned sampling and fitting from summaries on a LocalCluster.

    python benchmarks/bench_scale.py [--sample-rows 100000000] [--one-worker-rows 20000000]
                                     [--fit-rows 20000000] [--steps 2000]

1. Fitting: a `--fit-rows` dataset made with `write_generated` (`simulacra generate
   --engine dask`) in 500,000-row files, fitted on 2 workers whose memory limits add up to
   less than the table: the copula from summaries (`GaussianCopula.fit_dask`), the
   autoregressive network from streamed minibatches for `--steps` steps; wall time, peak
   memory of the workers and of the client, and each model against a local fit on a
   1,000,000-row sample (KS between their samples and against the data, correlations).
2. Sampling: a copula of 10 numeric columns (fitted on `paper-regression`) sampled to a
   partitioned Parquet folder on a LocalCluster of 2 workers with a 1 GiB memory limit each
   (`--sample-rows`), then on 1 worker (`--one-worker-rows`): rows/s and the peak resident
   memory of each worker.

Results: results/scale/scale.json and .md.
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
FIT_PARTITION_ROWS = 500_000
LOCAL_ROWS = 1_000_000
AR_STEPS = 2_000
AR_PARAMS = {"batch_size": 500, "hidden_dims": (256, 256), "seed": 0}


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


@contextmanager
def peak_memory(client: Any, every: float = 0.25) -> Iterator[dict[str, int]]:
    """The highest resident memory seen per worker (and "client": this process) while the
    block runs (polled)."""
    peaks: dict[str, int] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                for worker, rss in client.run(_rss).items():
                    peaks[worker] = max(peaks.get(worker, 0), rss)
                peaks["client"] = max(peaks.get("client", 0), _rss())
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


def _warm(client: Any, models: bool = True) -> None:
    """Import the code every worker runs, so timings leave out start-up (fitting workers
    only summarise and encode: they never import the models, nor PyTorch)."""

    def imports() -> None:
        import simulacra.scale.streaming  # noqa: F401

        if models:
            import simulacra.synthesizers  # noqa: F401

    client.run(imports)


def bench_sampling(
    model: Path, rows: int, one_worker_rows: int, workdir: Path
) -> list[dict[str, Any]]:
    from simulacra.scale.cluster import dask_client
    from simulacra.scale.sampling import write_sample

    out = []
    for workers, n in ((2, rows), (1, one_worker_rows)):
        with dask_client(workers=workers, memory_limit=GIB) as client:
            _warm(client)
            target = workdir / f"sample_{workers}"
            with peak_memory(client) as peaks:
                started = time.perf_counter()
                plan = write_sample(client, model, n, target, seed=0)
                seconds = time.perf_counter() - started
            size = sum(p.stat().st_size for p in target.iterdir())
            shutil.rmtree(target)
        out.append(
            {
                "workers": workers,
                "rows": n,
                "partitions": len(plan.bounds),
                "seconds": round(seconds, 2),
                "rows_per_s": round(n / seconds),
                "peak_worker_mib": round(max(v for k, v in peaks.items() if k != "client") / 2**20),
                "parquet_mib": round(size / 2**20),
            }
        )
        print(out[-1], flush=True)
    return out


def bench_fitting(rows: int, steps: int, workdir: Path) -> dict[str, Any]:
    """Generate `rows` rows, then fit the copula (summaries) and the autoregressive network
    (`steps` streamed minibatch steps) on them, each against a local fit on 1,000,000 rows."""
    from simulacra.scale.cluster import dask_client
    from simulacra.scale.generating import write_generated

    data = workdir / "fit_data"
    # 500,000-row partitions: a worker holds one, and its encoding, well inside its limit
    partitions = max(1, -(-rows // FIT_PARTITION_ROWS))
    with dask_client(workers=2, memory_limit=FIT_WORKER_LIMIT) as client:
        started = time.perf_counter()
        write_generated(client, "paper-regression", rows, data, seed=1, partitions=partitions)
        generated = time.perf_counter() - started
    files = sorted(data.glob("part-*.parquet"))
    local_rows = min(LOCAL_ROWS, rows)
    sample = pd.concat([pd.read_parquet(f) for f in files[: -(-local_rows // FIT_PARTITION_ROWS)]])
    sample = sample.iloc[:local_rows].reset_index(drop=True)
    table_bytes = rows * sample.shape[1] * 8  # float64 columns in memory
    common = {
        "rows": rows,
        "partitions": len(files),
        "table_mib_in_memory": round(table_bytes / 2**20),
        "worker_limit_mib": round(FIT_WORKER_LIMIT / 2**20),
        "table_exceeds_cluster_memory": table_bytes > 2 * FIT_WORKER_LIMIT,
        "generate_seconds": round(generated, 2),
        "local_fit_rows": len(sample),
    }
    out = {
        "copula": {**common, **_fit_one("copula", {}, None, data, sample)},
        "autoregressive": {
            **common,
            "steps": steps,
            **_fit_one("autoregressive", AR_PARAMS, steps, data, sample),
        },
    }
    shutil.rmtree(data)
    return out


def _fit_one(
    name: str, params: dict[str, Any], steps: int | None, data: Path, sample: pd.DataFrame
) -> dict[str, Any]:
    """Fit `name` on the dataset on Dask and locally on `sample`; times, memory, quality."""
    from simulacra import Synthesizer
    from simulacra.scale.cluster import dask_client
    from simulacra.scale.fitting import fit_dask, read_parquet_glob

    with dask_client(workers=2, memory_limit=FIT_WORKER_LIMIT) as client:
        _warm(client, models=False)
        before = _rss()  # this process also holds the comparison sample and earlier models
        with peak_memory(client) as peaks:
            started = time.perf_counter()
            frame = read_parquet_glob(str(data / "part-*.parquet"))
            dist = Synthesizer(name, verbose=False, **params)
            fit_dask(dist, frame, steps=steps)
            seconds = time.perf_counter() - started
    local_params = dict(params)
    if steps is not None:  # about the same number of minibatch steps, as epochs of the sample
        local_params["epochs"] = max(1, round(steps * params["batch_size"] / len(sample)))
    local = Synthesizer(name, verbose=False, **local_params)
    started = time.perf_counter()
    local.fit(sample)
    local_seconds = time.perf_counter() - started
    a, b = dist.sample(100_000, seed=0), local.sample(100_000, seed=0)
    truth = sample.sample(100_000, random_state=0)
    ks = [float(ks_2samp(a[c], b[c]).statistic) for c in a.columns]
    ks_real = [float(ks_2samp(a[c], truth[c]).statistic) for c in a.columns]
    ks_local_real = [float(ks_2samp(b[c], truth[c]).statistic) for c in a.columns]
    corr = truth.corr().to_numpy()
    result = {
        "fit_seconds": round(seconds, 2),
        "fit_rows_per_s": round(dist.fit_info_["rows"] / seconds),
        "peak_worker_mib": round(max(v for k, v in peaks.items() if k != "client") / 2**20),
        "peak_client_mib": round(peaks["client"] / 2**20),
        "client_mib_before_fit": round(before / 2**20),
        "local_fit_seconds": round(local_seconds, 2),
        "mean_ks_between_samples": round(float(np.mean(ks)), 4),
        "mean_ks_dask_vs_data": round(float(np.mean(ks_real)), 4),
        "mean_ks_local_vs_data": round(float(np.mean(ks_local_real)), 4),
        "max_abs_corr_diff_dask_vs_data": round(float(np.abs(a.corr().to_numpy() - corr).max()), 4),
        "max_abs_corr_diff_local_vs_data": round(
            float(np.abs(b.corr().to_numpy() - corr).max()), 4
        ),
    }
    print(name, result, flush=True)
    return result


def copula_model(path: Path) -> Path:
    from simulacra import Synthesizer, generate

    frame = generate("paper-regression", 20_000, seed=0).drop(columns=["y"])
    Synthesizer("copula", verbose=False).fit(frame).save(path)
    return path


MULTI_MACHINE = """## Multi-machine clusters

The same commands run on any Dask cluster: start one with dask's own deployment tools
(`dask-kubernetes`' `KubeCluster` or the Dask Helm chart on Kubernetes, `dask-ssh` /
`SSHCluster` over SSH, `dask-yarn` on Hadoop) with simulacra installed in the worker image,
and pass `--scheduler tcp://HOST:8786`. The output folder must be on storage every worker
and the client can write (a shared filesystem). Size it from the per-worker costs above:
one single-threaded worker per core with 1 GiB of memory, rows/s roughly proportional to
workers for sampling and generation. A streamed neural fit trains on the client, which needs
the model plus two buffers of encoded rows (`peak client MiB` above); put the client on a
machine with a GPU if there is one (`device="cuda"`)."""


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
    c, a = f["copula"], f["autoregressive"]
    fit_rows = [
        [
            name,
            f"{m['rows']:,}",
            m["partitions"],
            m["table_mib_in_memory"],
            m["worker_limit_mib"],
            m["fit_seconds"],
            f"{m['fit_rows_per_s']:,}",
            m["peak_worker_mib"],
            f"{m['peak_client_mib']} ({m['client_mib_before_fit']})",
            m["local_fit_seconds"],
            m["mean_ks_between_samples"],
            f"{m['mean_ks_dask_vs_data']} / {m['mean_ks_local_vs_data']}",
            f"{m['max_abs_corr_diff_dask_vs_data']} / {m['max_abs_corr_diff_local_vs_data']}",
        ]
        for name, m in (("copula", c), (f"autoregressive, {a['steps']:,} steps", a))
    ]
    lines = [
        "# Scale on Dask (LocalCluster, this machine)",
        "",
        f"Machine: {result['machine']['cpus']} shared CPU cores, no GPU "
        f"({result['machine']['date']}), shared with other jobs (timings are upper bounds). "
        f"Sizes run: {s[0]['rows']:,} sampled rows on 2 workers, {s[1]['rows']:,} on 1; "
        f"{c['rows']:,} fitted rows.",
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
        "chunk plus the interpreter, whatever the number of rows.",
        "",
        "## Fitting on a dataset larger than the workers' memory",
        "",
        f"The dataset: `paper-regression` ({c['rows']:,} rows, 11 columns) written by "
        f"`generate --engine dask` in {c['generate_seconds']} s as {c['partitions']} Parquet "
        f"files. Two workers of {c['worker_limit_mib']} MiB each (the table takes "
        f"{c['table_mib_in_memory']} MiB in memory). The copula fits from per-partition "
        "summaries; the autoregressive network from summaries, then minibatches streamed "
        "partition by partition and trained on the client. Each is compared with a local fit "
        f"on the first {c['local_fit_rows']:,} rows (the autoregressive one for about the same "
        "number of steps): KS between 100,000-row samples of the two models, and of each "
        "model against the data (dask / local).",
        "",
        table(
            [
                "model",
                "rows",
                "files",
                "table MiB",
                "limit MiB/worker",
                "fit s",
                "rows/s",
                "peak MiB/worker",
                "peak client MiB (before fit)",
                "local fit s",
                "mean KS dask vs local",
                "mean KS vs data",
                "max |d corr| vs data",
            ],
            fit_rows,
        ),
        "",
        MULTI_MACHINE,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample-rows", type=int, default=100_000_000)
    parser.add_argument("--one-worker-rows", type=int, default=20_000_000)
    parser.add_argument("--fit-rows", type=int, default=20_000_000)
    parser.add_argument("--steps", type=int, default=AR_STEPS)
    parser.add_argument("--skip-sampling", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as folder:
        workdir = Path(folder)
        model = copula_model(workdir / "m.simulacra")
        fitting = bench_fitting(args.fit_rows, args.steps, workdir)
        sampling = bench_sampling(model, args.sample_rows, args.one_worker_rows, workdir)
        result = {"machine": machine(), "sampling": sampling, "fitting": fitting}
    write_results("scale", result, markdown(result))


if __name__ == "__main__":
    main()
