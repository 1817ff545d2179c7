"""`simulacra reproduce paper`: the reference paper's three experiments over several seeds.

For every experiment and seed: build the scenario's data, split, train the stated model, score.
The results sit beside the paper's reported figures, with an explanation of each difference
computed from the data-generating process (readings.py); the paper's figures are drawn from
seed 0; then the paper's claim is tested with every registered synthesizer (claim.py).
Everything is written as JSON, markdown and PNG files.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._progress import track
from ..io import atomic_path
from ..specs.scenarios import MULTICLASS_SEPARATION, REGRESSION_NOISE_SD
from . import figures, readings
from .claim import QUICK_EPOCHS, claim_jobs, claim_pool, claim_row, default_workers
from .protocol import BINARY, EXPERIMENTS, MULTICLASS, REGRESSION, TEST_SHARE, Fitted

PROTOCOL_NOTES = (
    "The paper states no train/test split; we use 80/20, stratified for classification, seeded.",
    "Experiment 1's 'learning rate 0.01 (default)' has no counterpart in scikit-learn's "
    "logistic regression: lbfgs takes no learning rate. C=1.0, L2, lbfgs, 100 iterations as "
    "stated.",
    "Experiment 2's class separation is not stated; see the scenario paper-multiclass. Features "
    "are not scaled (the paper mentions no scaling). PyTorch with nn.Linear's default init, "
    "cross-entropy loss.",
    "Experiment 3's 'Normalize: False' is scikit-learn's old default (the option was removed "
    "in 1.2); no normalisation is applied.",
    "Figure 1 is a slice of the 20-dimensional model through (x0, x1) with the other features "
    "at 0.",
)
LABELS = {
    "train_accuracy": "train accuracy",
    "test_accuracy": "test accuracy",
    "f1": "F1",
    "macro_f1": "macro F1",
    "r2": "R2",
    "mse": "MSE",
    "mae": "MAE",
}


def reproduce_paper(
    out_dir: str | Path,
    seeds: int = 5,
    synthesizers: list[str] | None = None,
    claim_seeds: int = 1,
    epochs: int = QUICK_EPOCHS,
    verbose: bool = True,
    workers: int | None = None,
) -> dict[str, Any]:
    """Run the three experiments on seeds 0..seeds-1 and the claim on the first `claim_seeds`.

    With `workers` > 1 the claim's jobs run in that many worker processes while the experiments
    run here (default: everything in this process). Results do not depend on it.

    Writes results.json, results.md, figure1_decision_boundary.png, figure2_predicted_vs_actual.png
    and table1_confusion_matrix.png into `out_dir`; returns the results.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    runs: dict[str, list[Fitted]] = {e.key: [] for e in EXPERIMENTS}
    jobs = claim_jobs(min(claim_seeds, seeds), synthesizers)
    with claim_pool(default_workers() if workers is None else workers) as pool:
        pending = [pool.submit(claim_row, *job, epochs) for job in jobs] if pool else []
        experiments = [(e, s) for s in range(seeds) for e in EXPERIMENTS]
        for experiment, seed in track(experiments, "paper experiments", len(experiments), verbose):
            train, test = experiment.data(seed)
            runs[experiment.key].append(experiment.fit_and_score(train, test, seed))
        if pool:
            claim = [f.result() for f in track(pending, "synthetic vs real", len(jobs), verbose)]
        else:
            claim = [
                claim_row(*job, epochs)
                for job in track(jobs, "synthetic vs real", len(jobs), verbose)
            ]
    for row in claim:
        real = runs[row["experiment"]][row["seed"]].scores[row["metric"]]
        row.update(real=real, gap=real - row["synthetic"])
    n_train = int(round(2000 * (1 - TEST_SHARE)))
    table = []
    for experiment in EXPERIMENTS:
        for metric in runs[experiment.key][0].scores:
            values = [run.scores[metric] for run in runs[experiment.key]]
            table.append(
                {
                    "experiment": experiment.key,
                    "metric": metric,
                    "paper": experiment.paper.get(metric),
                    "mean": float(np.mean(values)),
                    "std": float(np.std(values)),
                    "values": values,
                }
            )
    explanations = _explain(table, n_train)
    for row in table:
        row["why"] = explanations.get((str(row["experiment"]), str(row["metric"])), "")
    files = _figures(runs, out)
    results = {
        "settings": {
            "seeds": seeds,
            "claim_seeds": claim_seeds,
            "test_share": TEST_SHARE,
            "synthesizer_epochs": epochs,
            "multiclass_separation": MULTICLASS_SEPARATION,
            "regression_noise_sd": REGRESSION_NOISE_SD,
        },
        "table": table,
        "readings": _regression_readings(n_train),
        "claim": claim,
        "files": [p.name for p in files],
        "seconds": round(time.perf_counter() - started, 1),
    }
    _write(out / "results.json", json.dumps(results, indent=2, default=float))
    _write(out / "results.md", to_markdown(results))
    return results


def _figures(runs: dict[str, list[Fitted]], out: Path) -> list[Path]:
    binary, multi, regression = runs["binary"][0], runs["multiclass"][0], runs["regression"][0]
    return [
        figures.decision_boundary(
            binary.model, binary.x_test, binary.y_test, out / "figure1_decision_boundary.png"
        ),
        figures.predicted_vs_actual(
            regression.y_test, regression.predicted, out / "figure2_predicted_vs_actual.png"
        ),
        figures.confusion(multi.extra["confusion"], out / "table1_confusion_matrix.png"),
    ]


def _mean(table: list[dict[str, Any]], experiment: str, metric: str) -> float:
    return next(r["mean"] for r in table if r["experiment"] == experiment and r["metric"] == metric)


def _explain(table: list[dict[str, Any]], n_train: int) -> dict[tuple[str, str], str]:
    """One sentence per reported figure: why ours differs, and which reading gives the paper's."""
    test_acc = _mean(table, "binary", "test_accuracy")
    sd_label = readings.label_noise_sd_for_accuracy(BINARY.paper["test_accuracy"])
    flips = readings.flip_rate_for_accuracy(test_acc, BINARY.paper["test_accuracy"])
    bayes = readings.simplex_bayes_accuracy(MULTICLASS_SEPARATION, 5)
    multi_train = _mean(table, "multiclass", "train_accuracy")
    multi_test = _mean(table, "multiclass", "test_accuracy")
    sep_paper = readings.separation_for_bayes_accuracy(MULTICLASS.paper["test_accuracy"], 5)
    stated = readings.regression_expectation(REGRESSION_NOISE_SD, n_train)
    sd_mse = readings.noise_sd_for_mse(REGRESSION.paper["mse"], n_train)
    sd_r2 = readings.noise_sd_for_r2(REGRESSION.paper["r2"], n_train)
    sd_mae = readings.noise_sd_for_mae(REGRESSION.paper["mae"], n_train)
    at_r2 = readings.regression_expectation(sd_r2, n_train)
    ratio = REGRESSION.paper["mae"] / np.sqrt(REGRESSION.paper["mse"])
    binary_why = (
        "label = (x0 + x1 > 0) is a noiseless linear rule, so logistic regression nearly "
        f"separates it; the paper's {BINARY.paper['test_accuracy']:.2f} needs label noise: "
        f"label = (x0 + x1 + e > 0) with e ~ N(0, {sd_label:.2f}^2) caps accuracy at that, "
        f"or ~{flips:.0%} flipped labels"
    )
    return {
        ("binary", "train_accuracy"): binary_why,
        ("binary", "test_accuracy"): binary_why,
        ("binary", "f1"): "follows accuracy (balanced classes); same cause",
        ("multiclass", "train_accuracy"): (
            "the paper does not state how far apart its Gaussian classes are; ours are "
            f"{MULTICLASS_SEPARATION:g} sd apart (Bayes accuracy {bayes:.3f}); the MLP "
            f"(~15,000 weights) fits its 4,000 training rows to {multi_train:.3f} in 20 epochs, "
            f"above the Bayes accuracy, so it overfits (test {multi_test:.3f}); the paper's "
            "0.94 train would need fewer epochs, regularisation or harder data"
        ),
        ("multiclass", "test_accuracy"): (
            f"bounded by the Bayes accuracy {bayes:.3f} of our separation; the paper's "
            f"{MULTICLASS.paper['test_accuracy']:.2f} matches class means ~{sep_paper:.2f} sd apart"
        ),
        ("multiclass", "macro_f1"): "not reported by the paper",
        ("regression", "r2"): (
            f"with e ~ N(0, 0.1) (sd 0.1) the expected R2 is {stated['r2']:.4f}; R2 = 0.95 "
            f"needs noise sd {sd_r2:.2f} (then MSE {at_r2['mse']:.2f}, MAE {at_r2['mae']:.2f})"
        ),
        ("regression", "mse"): (
            f"expected MSE is sd^2 (1 + p/(n-p-1)) = {stated['mse']:.4f}; the paper's 0.11 matches "
            f"sd {sd_mse:.3f}, i.e. reading N(0, 0.1) as variance 0.1 (sd 0.316), whose MAE "
            "would be 0.25, not 0.08"
        ),
        ("regression", "mae"): (
            f"matches the stated sd 0.1 (expected {stated['mae']:.3f}; the paper's 0.08 needs sd "
            f"{sd_mae:.3f}); but MAE/sqrt(MSE) = {ratio:.2f} in the paper, while Gaussian "
            "residuals give 0.80: no single noise level yields all three figures"
        ),
    }


def _regression_readings(n_train: int) -> list[dict[str, Any]]:
    """Expected regression metrics under each reading of 'e ~ N(0, 0.1)'."""
    cases = [
        ("sd 0.1 (as written, our scenario)", REGRESSION_NOISE_SD),
        ("variance 0.1 (sd 0.316)", float(np.sqrt(0.1))),
        ("sd giving the paper's MSE 0.11", readings.noise_sd_for_mse(0.11, n_train)),
        ("sd giving the paper's MAE 0.08", readings.noise_sd_for_mae(0.08, n_train)),
        ("sd giving the paper's R2 0.95", readings.noise_sd_for_r2(0.95, n_train)),
    ]
    return [
        {"reading": label, "noise_sd": sd, **readings.regression_expectation(sd, n_train)}
        for label, sd in cases
    ]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def to_markdown(results: dict[str, Any]) -> str:
    """The results as a markdown report (tables of figures, readings and the claim)."""
    s = results["settings"]
    lines = [
        "# Reproduction of 'Synthetic Dataset Generation for Machine Learning'",
        "",
        f"{s['seeds']} seeds; 80/20 split; figures: mean +- std over seeds (test rows unless "
        "'train'). Paper's stated models and hyperparameters.",
        "",
        "| experiment | metric | paper | ours (mean +- std) | where and why they differ |",
        "|---|---|---|---|---|",
    ]
    for row in results["table"]:
        lines.append(
            f"| {row['experiment']} | {LABELS[row['metric']]} | {_fmt(row['paper'])} | "
            f"{row['mean']:.4f} +- {row['std']:.4f} | {row['why']} |"
        )
    lines += ["", "Protocol notes (where the paper is silent or does not apply):", ""]
    lines += [f"- {note}" for note in PROTOCOL_NOTES]
    lines += [
        "",
        "## Readings of 'e ~ N(0, 0.1)' (expected test metrics of OLS, 1,600 train rows)",
        "",
        "| reading | noise sd | R2 | MSE | MAE |",
        "|---|---|---|---|---|",
    ]
    for r in results["readings"]:
        lines.append(
            f"| {r['reading']} | {r['noise_sd']:.3f} | {r['r2']:.4f} | {r['mse']:.4f} | "
            f"{r['mae']:.4f} |"
        )
    lines += [
        "",
        "## The paper's claim: train on synthetic rows, test on real held-out rows",
        "",
        f"Seeds: {s['claim_seeds']}; neural synthesizers: {s['synthesizer_epochs']} epochs "
        "(models whose constructor takes `epochs`; others use their defaults). Few epochs leave "
        "neural synthesizers under-trained: run with `--epochs` to give them more. Gap = trained "
        "on real - trained on synthetic, on the same real test rows.",
        "",
        "| experiment | synthesizer | metric | trained on real | trained on synthetic | gap | "
        "seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["claim"]:
        synth = f"{r['synthetic']:.4f}" if r["error"] is None else f"failed ({r['error']})"
        gap = f"{r['gap']:+.4f}" if r["error"] is None else "-"
        lines.append(
            f"| {r['experiment']} | {r['synthesizer']} | {LABELS[r['metric']]} | "
            f"{r['real']:.4f} | {synth} | {gap} | {r['seconds']} |"
        )
    lines += [
        "",
        "Files: " + ", ".join(results["files"]),
        "",
        f"Total time: {results['seconds']} s",
        "",
    ]
    return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
