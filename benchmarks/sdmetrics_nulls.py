"""Do our column and pair scores agree with SDMetrics on tables with nulls?

Four tables from 5,000 diamonds with a datetime column added (`day`, from the price): nulls
(10%) in three numeric columns, in two categorical columns, in the datetime column (all in the
real table, the synthetic rows from the copula fitted on it), and nulls in the synthetic table
only. Both sides read the same CSV files; SDMetrics runs under SDV_PYTHON.

Run: SDV_PYTHON=/path/to/python-with-sdmetrics python benchmarks/sdmetrics_nulls.py
Writes results/sdmetrics_nulls/sdmetrics_nulls.json and .md.
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

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, write_results  # noqa: E402
from simulacra import Synthesizer  # noqa: E402
from simulacra.cli.demo import load_diamonds  # noqa: E402
from simulacra.evaluation.fidelity import column_fidelity  # noqa: E402
from simulacra.evaluation.pairs import pair_fidelity  # noqa: E402
from simulacra.evaluation.prepare import prepare  # noqa: E402

# Run under SDV_PYTHON: SDMetrics' column and pair scores, as one JSON line. Datetimes become
# nanoseconds (NaN for nulls), as in simulacra: SDMetrics 0.32's ContingencySimilarity fails on
# a datetime column with nulls (DTypePromotionError).
SDMETRICS = """
import json, sys, warnings
import pandas as pd
warnings.filterwarnings("ignore")
import sdmetrics
from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity
from sdmetrics.single_column import KSComplement, TVComplement
real, synth = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
for frame in (real, synth):
    frame["day"] = (pd.to_datetime(frame["day"]) - pd.Timestamp(0)).dt.total_seconds() * 1e9
numeric = [c for c in real.columns if pd.api.types.is_numeric_dtype(real[c])]
columns = {c: (KSComplement if c in numeric else TVComplement).compute(real[c], synth[c])
           for c in real.columns}
pairs = {}
names = list(real.columns)
for i, a in enumerate(names):
    for b in names[i + 1:]:
        if a in numeric and b in numeric:
            score = CorrelationSimilarity.compute(real[[a, b]], synth[[a, b]])
        else:
            cont = [c for c in (a, b) if c in numeric]
            score = ContingencySimilarity.compute(real[[a, b]], synth[[a, b]],
                                                  continuous_column_names=cont or None)
        pairs[a + "|" + b] = score
print(json.dumps({"version": sdmetrics.__version__, "columns": columns, "pairs": pairs}))
"""


def base_table() -> pd.DataFrame:
    rows = load_diamonds().sample(5_000, random_state=0).reset_index(drop=True)
    rows["day"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(rows["price"] // 10, unit="D")
    return rows


def with_nulls(frame: pd.DataFrame, columns: list[str], seed: int) -> pd.DataFrame:
    out = frame.copy()
    rng = np.random.default_rng(seed)
    for column in columns:
        out.loc[rng.random(len(out)) < 0.1, column] = None
    return out


def cases() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    clean = base_table()
    out = {}
    for name, columns in (
        ("nulls in 3 numeric columns", ["carat", "depth", "x"]),
        ("nulls in 2 categorical columns", ["cut", "color"]),
        ("nulls in the datetime column", ["day"]),
    ):
        real = with_nulls(clean, columns, seed=1)
        model = Synthesizer("copula", seed=0, verbose=False).fit(real)
        out[name] = (real, model.sample(len(real), seed=0))
    model = Synthesizer("copula", seed=0, verbose=False).fit(clean)
    synthetic = with_nulls(model.sample(len(clean), seed=0), ["carat", "cut", "day"], seed=2)
    out["nulls in the synthetic table only (carat, cut, day)"] = (clean, synthetic)
    return out


def compare(python: str, real: pd.DataFrame, synthetic: pd.DataFrame, tmp: Path) -> dict[str, Any]:
    paths = [tmp / "real.csv", tmp / "synthetic.csv"]
    real.to_csv(paths[0], index=False)
    synthetic.to_csv(paths[1], index=False)
    run = subprocess.run(
        [python, "-c", SDMETRICS, *map(str, paths)], capture_output=True, text=True
    )
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip().splitlines()[-1])
    theirs = json.loads(run.stdout.strip().splitlines()[-1])
    real, synthetic = (pd.read_csv(p, parse_dates=["day"]) for p in paths)
    tables = prepare(real, synthetic)
    ours_columns = {
        c: column_fidelity(tables.real[c], tables.synthetic[c], c in tables.numerical)["shape"]
        for c in tables.columns
    }
    ours_pairs = {"|".join(p["columns"]): p["score"] for p in pair_fidelity(tables)}
    columns = {c: (ours_columns[c], v) for c, v in theirs["columns"].items()}
    pairs = {k: (ours_pairs[k], v) for k, v in theirs["pairs"].items()}
    worst = sorted(pairs.items(), key=lambda kv: -abs(kv[1][0] - kv[1][1]))[:4]
    return {
        "version": theirs["version"],
        "column_shapes": [float(np.mean([v[i] for v in columns.values()])) for i in (0, 1)],
        "pair_trends": [float(np.mean([v[i] for v in pairs.values()])) for i in (0, 1)],
        "max_column_difference": max(abs(a - b) for a, b in columns.values()),
        "max_pair_difference": max(abs(a - b) for a, b in pairs.values()),
        "worst_pairs": [(k, a, b) for k, (a, b) in worst],
        "worst_columns": sorted(
            ((c, a, b) for c, (a, b) in columns.items()), key=lambda t: -abs(t[1] - t[2])
        )[:3],
    }


def main() -> None:
    python = os.environ.get("SDV_PYTHON")
    if not python:
        sys.exit("set SDV_PYTHON to an interpreter with sdmetrics")
    run = machine()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (real, synthetic) in cases().items():
            results[name] = compare(python, real, synthetic, Path(tmp))
            print(name, json.dumps(results[name], default=str))
    version = next(iter(results.values()))["version"]
    md = [
        "# Column and pair scores with nulls: simulacra vs SDMetrics",
        f"SDMetrics {version}; 5,000 diamonds plus a datetime column; 10% nulls; synthetic rows "
        "from the copula. Scores: mean column shape (KS / TV complement) and mean pair trend "
        "(correlation / contingency similarity), ours vs SDMetrics, on the same CSV files.",
        "",
        "| table | column shapes (ours / SDMetrics) | pair trends (ours / SDMetrics) "
        "| max column gap | max pair gap | largest pair gaps |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        worst = "; ".join(f"{k}: {a:.3f} vs {b:.3f}" for k, a, b in r["worst_pairs"][:3])
        md.append(
            f"| {name} | {r['column_shapes'][0]:.4f} / {r['column_shapes'][1]:.4f} "
            f"| {r['pair_trends'][0]:.4f} / {r['pair_trends'][1]:.4f} "
            f"| {r['max_column_difference']:.2e} | {r['max_pair_difference']:.2e} | {worst} |"
        )
    data = {"machine": run, "sdmetrics": version, "tables": results}
    write_results("sdmetrics_nulls", data, "\n".join(md))


if __name__ == "__main__":
    main()
