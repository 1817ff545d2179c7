"""A TableTransformer fitted from merged summaries instead of a whole table: the Dask engine
as one more producer of the column statistics every transform learns from
(`transforms/statistics.py`).

The pilot transformer is fitted the usual way on a seeded sample of rows; it fixes what a
sample decides well (kinds, datetime formats, value grids, generated columns' seeds, text
pools). Each modelled column then learns again, with the same `learn` as a local fit, from
statistics of the whole table:

- numbers, datetimes: points of the merged quantile sketch (every encoder is fitted on them),
  the sketch's ends as the range, and the exact counts of nulls and infinities;
- categories, flags: the merged counts (a top-k sketch's dropped rows pooled), nulls, and a
  Categorical's list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metadata import Metadata
from ..transforms import TableTransformer
from ..transforms.columns import (
    CategoricalTransform,
    ContinuousTransform,
    NumericalTransform,
)
from ..transforms.statistics import CategoryStats, NumberStats, resolution_of
from .summaries import ColumnSummary, TableSummary

PSEUDO_ROWS = 100_000  # points of the sketched quantile function the encoders are fitted on


def metadata_from_summaries(metadata: Metadata, summary: TableSummary) -> Metadata:
    """Inferred metadata with its data-read statistics (null shares, numeric ranges,
    cardinalities) taken from the whole table's summaries instead of the sample's."""
    out = Metadata.from_dict(metadata.to_dict())
    for name, col in out.columns.items():
        s = summary.columns[name]
        col.null_share = s.nulls / s.rows if s.rows else 0.0
        if col.kind == "numerical" and s.sketch is not None and s.sketch.n:
            if col.min is not None:
                col.min = float(s.sketch.values[0])
            if col.max is not None:
                col.max = float(s.sketch.values[-1])
        if col.kind == "categorical" and col.cardinality is not None and s.counts:
            col.cardinality = len(s.counts)
    return out


def transformer_from_summaries(
    pilot: TableTransformer, summary: TableSummary, sample: pd.DataFrame, seed: int = 0
) -> TableTransformer:
    """`pilot` (fitted on `sample`) with every modelled column learned again from the whole
    table's statistics (`statistics.py`, the same `learn` as a local fit)."""
    rng = np.random.default_rng(seed)
    for name, column in pilot.columns_.items():
        s = summary.columns[name]
        if isinstance(column, ContinuousTransform) and s.sketch is not None and s.sketch.n:
            pilot.learn_column(name, number_stats_of(column, s, sample[name]), rng)
        elif isinstance(column, CategoricalTransform) and (s.counts or s.nulls):
            pilot.learn_column(name, category_stats_of(s), rng)
    return pilot


def number_stats_of(
    column: ContinuousTransform, s: ColumnSummary, sample: pd.Series
) -> NumberStats:
    """A numeric column's statistics from its merged summary: `PSEUDO_ROWS` points of the
    sketched quantile function stand for the finite values, the sketch's ends are the range,
    the counts of nulls and infinities are exact; the value grid and a datetime's resolution
    come from the pilot sample."""
    assert s.sketch is not None
    points = min(s.sketch.n, PSEUDO_ROWS)
    x = column.to_float(sample)
    return NumberStats(
        finite=s.sketch.quantile((np.arange(points) + 0.5) / points),
        finite_rows=float(s.finite),
        nulls=float(s.nulls),
        posinf=float(s.posinf),
        neginf=float(s.neginf),
        low=float(s.sketch.values[0]),
        high=float(s.sketch.values[-1]),
        declared_low=column.meta.min,
        declared_high=column.meta.max,
        grid_values=x[np.isfinite(x)] if isinstance(column, NumericalTransform) else None,
        resolution=resolution_of(x),
    )


def category_stats_of(s: ColumnSummary) -> CategoryStats:
    """A categorical column's statistics from its merged summary (ties in a stable order)."""
    ordered = sorted(s.counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return CategoryStats(
        counts={v: float(c) for v, c in ordered},
        nulls=float(s.nulls),
        dropped=float(s.dropped),
        listed=s.dtype_categories,
    )
