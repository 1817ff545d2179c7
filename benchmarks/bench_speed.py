"""Speed (issue 26): fit seconds, sampling rows/s and peak memory of our models and TabularARGN,
with each model's C2ST, in one run on the same machine and tables.

For each table (bench_realism's: diamonds and wa_churn, 80% train, shuffled with seed 0) each
model runs in a process of its own (so its peak resident memory is its own) on one thread:
- copula, autoregressive and ddpm fit the training rows (the neural ones within
  `--budget` seconds, their `time_budget`) and sample `--rows` rows; rows/s is rows over the
  `sample` call's seconds;
- ddpm_10, ddpm_12, ddpm_15, ddpm_50: that ddpm model (its file) sampling with 10, 12, 15 or
  50 steps instead of its default, for the target "within 0.02 C2ST of 50 steps at
  TabularARGN's rows/s";
- distilled: `simulacra.synthesizers.distil.distil` of that ddpm model (its file), the
  autoregressive student fitted on `STUDENT_ROWS` rows the teacher samples within the same
  budget; its fit seconds include the teacher's sampling, shown apart;
- TabularARGN (mostlyai-engine under $MOSTLYAI_PYTHON, mostlyai_runner.py; skipped with the
  reason when absent) with the engine's training-time cap at the budget, sampling `--rows`.
C2ST (bench_realism's: 5-fold gradient boosting AUC) of `C2ST_ROWS` synthetic rows against as
many training rows, the mean over `C2ST_SLICES` disjoint slices of the sample (one slice's
C2ST moves by about 0.01 from one sample to the next: too much for a target of 0.02), column
shapes and pair trends (bench_realism's `fidelity`, on the first slice), and the holdout
floor. The student's C2ST is shown beside its teacher's.

    .venv/bin/python benchmarks/bench_speed.py [--tables diamonds] [--budget 90] [--rows 100000]
Writes results/speed/speed.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

import simulacra
from bench_realism import c2st, fidelity, holdout_floor, load, peer_status
from common import own_peak_mib, run_measured, table, write_results
from simulacra.evaluation.prepare import prepare
from simulacra.synthesizers.distil import distil

SEED = 0
TABLES = ["diamonds", "wa_churn"]
# the fitted ddpm, sampled with other steps
STEPS = {"ddpm_10": 10, "ddpm_12": 12, "ddpm_15": 15, "ddpm_50": 50}
MODELS = ["copula", "autoregressive", "ddpm", *STEPS, "distilled", "mostlyai_tabularargn"]
STUDENT_ROWS = 20_000
C2ST_ROWS = 5_000
C2ST_SLICES = 3
HERE = Path(__file__).parent


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_one(name: str, model: str, work: Path, budget: float, rows: int) -> dict[str, Any]:
    """Fit and sample one model on one table in this process; its timings, and the first
    `C2ST_SLICES` x `C2ST_ROWS` rows of its sample written to work/<model>.parquet."""
    import torch

    torch.set_num_threads(1)
    train = pd.read_parquet(work / "train.parquet")
    result: dict[str, Any] = {}
    started = time.perf_counter()
    if model == "distilled":
        teacher = simulacra.Synthesizer.load(work / "ddpm.simulacra")
        started = time.perf_counter()  # the teacher's sampling and the student's fit
        syn = distil(teacher, rows=STUDENT_ROWS, seed=SEED, time_budget=budget)
        result["fit_seconds"] = time.perf_counter() - started
        result["student_fit_seconds"] = syn.fit_info_["seconds"]
    elif model in STEPS:
        syn = simulacra.Synthesizer.load(work / "ddpm.simulacra")
        syn.sampling_steps = STEPS[model]
        result["fit_seconds"] = float("nan")  # ddpm's fit
    else:
        params = {"time_budget": budget} if model != "copula" else {}
        syn = simulacra.Synthesizer(model, seed=SEED, verbose=False, **params).fit(train)
        result["fit_seconds"] = time.perf_counter() - started
        if model == "ddpm":
            syn.save(work / "ddpm.simulacra")
    started = time.perf_counter()
    synth = syn.sample(rows, seed=SEED + 1)
    result["sample_seconds"] = time.perf_counter() - started
    result["sample_rows"] = rows
    synth.head(C2ST_SLICES * C2ST_ROWS).to_parquet(work / f"{model}.parquet", index=False)
    return result


def run_peer(python: str, work: Path, budget: float, rows: int) -> tuple[dict[str, Any], float]:
    out = work / "mostlyai_tabularargn.parquet"
    command = [
        python, str(HERE / "mostlyai_runner.py"), "--data", str(work / "train.parquet"),
        "--rows", str(rows), "--out", str(out), "--seed", str(SEED), "--threads", "1",
        "--max-training-time", str(budget / 60),
    ]  # fmt: skip
    _, peak, output = run_measured(command)
    peer = json.loads(output.strip().splitlines()[-1])
    pd.read_parquet(out).head(C2ST_SLICES * C2ST_ROWS).to_parquet(out, index=False)
    return {"fit_seconds": peer["fit_s"], "sample_seconds": peer["sample_s"],
            "sample_rows": rows, "version": peer["version"]}, peak  # fmt: skip


def child(args: argparse.Namespace) -> None:
    """`--one TABLE MODEL WORK`: one model in this process; prints its JSON with peak memory."""
    name, model, work = args.one
    if model == "mostlyai_tabularargn":
        result, peak = run_peer(args.python, Path(work), args.budget, args.rows)
    else:
        result = run_one(name, model, Path(work), args.budget, args.rows)
        peak = own_peak_mib()
    print(json.dumps({**result, "peak_rss_mib": peak}))


def bench_table(name: str, models: list[str], peer: str | None, args: argparse.Namespace):
    train, test, _ = load(name, False)
    metadata = simulacra.Metadata.infer(train)
    info = {"train_rows": len(train), "columns": train.shape[1]}
    info["floor_auc"] = holdout_floor(train.head(C2ST_ROWS), test, metadata)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        train.to_parquet(work / "train.parquet", index=False)
        for model in models:
            if model == "mostlyai_tabularargn" and peer is None:
                continue
            progress(f"[{name}] {model}: fitting and sampling")
            command = [sys.executable, __file__, "--one", name, model, str(work),
                       "--budget", str(args.budget), "--rows", str(args.rows),
                       "--python", peer or ""]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no message"])[-1]
                rows.append({"table": name, "model": model, "error": last})
                progress(f"[{name}] {model}: failed: {last}")
                continue
            row = {"table": name, "model": model, **json.loads(done.stdout.splitlines()[-1])}
            row["rows_per_second"] = row["sample_rows"] / row["sample_seconds"]
            synth = pd.read_parquet(work / f"{model}.parquet")
            slices = []
            for k in range(C2ST_SLICES):
                part = synth.iloc[k * C2ST_ROWS : (k + 1) * C2ST_ROWS]
                tables = prepare(train, part, metadata)
                slices.append(c2st(tables.real, tables.synthetic, tables.categorical))
                if k == 0:
                    row |= fidelity(tables)
            row["c2st_slices"] = slices
            row["c2st_auc"] = sum(slices) / len(slices)
            progress(
                f"[{name}] {model}: fit {row['fit_seconds']:.1f} s, "
                f"{row['rows_per_second']:,.0f} rows/s, peak {row['peak_rss_mib']:,.0f} MiB, "
                f"C2ST {row['c2st_auc']:.3f}"
            )
            rows.append(row)
    return info, rows


def markdown(data: dict[str, Any]) -> str:
    lines = [
        "# Speed: fit, sampling and memory",
        "",
        f"One thread per model, each in its own process; neural fits within {data['budget']:.0f} s "
        f"(`time_budget`; TabularARGN: its training-time cap); sampling {data['sample_rows']:,} "
        f"rows (ddpm: {data.get('ddpm_steps', '50 DDIM')} steps; ddpm_K: the same model with K "
        "steps, fit as ddpm's); the distilled student is the autoregressive network "
        f"fitted on {STUDENT_ROWS:,} rows sampled from that ddpm model (fit seconds include "
        f"the teacher's sampling). C2ST: {C2ST_ROWS:,} synthetic rows against as many training "
        f"rows (0.5 = indistinguishable), the mean over {C2ST_SLICES} disjoint slices of the "
        "sample, beside the holdout floor.",
        "",
        f"TabularARGN: {data['peer']}.",
    ]
    for name, info in data["tables"].items():
        lines += ["", f"## {name} ({info['train_rows']:,} training rows, {info['columns']} "
                  f"columns; holdout floor C2ST {info['floor_auc']:.3f})", ""]  # fmt: skip
        body = []
        for row in (r for r in data["rows"] if r["table"] == name):
            if "error" in row:
                body.append([row["model"], "failed", row["error"], "", "", "", ""])
                continue
            fit = "(ddpm's)" if row["model"] in STEPS else f"{row['fit_seconds']:.1f}"
            body.append([
                row["model"], fit, f"{row['rows_per_second']:,.0f}",
                f"{row['peak_rss_mib']:,.0f}", f"{row['c2st_auc']:.3f}",
                f"{row['column_shapes']:.3f}", f"{row['column_pair_trends']:.3f}",
            ])  # fmt: skip
        headers = ["model", "fit s", "rows/s", "peak MiB", "C2ST", "shapes", "pairs"]
        lines.append(table(headers, body))
        by_model = {r["model"]: r for r in data["rows"] if r["table"] == name and "error" not in r}
        if "distilled" in by_model and "ddpm" in by_model:
            s, t = by_model["distilled"], by_model["ddpm"]
            lines += ["", f"Student vs teacher: C2ST {s['c2st_auc']:.3f} vs {t['c2st_auc']:.3f} "
                      f"({s['c2st_auc'] - t['c2st_auc']:+.3f}), sampling "
                      f"{s['rows_per_second'] / t['rows_per_second']:,.0f}x the teacher's rows/s; "
                      f"the student's {s['fit_seconds']:.1f} s: {s['student_fit_seconds']:.1f} s "
                      "of fitting, the rest the teacher sampling."]  # fmt: skip
        lines += _steps_target(by_model)
    return "\n".join(lines) + "\n"


def _steps_target(by_model: dict[str, dict[str, Any]]) -> list[str]:
    """The fewest ddpm steps within 0.02 C2ST of its 50 steps, its rows/s against
    TabularARGN's."""
    if "ddpm_50" not in by_model or "mostlyai_tabularargn" not in by_model:
        return []
    reference = by_model["ddpm_50"]["c2st_auc"]
    peer = by_model["mostlyai_tabularargn"]["rows_per_second"]
    close = [m for m in (*STEPS, "ddpm") if m in by_model and m != "ddpm_50"
             and by_model[m]["c2st_auc"] <= reference + 0.02]  # fmt: skip
    if not close:
        return ["", f"No ddpm row within 0.02 of its 50-step C2ST ({reference:.3f})."]
    row = max((by_model[m] for m in close), key=lambda r: r["rows_per_second"])

    def each(r: dict[str, Any]) -> str:
        return ", ".join(f"{v:.3f}" for v in r.get("c2st_slices", []))

    return ["", f"Fastest ddpm within 0.02 of its 50-step C2ST ({reference:.3f}; slices "
            f"{each(by_model['ddpm_50'])}): {row['model']} at C2ST {row['c2st_auc']:.3f} "
            f"(slices {each(row)}), {row['rows_per_second']:,.0f} rows/s, "
            f"**{row['rows_per_second'] / peer:.2f}x** TabularARGN's (target: >= 1x)."]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--budget", type=float, default=90.0, help="seconds per neural fit")
    parser.add_argument("--rows", type=int, default=100_000, help="rows sampled per model")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--python", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = "1"
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    if args.one:
        child(args)
        return
    models = args.models.split(",")
    python, status = peer_status("mostlyai_tabularargn")
    progress(f"TabularARGN: {status if python else 'skipped, ' + status}")
    started = time.perf_counter()
    data: dict[str, Any] = {
        "seed": SEED,
        "budget": args.budget,
        "sample_rows": args.rows,
        "ddpm_steps": "{0.sampling_steps} {0.sampler}".format(simulacra.Synthesizer("ddpm")),
        "student_rows": STUDENT_ROWS,
        "c2st_rows": C2ST_ROWS,
        "c2st_slices": C2ST_SLICES,
        "peer": status if python else "skipped, " + status,
        "tables": {},
        "rows": [],
    }
    for name in args.tables.split(","):
        info, rows = bench_table(name, models, python, args)
        data["tables"][name] = info
        data["rows"] += rows
    data["seconds"] = time.perf_counter() - started
    write_results("speed", data, markdown(data))


if __name__ == "__main__":
    main()
