"""Numeric encodings of prepared tables for distances and models.

`FeatureSpace` is the normalised space every distance-based metric uses: a numerical column
becomes (x - min) / (max - min) over the real table's range (nulls take the real median and add
a 0/1 null indicator), a categorical column becomes a one-hot vector of its `top` most frequent
real categories plus one slot for every other value, scaled by 1/sqrt(2) so that two different
categories are at distance 1, like two numbers at the opposite ends of the range.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .prepare import Tables

TOP_CATEGORIES = 20
# HistGradientBoosting takes at most 255 bins; one is kept for "every other category".
MAX_MODEL_CATEGORIES = 254


class FeatureSpace:
    """Fit on the real table's columns, then encode any prepared table the same way."""

    def __init__(
        self, *, columns: Sequence[str], categorical: Sequence[str], top: int = TOP_CATEGORIES
    ):
        self.columns = list(columns)
        self.categorical = [c for c in categorical if c in self.columns]
        self.top = top

    def fit(self, real: pd.DataFrame) -> FeatureSpace:
        self.ranges_: dict[str, tuple[float, float, float, bool]] = {}
        self.slots_: dict[str, int] = {}
        for name in self.columns:
            values = real[name]
            if name in self.categorical:
                self.slots_[name] = min(self.top, len(values.cat.categories)) + 1
            else:
                numbers = values.to_numpy(np.float64)
                present = numbers[~np.isnan(numbers)]
                lo = float(present.min()) if len(present) else 0.0
                hi = float(present.max()) if len(present) else 1.0
                median = float(np.median(present)) if len(present) else 0.0
                self.ranges_[name] = (
                    lo,
                    hi - lo if hi > lo else 1.0,
                    median,
                    bool(np.isnan(numbers).any()),
                )
        return self

    @property
    def width(self) -> int:
        numeric = sum(2 if r[3] else 1 for r in self.ranges_.values())
        return numeric + sum(self.slots_.values())

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """An (n_rows, width) float64 matrix."""
        blocks = []
        for name in self.columns:
            if name in self.categorical:
                slots = self.slots_[name]
                code = frame[name].cat.codes.to_numpy().astype(np.int64)
                code = np.where((code < 0) | (code >= slots - 1), slots - 1, code)
                block = np.zeros((len(frame), slots))
                block[np.arange(len(frame)), code] = 1.0 / np.sqrt(2.0)
                blocks.append(block)
            else:
                lo, span, median, has_nulls = self.ranges_[name]
                numbers = frame[name].to_numpy(np.float64)
                missing = np.isnan(numbers)
                blocks.append(((np.where(missing, median, numbers) - lo) / span)[:, None])
                if has_nulls:
                    blocks.append(missing.astype(np.float64)[:, None])
        return np.hstack(blocks) if blocks else np.zeros((len(frame), 0))


def model_matrix(
    frame: pd.DataFrame, columns: Sequence[str], categorical: Sequence[str]
) -> np.ndarray:
    """Features for HistGradientBoosting: numbers as they are (NaN for nulls) and category codes
    (NaN for nulls; codes past 253 pooled into 254, since categories are sorted by real
    frequency these are the rarest ones)."""
    out = np.empty((len(frame), len(columns)))
    for j, name in enumerate(columns):
        if name in categorical:
            code = frame[name].cat.codes.to_numpy().astype(np.float64)
            code[code < 0] = np.nan
            out[:, j] = np.minimum(code, MAX_MODEL_CATEGORIES)
        else:
            out[:, j] = frame[name].to_numpy(np.float64)
    return out


def feature_space(tables: Tables, columns: Sequence[str] | None = None) -> FeatureSpace:
    """The normalised space of `columns` (default: every compared column), fitted on real."""
    chosen = tables.columns if columns is None else list(columns)
    return FeatureSpace(columns=chosen, categorical=tables.categorical).fit(tables.real)
