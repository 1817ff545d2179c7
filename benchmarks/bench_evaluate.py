"""Evaluation benchmark: `simulacra evaluate` on diamonds, 1,000,000 x 10 vs 1,000,000 x 10,
a 61-column table, and a cross-check of our column and pair scores against SDMetrics.

Run: python benchmarks/bench_evaluate.py   (SDV_PYTHON=/path/to/python-with-sdmetrics to
cross-check). Writes results/evaluate/: evaluate.json, evaluate.md and the diamonds report
evaluate.diamonds.html / evaluate.diamonds.json (its scores, stamped with the run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, results_dir, stamped, table, timed, write_results  # noqa: E402
from simulacra import Synthesizer, evaluate  # noqa: E402
from simulacra.cli.demo import load_diamonds  # noqa: E402
from simulacra.evaluation.fidelity import column_fidelity  # noqa: E402
from simulacra.evaluation.pairs import pair_fidelity  # noqa: E402
from simulacra.evaluation.prepare import prepare  # noqa: E402

BIG_ROWS = 1_000_000
HOLDOUT_ROWS = 200_000

# Run under SDV_PYTHON: SDMetrics' scores of every column and pair, as one JSON line.
SDMETRICS_SCRIPT = """
import json, sys, warnings
import pandas as pd
warnings.filterwarnings("ignore")
import sdmetrics
from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity
from sdmetrics.single_column import KSComplement, TVComplement
real, synth = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
numeric = [c for c in real.columns if pd.api.types.is_numeric_dtype(real[c])]
columns = {}
for c in real.columns:
    metric = KSComplement if c in numeric else TVComplement
    columns[c] = metric.compute(real[c], synth[c])
pairs = {}
names = list(real.columns)
for i, a in enumerate(names):
    for b in names[i + 1:]:
        if a in numeric and b in numeric:
            score = CorrelationSimilarity.compute(real[[a, b]], synth[[a, b]])
        else:
            cont = [c for c in (a, b) if c in numeric]
            score = ContingencySimilarity.compute(
                real[[a, b]], synth[[a, b]], continuous_column_names=cont or None
            )
        pairs[a + "|" + b] = score
print(json.dumps({"version": sdmetrics.__version__, "columns": columns, "pairs": pairs}))
"""


def diamonds_cli(workdir: Path) -> dict[str, Any]:
    """The Done-when run: copula on 80% of diamonds, `simulacra evaluate` with the 20%."""
    diamonds = load_diamonds()
    test = diamonds.sample(frac=0.2, random_state=0)
    train = diamonds.drop(test.index)
    synthetic = Synthesizer("copula", seed=0, verbose=False).fit(train).sample(len(train), seed=0)
    paths = {name: workdir / f"{name}.csv" for name in ("train", "test", "synthetic")}
    train.to_csv(paths["train"], index=False)
    test.to_csv(paths["test"], index=False)
    synthetic.to_csv(paths["synthetic"], index=False)
    folder = results_dir("evaluate")
    html, scores = folder / "evaluate.diamonds.html", folder / "evaluate.diamonds.json"
    cli = Path(sys.executable).with_name("simulacra")
    args = [str(cli), "--quiet", "evaluate", str(paths["train"]), str(paths["synthetic"])]
    args += ["--holdout", str(paths["test"]), "--target", "price", "--sensitive", "cut"]
    args += ["--report", str(html), "--json", str(scores)]
    seconds, _ = timed(lambda: subprocess.run(args, check=True, capture_output=True), repeats=3)
    data = json.loads(scores.read_text())
    scores.write_text(json.dumps(stamped(data), indent=2) + "\n")
    return {
        "rows": {"train": len(train), "test": len(test), "synthetic": len(synthetic)},
        "cli_seconds": seconds,
        "evaluate_seconds": data["settings"]["seconds"],
        "step_seconds": data["settings"].get("step_seconds"),
        "attacks_seconds": (data["settings"].get("step_seconds") or {}).get("privacy attacks"),
        "attacks": [
            {k: a[k] for k in ("attack", "detail", "risk", "risk_low", "risk_high")}
            for a in data["privacy"].get("attacks", [])
        ],
        "html_kib": html.stat().st_size / 1024,
        "scores": headline(data),
        "paths": {k: str(v) for k, v in paths.items()},
    }


def headline(s: dict[str, Any]) -> dict[str, Any]:
    """The aggregate numbers of a report."""
    return {
        "fidelity.column_shapes": s["fidelity"]["column_shapes"],
        "fidelity.column_pair_trends": s["fidelity"]["column_pair_trends"],
        "fidelity.detection_auc": s["fidelity"]["detection_auc"],
        "utility.ratio": s["utility"]["ratio"],
        "diversity.knn_precision": s["diversity"]["knn_precision"],
        "diversity.knn_recall": s["diversity"]["knn_recall"],
        "privacy.exact_copy_share": s["privacy"]["exact_copy_share"],
        "privacy.membership_auc": s["privacy"]["membership_auc"],
        "privacy.dcr_synthetic_p5": s["privacy"]["dcr_synthetic_p5"],
        "privacy.dcr_holdout_p5": s["privacy"]["dcr_holdout_p5"],
        "privacy.share_closer_than_holdout_p5": s["privacy"]["share_closer_than_holdout_p5"],
        "verdicts": {
            a: s[a]["verdict"] for a in ("fidelity", "utility", "diversity", "privacy", "bias")
        },
    }


def million_rows() -> dict[str, Any]:
    """1,000,000 x 10 real vs 1,000,000 x 10 synthetic (plus a 200,000-row holdout), both drawn
    from a copula fitted on diamonds, with a target and a sensitive column: every metric runs."""
    model = Synthesizer("copula", seed=0, verbose=False).fit(load_diamonds())
    real = model.sample(BIG_ROWS, seed=1)
    synthetic = model.sample(BIG_ROWS, seed=2)
    holdout = model.sample(HOLDOUT_ROWS, seed=3)
    seconds, report = timed(
        lambda: evaluate(
            real, synthetic, holdout=holdout, target="price", sensitive="cut", verbose=False
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        written, _ = timed(
            lambda: (report.to_json(Path(tmp) / "s.json"), report.to_html(Path(tmp) / "r.html"))
        )
    return {
        "rows": [len(real), len(synthetic), len(holdout)],
        "evaluate_seconds": seconds,
        "json_and_html_seconds": written,
        "total_seconds": seconds + written,
        "scores": headline(report.scores),
    }


def wide_table(workdir: Path) -> dict[str, Any]:
    """60 numerical pixel columns of scikit-learn's digits plus the digit as a category."""
    digits = load_digits()
    pixels = pd.DataFrame(digits.data, columns=[f"pixel_{i}" for i in range(64)])
    varying = [c for c in pixels.columns if pixels[c].nunique() > 1][:60]
    real = pixels[varying].assign(digit=[f"d{v}" for v in digits.target])
    synthetic = Synthesizer("copula", seed=0, verbose=False).fit(real).sample(len(real), seed=0)
    seconds, report = timed(
        lambda: evaluate(real, synthetic, target="digit", verbose=False), repeats=1
    )
    html = report.to_html(workdir / "evaluate.wide.html")
    return {
        "columns": real.shape[1],
        "rows": len(real),
        "evaluate_seconds": seconds,
        "html_kib": html.stat().st_size / 1024,
        "html": html.name,  # its name only: the folder is temporary (or $WIDE_DIR)
        "scores": headline(report.scores),
    }


def sdmetrics_check(paths: dict[str, str]) -> dict[str, Any]:
    """Largest |ours - SDMetrics| over the column and pair scores of the diamonds run."""
    python = os.environ.get("SDV_PYTHON")
    if not python:
        return {"skipped": "set SDV_PYTHON to an interpreter with sdmetrics"}
    run = subprocess.run(
        [python, "-c", SDMETRICS_SCRIPT, paths["train"], paths["synthetic"]],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        return {"skipped": f"sdmetrics failed: {run.stderr.strip().splitlines()[-1:]}"}
    theirs = json.loads(run.stdout.strip().splitlines()[-1])
    real, synthetic = pd.read_csv(paths["train"]), pd.read_csv(paths["synthetic"])
    tables = prepare(real, synthetic)
    ours_columns = {
        c: column_fidelity(tables.real[c], tables.synthetic[c], c in tables.numerical)["shape"]
        for c in tables.columns
    }
    ours_pairs = {"|".join(p["columns"]): p["score"] for p in pair_fidelity(tables)}
    column_gaps = [abs(ours_columns[c] - v) for c, v in theirs["columns"].items()]
    pair_gaps = [abs(ours_pairs[k] - v) for k, v in theirs["pairs"].items()]
    return {
        "version": theirs["version"],
        "columns": len(column_gaps),
        "pairs": len(pair_gaps),
        "max_column_difference": float(np.max(column_gaps)),
        "max_pair_difference": float(np.max(pair_gaps)),
    }


def main() -> None:
    results: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        results["diamonds"] = diamonds_cli(workdir)
        results["sdmetrics"] = sdmetrics_check(results["diamonds"].pop("paths"))
        results["wide"] = wide_table(Path(os.environ.get("WIDE_DIR", tmp)))
    results["million"] = million_rows()
    d, m, w, x = results["diamonds"], results["million"], results["wide"], results["sdmetrics"]
    md = [
        "# Evaluation benchmark",
        "",
        "## `simulacra evaluate` on the copula's diamonds (Done-when run)",
        f"Copula fitted on 80% of diamonds ({d['rows']['train']:,} rows), sampled as many rows; "
        f"evaluated with the other 20% as holdout, `--target price --sensitive cut`. "
        f"CLI wall time (median of 3, includes start-up and reading CSVs): "
        f"**{d['cli_seconds']:.1f} s**; evaluate() itself {d['evaluate_seconds']:.1f} s. "
        "Report: [evaluate.diamonds.html](evaluate.diamonds.html), scores: "
        "[evaluate.diamonds.json](evaluate.diamonds.json).",
        "",
        table(["score", "value"], [[k, v] for k, v in d["scores"].items() if k != "verdicts"]),
        f"\nVerdicts: {d['scores']['verdicts']}.",
        f"\nSeconds per step of evaluate() (fidelity includes the broken rules, privacy the "
        f"attacks: {d['attacks_seconds']} s): {d['step_seconds']}.",
        "\nPrivacy attacks (risk, 95% CI): "
        + "; ".join(
            f"{a['attack']} {a['detail'][:24]} {a['risk']:.3f} ({a['risk_low']:.3f} to "
            f"{a['risk_high']:.3f})"
            for a in d["attacks"]
        )
        + ".",
        "",
        f"## {BIG_ROWS:,} x 10 vs {BIG_ROWS:,} x 10 (+ {HOLDOUT_ROWS:,}-row holdout)",
        f"evaluate(): **{m['evaluate_seconds']:.1f} s**; JSON + HTML: "
        f"{m['json_and_html_seconds']:.1f} s; total **{m['total_seconds']:.1f} s** "
        "(target: under 120 s). Medians of 3 runs.",
        "",
        f"## Wide table: {w['columns']} columns x {w['rows']:,} rows (digits)",
        f"evaluate(): {w['evaluate_seconds']:.1f} s; HTML {w['html_kib']:.0f} KiB.",
        "",
        "## Cross-check against SDMetrics (diamonds run, same files)",
    ]
    if "skipped" in x:
        md.append(f"Skipped: {x['skipped']}.")
    else:
        md.append(
            f"SDMetrics {x['version']}: largest difference over {x['columns']} column scores "
            f"(KSComplement / TVComplement) **{x['max_column_difference']:.2e}**, over "
            f"{x['pairs']} pair scores (CorrelationSimilarity / ContingencySimilarity) "
            f"**{x['max_pair_difference']:.2e}**."
        )
    write_results("evaluate", results, "\n".join(md))


if __name__ == "__main__":
    main()
