"""What a column transform is learned from: one statistics object per kind of column, filled by
any of three producers, so that a transform never reads rows itself.

- `NumberStats` (numbers, and datetimes as seconds): the finite values, or points that stand
  for them, on which the encoders are fitted; the rows that are null, +inf or -inf; the
  range (declared in the metadata, or the values'); the values a number's value grid is learned
  from; a datetime's resolution.
- `CategoryStats` (categories, flags): rows per value in frequency order, null rows, the rows
  pooled (or None: pool the values seen in fewer than `min_count` rows), a Categorical's list.

The producers:
- exact (`number_stats`, `category_stats`, below): the column's own values; fitting from them
  is what fitting on the rows always did, to the byte;
- differential privacy (`transforms/dp.py`): noisy histograms, thresholded categories and
  surrogate points drawn from the noisy counts;
- Dask (`scale/transformer.py`): per-partition summaries merged, and points of their merged
  quantile sketches.
A transform's `learn(stats, rng)` is the one fit of its kind: `ContinuousTransform.learn`,
`CategoricalTransform.learn`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class NumberStats:
    """A numeric column's statistics (see the module docstring)."""

    finite: np.ndarray  # the finite values, or points standing for them
    finite_rows: float | None = None  # the rows they stand for (None: one row each)
    nulls: float = 0.0
    posinf: float = 0.0
    neginf: float = 0.0
    low: float | None = None  # the finite values' range when not the points' own ends
    high: float | None = None
    declared_low: float | None = None  # a range from the metadata wins over everything
    declared_high: float | None = None
    grid_values: np.ndarray | None = None  # the values the value grid comes from (None: none)
    resolution: float | None = None  # datetimes: the finest unit every value is a multiple of

    def special_counts(self) -> np.ndarray:
        """Rows per indicator code: a finite value, null, +inf, -inf."""
        finite = len(self.finite) if self.finite_rows is None else self.finite_rows
        return np.array([finite, self.nulls, self.posinf, self.neginf], np.float64)


@dataclass
class CategoryStats:
    """A categorical column's statistics (see the module docstring)."""

    counts: dict[Any, float]  # value -> rows, most frequent first
    nulls: float = 0.0
    pooled: float | None = None  # rows pooled as "other"; None: pool values under min_count
    dropped: float = 0.0  # rows of values not counted one by one (a top-k sketch): pooled
    listed: list[Any] | None = None  # a pandas Categorical's categories, when it has them


# datetime resolutions, coarsest first: a day, an hour, a minute, a second, ms, us
RESOLUTIONS = (86_400.0, 3_600.0, 60.0, 1.0, 1e-3, 1e-6)


def resolution_of(x: np.ndarray) -> float | None:
    """The coarsest of `RESOLUTIONS` that every non-null value (seconds) is a multiple of."""
    x = x[~np.isnan(x)]
    return next((r for r in RESOLUTIONS if np.all(np.mod(x, r) == 0)), None)


def number_stats(
    x: np.ndarray, declared_low: float | None = None, declared_high: float | None = None
) -> NumberStats:
    """The exact statistics of a numeric column given as floats (NaN for null)."""
    finite = x[np.isfinite(x)]
    return NumberStats(
        finite=finite,
        nulls=float(np.isnan(x).sum()),
        posinf=float(np.isposinf(x).sum()),
        neginf=float(np.isneginf(x).sum()),
        declared_low=declared_low,
        declared_high=declared_high,
        grid_values=finite,
    )


def category_stats(series: pd.Series) -> CategoryStats:
    """The exact statistics of a categorical column."""
    counts = series.value_counts(dropna=True, sort=True)
    dtype = series.dtype
    return CategoryStats(
        counts={_json_value(v): float(c) for v, c in counts.items()},
        nulls=float(series.isna().sum()),
        listed=[_json_value(v) for v in dtype.categories]
        if isinstance(dtype, pd.CategoricalDtype)
        else None,
    )


def _json_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
