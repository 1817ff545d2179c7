"""`evaluate` on tables too big for memory: partitioned Parquet datasets read on Dask.

One flow, `evaluate_dask(real, synthetic, ...)` (`simulacra evaluate REAL SYNTH --engine
dask`, REAL and SYNTH Parquet files or globs):

1. Seeded uniform samples of `SAMPLE_ROWS` rows of each table (and of the holdout), picked in
   one pass (`fitting.pick_rows`, streams ("evaluation", 60 | 61 | 62, partition)), go
   through the usual `evaluation.evaluate`: every score of the report, model-based ones
   (detection, utility, privacy, diversity) included, is measured on those samples.
2. The statistics that summaries hold exactly or as sketches are then measured on every row
   of both tables, from the same mergeable per-partition summaries the Dask fit uses, and
   added under the settings' `whole_table` (`evaluation.schema.WholeTable`):
   - column shapes: 1 - KS distance between the two quantile sketches of a numeric (or
     datetime) column, 1 - total variation distance between category frequencies;
   - pair trends: 1 - |rho_real - rho_synthetic| / 2 for each pair of numeric columns,
     Pearson correlations from partial sums over the rows where both tables' numbers are
     finite;
   each with its mean over columns or pairs.
3. The report's settings give the full row counts, the sample sizes and a note saying which
   scores come from which.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .fitting import merge_summaries, pick_rows, read_parquet_glob, reduce_tree
from .summaries import (
    ColumnSummary,
    Moments,
    TableSummary,
    summarise_categories,
    summarise_numbers,
)

if TYPE_CHECKING:
    import dask.dataframe as dd

    from ..evaluation.schema import Report, WholeTable

SAMPLE_ROWS = 100_000
REAL_PICK, SYNTHETIC_PICK, HOLDOUT_PICK = 60, 61, 62  # purposes in stream "evaluation"


def evaluate_dask(
    real: str | Path,
    synthetic: str | Path,
    *,
    holdout: str | Path | None = None,
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
    **options: Any,
) -> Report:
    """`evaluation.evaluate` of two Parquet datasets (files or globs) that need not fit in
    memory: model-based scores on seeded samples, column shapes and pair trends on every
    row from summaries (see the module docstring). `options` go to `evaluate`."""
    import dask

    from ..evaluation.report import evaluate
    from ..evaluation.schema import Rows

    frames = {"real": read_parquet_glob(str(real)), "synthetic": read_parquet_glob(str(synthetic))}
    purposes = {"real": REAL_PICK, "synthetic": SYNTHETIC_PICK}
    if holdout is not None:
        frames["holdout"] = read_parquet_glob(str(holdout))
        purposes["holdout"] = HOLDOUT_PICK
    samples: dict[str, pd.DataFrame] = {}
    rows: dict[str, int] = {}
    with dask.config.set({"dataframe.convert-string": False}):
        for label, frame in frames.items():
            stream = ("evaluation", purposes[label])
            samples[label], lengths = pick_rows(frame.to_delayed(), sample_rows, seed, stream)
            rows[label] = int(sum(lengths))
    inputs = {"real": str(real), "synthetic": str(synthetic)}
    if holdout is not None:
        inputs["holdout"] = str(holdout)
    report = evaluate(
        samples["real"],
        samples["synthetic"],
        holdout=samples.get("holdout"),
        seed=seed,
        inputs={**inputs, **options.pop("inputs", {})},
        **options,
    )
    settings = report.settings
    with dask.config.set({"dataframe.convert-string": False}):
        whole = whole_table_statistics(frames["real"], frames["synthetic"], settings.columns)
    note = (
        f"big tables (read on Dask): column shapes and pair trends under 'whole_table' come "
        f"from per-partition summaries of all {rows['real']:,} real and "
        f"{rows['synthetic']:,} synthetic rows; every other score from seeded samples of "
        f"{len(samples['real']):,} and {len(samples['synthetic']):,} rows"
    )
    settings = replace(
        settings,
        whole_table=whole,
        sample_rows={label: len(frame) for label, frame in samples.items()},
        rows=Rows(
            real=rows["real"],
            synthetic=rows["synthetic"],
            holdout=rows.get("holdout", settings.rows.holdout),
        ),
        notes=(*settings.notes, note),
    )
    return replace(report, settings=settings)


def whole_table_statistics(
    real: dd.DataFrame, synthetic: dd.DataFrame, kinds: dict[str, str]
) -> WholeTable:
    """Column shapes and pair trends of every row of both tables, from summaries."""
    from ..evaluation.prepare import CATEGORICAL_KINDS, NUMERICAL_KINDS
    from ..evaluation.schema import WholeTable

    numeric = [c for c, k in kinds.items() if k in NUMERICAL_KINDS]
    categorical = [c for c, k in kinds.items() if k in CATEGORICAL_KINDS]
    a = _summarise_table(real, numeric, categorical)
    b = _summarise_table(synthetic, numeric, categorical)
    shapes = {}
    for name in numeric:
        shapes[name] = 1.0 - sketch_distance(a[0].columns[name], b[0].columns[name])
    for name in categorical:
        shapes[name] = 1.0 - frequency_distance(a[0].columns[name], b[0].columns[name])
    pairs = {}
    if len(numeric) > 1:
        rho_a, rho_b = a[1].pearson(), b[1].pearson()
        for i, j in itertools.combinations(range(len(numeric)), 2):
            diff = abs(rho_a[i, j] - rho_b[i, j])
            pairs[f"{numeric[i]} / {numeric[j]}"] = float(1.0 - diff / 2)
    return WholeTable(
        column_shapes={k: round(float(v), 4) for k, v in shapes.items()},
        column_shapes_mean=round(float(np.mean(list(shapes.values()))), 4) if shapes else None,
        pair_trends={k: round(v, 4) for k, v in pairs.items()},
        pair_trends_mean=round(float(np.mean(list(pairs.values()))), 4) if pairs else None,
    )


def sketch_distance(a: ColumnSummary, b: ColumnSummary) -> float:
    """KS distance (0 .. 1) between the two columns' sketched distributions."""
    empty_a = a.sketch is None or not a.sketch.n
    empty_b = b.sketch is None or not b.sketch.n
    if empty_a or empty_b:
        return 0.0 if empty_a and empty_b else 1.0
    assert a.sketch is not None and b.sketch is not None
    x = np.unique(np.concatenate([a.sketch.values, b.sketch.values]))
    below_a, upto_a = a.sketch.cdf(x)
    below_b, upto_b = b.sketch.cdf(x)
    return float(max(np.abs(below_a - below_b).max(), np.abs(upto_a - upto_b).max()))


def frequency_distance(a: ColumnSummary, b: ColumnSummary) -> float:
    """Total variation distance (0 .. 1) between the two columns' category shares (null
    counted as a category; values beyond the top-k sketch as one more)."""
    keys = set(a.counts) | set(b.counts)
    total_a, total_b = max(a.rows, 1), max(b.rows, 1)
    tv = sum(abs(a.counts.get(k, 0) / total_a - b.counts.get(k, 0) / total_b) for k in keys)
    tv += abs(a.nulls / total_a - b.nulls / total_b)
    tv += abs(a.dropped / total_a - b.dropped / total_b)
    return float(tv / 2)


def _summarise_table(
    frame: dd.DataFrame, numeric: list[str], categorical: list[str]
) -> tuple[TableSummary, _Pearson]:
    import dask

    parts = frame.to_delayed()
    tasks = [dask.delayed(_summarise_part)(p, numeric, categorical) for p in parts]
    return reduce_tree(tasks, _merge_parts)


def _summarise_part(
    part: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> tuple[TableSummary, _Pearson]:
    columns: dict[str, ColumnSummary] = {}
    values = np.empty((len(part), len(numeric)))
    for j, name in enumerate(numeric):
        values[:, j] = _as_float(part[name])
        columns[name] = summarise_numbers(values[:, j])
    for name in categorical:
        columns[name] = summarise_categories(part[name])
    complete = np.isfinite(values).all(axis=1)
    return TableSummary(len(part), columns), _Pearson(Moments.of(values[complete]))


def _merge_parts(
    *parts: tuple[TableSummary, _Pearson],
) -> tuple[TableSummary, _Pearson]:
    summary = merge_summaries(*(p[0] for p in parts))
    moments = parts[0][1].moments
    for part in parts[1:]:
        moments = moments.merge(part[1].moments)
    return summary, _Pearson(moments)


class _Pearson:
    """Partial sums of raw numbers, and their Pearson correlations."""

    def __init__(self, moments: Moments) -> None:
        self.moments = moments

    def pearson(self) -> np.ndarray:
        if not self.moments.rows:
            return np.zeros_like(self.moments.products)
        return self.moments.mean_std_correlation()[2]


def _as_float(series: pd.Series) -> np.ndarray:
    """A numeric or datetime column as floats, NaN for null."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series):
        stamps = pd.to_datetime(series, errors="coerce", utc=True)
        out = stamps.astype("int64").to_numpy(dtype=np.float64)
        out[stamps.isna().to_numpy()] = np.nan
        return out
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
