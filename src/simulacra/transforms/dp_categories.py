"""The DP fit of categories, flags and generated columns (see `transforms/dp.py`): noisy counts
of a public list or of the values found above the threshold (the DP producer of
`CategoryStats`), constants found the same way, and noisy null shares."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..metadata import TEXT_MODEL
from .columns import (
    BooleanTransform,
    CategoricalTransform,
    ColumnTransform,
    ConstantTransform,
    FakerTransform,
    IdTransform,
    TextTransform,
    _json_value,
)
from .dp_column import PUBLIC, DPColumn, public_categories
from .statistics import CategoryStats

# the rows of categories below the threshold get an "other" code when their estimate (a sum
# of many noisy counts, close to normal) is at least this many sigmas
POOLED_SIGMAS = 3.0


def _sorted(values: list[Any]) -> list[Any]:
    """Values in their natural order (as pandas orders a Categorical's list), else as given."""
    try:
        return sorted(values)
    except TypeError:
        return list(values)


class DPCategoricalTransform(DPColumn, CategoricalTransform):
    """Categories from a public list, or found by the DP threshold; noisy counts."""

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        self.learn(self.dp_statistics(series), rng)
        assert self.counts_ is not None
        self.code_counts_ = self._code_counts(self.counts_)
        return self

    def dp_statistics(self, series: pd.Series) -> CategoryStats:
        """The DP producer of a categorical column's statistics: one noisy histogram of the
        public list's values (or of the values found, kept above the threshold) and nulls."""
        stats = self.stats
        declared = public_categories(self.meta, series)
        values, raw = self._observed(series, declared)
        noisy = stats.noise.noisy(np.array([*raw, float(series.isna().sum())]))
        counts, nulls = noisy[:-1], max(float(noisy[-1]), 0.0)
        keep = np.ones(len(values), bool) if declared is not None else counts > stats.threshold
        kept = {values[i]: max(float(counts[i]), 1.0) for i in np.flatnonzero(keep)}
        self.null_share_ = self._null_share(nulls, float(np.maximum(counts, 0).sum()) + nulls)
        self.has_null_ = bool(self.null_share_)
        pooled = 0.0 if declared is not None else self._pooled(np.array([*kept.values()]), nulls)
        listed = None
        if isinstance(series.dtype, pd.CategoricalDtype):
            listed = list(declared) if declared is not None else _sorted(list(kept))
        found = "public list" if declared is not None else "DP: noisy counts above threshold"
        self.sources_ = {
            "categories": found,
            "frequencies": "DP: noisy counts",
            "nulls": "DP: noisy null count",
        }
        return CategoryStats(
            counts=kept,
            nulls=self.null_share_ * stats.rows if self.has_null_ else 0.0,
            pooled=pooled,
            listed=listed,
        )

    def _observed(
        self, series: pd.Series, declared: list[Any] | None
    ) -> tuple[list[Any], list[float]]:
        """The values to count (the public list, else those in the rows) and their counts."""
        observed = series.value_counts(dropna=True, sort=False)
        if declared is None:
            return [_json_value(v) for v in observed.index], observed.to_numpy(np.float64).tolist()
        if any(_json_value(v) not in declared for v in observed.index):
            raise DataError(
                f"column '{self.name}' holds a value that is not in its public categories "
                "(not shown: the column is private)"
            )
        return list(declared), [float(observed.get(v, 0)) for v in declared]

    def _pooled(self, kept_counts: np.ndarray, nulls: float) -> float:
        """Rows of categories below the threshold, estimated from the noisy row count; 0
        (no "other" code) unless that estimate is significant, or nothing was kept."""
        rest = self.stats.rows - float(kept_counts.sum()) - (nulls if self.has_null_ else 0.0)
        spread = self.stats.sigma * np.sqrt(len(kept_counts) + 2)
        if len(kept_counts) and rest < POOLED_SIGMAS * spread:
            return 0.0
        return max(rest, 1.0)

    def codes(self, series: pd.Series) -> np.ndarray:
        codes = super().codes(series)
        if not self.rare_count_ and not self.tail_values_ and self.categories_:
            # no "other" code: rows of values not kept count as the most frequent category
            codes[(codes == self.other_code) & series.notna().to_numpy()] = 0
        return codes

    def _code_counts(self, head: np.ndarray) -> np.ndarray:
        """Noisy rows of each code (at least 1): the kept categories, "other" (the tail and
        the pooled rows) and null. DP outputs, kept for models that need category frequencies
        (CTGAN's conditional vector) so they do not spend budget on them again."""
        counts = [*head]
        if self.tail_values_ or self.rare_count_:
            counts.append(float(self.tail_counts_.sum()) + self.rare_count_)
        if self.has_null_:
            counts.append(self.null_share_ * self.stats.rows)
        return np.maximum(np.asarray(counts, dtype=np.float64), 1.0)

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "code_counts": self.code_counts_}

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        self.code_counts_ = np.asarray(state.get("code_counts", []), dtype=np.float64)

    def describe(self) -> dict[str, Any]:
        out = self._dp_describe(super().describe())
        if self.rare_count_:
            out["rare"] = (
                f"about {self.rare_count_:.0f} rows (a noisy estimate) hold categories the DP "
                f"threshold did not release; emitted as {self._rare_value()!r}"
            )
        return out


class DPBooleanTransform(DPCategoricalTransform, BooleanTransform):
    kind = "boolean"


class DPGenerated(DPColumn):
    """Ids, PII, text and constants: only the null share is learned, with a noisy count."""

    def _fit_nulls(self, series: pd.Series) -> None:
        if self.meta.public:
            self.null_share_ = float(self.meta.null_share)
            self.sources_ = {"nulls": PUBLIC}
            return
        noisy = self.stats.noise.noisy(np.array([float(series.isna().sum())]))[0]
        self.null_share_ = self._null_share(max(float(noisy), 0.0), float(self.stats.rows))
        self.sources_ = {"nulls": "DP: noisy null count"}
        self.meta = replace(self.meta, null_share=self.null_share_)


class DPIdTransform(DPGenerated, IdTransform):
    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        IdTransform.fit(self, series, rng)
        self._fit_nulls(series)
        if not self.meta.public:
            self.meta = replace(self.meta, start=None)
        if self.sizes_ is not None:  # keys per size: one noisy histogram over public sizes
            noisy = self.stats.noise.noisy(self.sizes_, l2_squared=2)
            self.sizes_ = np.array([self._significant(v) for v in noisy])
            self.sources_["rows per key"] = "DP: noisy histogram of keys per size"
        return self


class DPFakerTransform(DPGenerated, FakerTransform):
    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        FakerTransform.fit(self, series, rng)
        self._fit_nulls(series)
        return self


class DPTextTransform(DPGenerated, TextTransform):
    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        FakerTransform.fit(self, series, rng)  # never the character model: it reads strings
        self.strings_ = None
        if self.meta.provider == TEXT_MODEL:
            self.meta = replace(self.meta, provider=None)
        self._fit_nulls(series)
        return self


class DPConstantTransform(DPGenerated, ConstantTransform):
    """A constant's value from public metadata, or found by the noisy category threshold (a
    value held by a few rows is never released; then the column is null)."""

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        if self.meta.public:
            ConstantTransform.fit(self, series.iloc[:0], rng)  # the declared value only
            self._fit_nulls(series)
            return self
        observed = series.value_counts(dropna=True, sort=False)
        raw = [*observed.to_numpy(np.float64), float(series.isna().sum())]
        noisy = self.stats.noise.noisy(np.array(raw))  # one histogram: values and nulls
        noisy, nulls = noisy[:-1], float(noisy[-1])
        found = np.flatnonzero(noisy > self.stats.threshold)
        value = observed.index[found[np.argmax(noisy[found])]] if len(found) else None
        if isinstance(value, pd.Timestamp | np.datetime64):
            value = pd.Timestamp(value).isoformat()
        self.value_ = _json_value(value)
        total = float(max(noisy[found].max(), 0.0)) if len(found) else 0.0
        self.null_share_ = 1.0 if value is None else self._null_share(nulls, total + nulls)
        self.meta = replace(self.meta, null_share=self.null_share_, value=self.value_)
        self.sources_ = {"value": "DP: noisy counts above threshold", "nulls": "DP: noisy count"}
        return self
