"""Mergeable per-partition summaries of a table: what fitting on Dask learns from the data.

Each partition is summarised where it lies; summaries merge associatively, so any tree of
merges gives (nearly) the same result and no partition is ever moved or materialised whole.

- Every column: rows and nulls.
- Numbers and datetimes (as floats): infinities, count/sum/sum of squares (moments), and a
  `QuantileSketch`: `SKETCH_POINTS` quantiles at probabilities evenly spaced in normal-score
  space (so the tails keep half-rank resolution), exact minimum and maximum. Merging builds the
  mixture of the sketches' piecewise-linear CDFs, point masses kept as steps, and keeps its
  quantiles at the same kind of grid.
- Categories: exact counts while at most `capacity` distinct values are seen; beyond that only
  the `capacity` most frequent are kept (a top-k sketch) and the rest counted as `dropped`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..transforms.continuous import quantile_grid

SKETCH_POINTS = 2_000
TOP_K = 20_000  # distinct categories a summary keeps at most


@dataclass
class QuantileSketch:
    """A column's distribution as `values` at cumulative probabilities `probs` (0 .. 1)."""

    n: int
    values: np.ndarray
    probs: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray, points: int = SKETCH_POINTS) -> QuantileSketch:
        if not len(x):
            return cls(0, np.zeros(0), np.zeros(0))
        probs = quantile_grid(len(x), points)
        return cls(len(x), sorted_quantiles(np.sort(x), probs), probs)

    def cdf(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """P(X < x) and P(X <= x) at each x (equal except at point masses)."""
        uq, first = np.unique(self.values, return_index=True)
        last = len(self.values) - 1 - np.unique(self.values[::-1], return_index=True)[1]
        lo, hi = self.probs[first], self.probs[last]
        i = np.searchsorted(uq, x, "right") - 1
        inside = (i >= 0) & (i < len(uq) - 1)
        j = np.clip(i, 0, len(uq) - 1)
        k = np.clip(i + 1, 0, len(uq) - 1)
        span = np.where(inside, uq[k] - uq[j], 1.0)
        between = hi[j] + (lo[k] - hi[j]) * np.clip((x - uq[j]) / span, 0, 1)
        at = (i >= 0) & (uq[j] == x)
        right = np.where(i < 0, 0.0, np.where(at, hi[j], np.where(inside, between, 1.0)))
        left = np.where(at, lo[j], right)
        return left, right

    def quantile(self, probs: np.ndarray) -> np.ndarray:
        return np.interp(probs, self.probs, self.values)

    @classmethod
    def merge(
        cls, sketches: Iterable[QuantileSketch], points: int = SKETCH_POINTS
    ) -> QuantileSketch:
        parts = [s for s in sketches if s.n]
        if len(parts) <= 1:
            return parts[0] if parts else cls(0, np.zeros(0), np.zeros(0))
        total = sum(s.n for s in parts)
        xs = np.unique(np.concatenate([s.values for s in parts]))
        left, right = np.zeros(len(xs)), np.zeros(len(xs))
        for s in parts:
            lo, hi = s.cdf(xs)
            left += s.n * lo
            right += s.n * hi
        curve_p = np.column_stack([left, right]).ravel() / total
        curve_x = np.repeat(xs, 2)
        curve_p = np.maximum.accumulate(curve_p)  # rounding must not make it decrease
        probs = quantile_grid(total, points)
        return cls(total, np.interp(probs, curve_p, curve_x), probs)


def sorted_quantiles(ordered: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """`np.quantile(x, probs)` (linear method) of `ordered = np.sort(x)`: one sort instead of
    `np.quantile`'s partition around every probability, ~10x faster for 2,000 of them."""
    at = probs * (len(ordered) - 1)
    low = np.floor(at).astype(np.int64)
    high = np.minimum(low + 1, len(ordered) - 1)
    share = at - low
    return ordered[low] + share * (ordered[high] - ordered[low])


@dataclass
class ColumnSummary:
    """One column's mergeable statistics (which fields are used depends on its kind)."""

    rows: int = 0
    nulls: int = 0
    posinf: int = 0
    neginf: int = 0
    total: float = 0.0
    squares: float = 0.0
    sketch: QuantileSketch | None = None
    counts: Counter[Any] = field(default_factory=Counter)
    dropped: int = 0
    dtype_categories: list[Any] | None = None

    @property
    def finite(self) -> int:
        return self.rows - self.nulls - self.posinf - self.neginf

    @property
    def mean(self) -> float:
        return self.total / self.finite if self.finite else float("nan")

    @property
    def std(self) -> float:
        if not self.finite:
            return float("nan")
        return float(np.sqrt(max(self.squares / self.finite - self.mean**2, 0.0)))

    def merge(self, other: ColumnSummary, capacity: int = TOP_K) -> ColumnSummary:
        counts = self.counts + other.counts
        dropped = self.dropped + other.dropped
        if len(counts) > capacity:
            kept = counts.most_common(capacity)
            dropped += sum(counts.values()) - sum(c for _, c in kept)
            counts = Counter(dict(kept))
        sketches = [s for s in (self.sketch, other.sketch) if s is not None]
        categories = _union(self.dtype_categories, other.dtype_categories)
        return ColumnSummary(
            rows=self.rows + other.rows,
            nulls=self.nulls + other.nulls,
            posinf=self.posinf + other.posinf,
            neginf=self.neginf + other.neginf,
            total=self.total + other.total,
            squares=self.squares + other.squares,
            sketch=QuantileSketch.merge(sketches) if sketches else None,
            counts=counts,
            dropped=dropped,
            dtype_categories=categories,
        )


def _union(a: list[Any] | None, b: list[Any] | None) -> list[Any] | None:
    if a is None or b is None:
        return a if b is None else b
    return a + [v for v in b if v not in set(a)]


def summarise_numbers(x: np.ndarray) -> ColumnSummary:
    """A numeric column as floats (NaN for null)."""
    finite = x[np.isfinite(x)]
    return ColumnSummary(
        rows=len(x),
        nulls=int(np.isnan(x).sum()),
        posinf=int(np.isposinf(x).sum()),
        neginf=int(np.isneginf(x).sum()),
        total=float(finite.sum()),
        squares=float(np.square(finite).sum()),
        sketch=QuantileSketch.of(finite),
    )


def summarise_categories(series: pd.Series, capacity: int = TOP_K) -> ColumnSummary:
    counts = series.value_counts(dropna=True)
    dropped = 0
    if len(counts) > capacity:
        dropped = int(counts.iloc[capacity:].sum())
        counts = counts.iloc[:capacity]
    dtype = series.dtype
    categories = list(dtype.categories) if isinstance(dtype, pd.CategoricalDtype) else None
    return ColumnSummary(
        rows=len(series),
        nulls=int(series.isna().sum()),
        counts=Counter({_plain(k): int(v) for k, v in counts.items() if v > 0}),
        dropped=dropped,
        dtype_categories=categories,
    )


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class TableSummary:
    rows: int
    columns: dict[str, ColumnSummary]

    def merge(self, other: TableSummary) -> TableSummary:
        return TableSummary(
            self.rows + other.rows,
            {name: col.merge(other.columns[name]) for name, col in self.columns.items()},
        )


def merge_all(summaries: list[TableSummary]) -> TableSummary:
    """Merge pairwise as a balanced tree (what a distributed reduction does)."""
    while len(summaries) > 1:
        pairs = [summaries[i : i + 2] for i in range(0, len(summaries), 2)]
        summaries = [p[0].merge(p[1]) if len(p) == 2 else p[0] for p in pairs]
    return summaries[0]


@dataclass
class Moments:
    """Partial sums of an encoded matrix: rows, column sums, and X^T X."""

    rows: int
    sums: np.ndarray
    products: np.ndarray

    @classmethod
    def of(cls, data: np.ndarray) -> Moments:
        return cls(len(data), data.sum(axis=0), data.T @ data)

    def merge(self, other: Moments) -> Moments:
        products = self.products + other.products
        return Moments(self.rows + other.rows, self.sums + other.sums, products)

    def mean_std_correlation(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Means, population standard deviations, and the correlation of the standardised
        columns (a column without spread keeps scale 1), as `GaussianCopula._fit_encoded`."""
        mean = self.sums / self.rows
        cov = self.products / self.rows - np.outer(mean, mean)
        std = np.sqrt(np.clip(np.diag(cov), 0, None))
        scale = np.where(std > 0, std, 1.0)
        return mean, std, cov / np.outer(scale, scale)
