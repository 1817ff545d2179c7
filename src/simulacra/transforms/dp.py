"""The differentially private path of the TableTransformer (`TableTransformer(privacy=...)`).

Every statistic a DP column transform keeps is public metadata (a column marked `public:
true`: its `min`/`max` and `categories`) or post-processing of one Gaussian-mechanism histogram
of the column (`privacy.mechanisms`), never the raw data:

- numbers and datetimes: the range (public, or noisy power-of-two buckets), a noisy histogram
  of the values and the null count; the usual encoder (quantile bins, quantile-to-normal,
  Bayesian GMM modes, min-max) is then fitted on a surrogate sample drawn from that histogram,
  rounded to the column's declared decimals. No raw minimum, maximum, quantile, point mass or
  value grid reaches the model file.
- categories: noisy counts of the public list (booleans' True/False, or `categories` of a
  column marked public; a pandas Categorical's own list is data, not public), or of the
  observed values, of which only those above `mechanisms.category_threshold` are kept (no
  raw-count `min_count`). Rows of categories that were not kept share an "other" code only
  when their noisy number is significant (else they count as the most frequent category), so
  noise alone never invents a category. The noisy count of each code is kept (`code_counts_`,
  saved with the transformer): CTGAN's conditional vector reuses it.
- ids, PII and text: regenerated as usual; their null share is a noisy count, and a text
  column's character model (which reads real strings) becomes Faker sentences.
- constants: the value declared in public metadata, or the value found by the same noisy
  threshold as categories (a value held by one row is never released); else null.
- the number of rows: one more noisy count (`DPStatistics.rows`), the only row count a DP
  model uses or stores.

What the DP path takes as given is the schema: column names, kinds, dtypes, integer-ness and
decimals, datetime formats and time zones, id patterns. It comes from the user's metadata, or,
when the user opts in (`infer_schema=True`), from inference over the rows, which publishes it
as it is. The saved Metadata is this schema plus the DP null shares (`public_metadata`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..metadata import TEXT_MODEL, Column, Metadata
from ..privacy.ledger import PrivacyLedger
from ..privacy.mechanisms import (
    category_threshold,
    cells_for,
    dp_histogram,
    dp_range,
    resample,
    sigma_for,
)
from .columns import (
    NEGINF_CODE,
    POSINF_CODE,
    BooleanTransform,
    CategoricalTransform,
    ColumnTransform,
    ConstantTransform,
    DatetimeTransform,
    FakerTransform,
    IdTransform,
    NumericalTransform,
    TextTransform,
    _json_value,
)
from .statistics import CategoryStats, NumberStats

# rows of the surrogate sample the encoders are fitted on (post-processing: any size is free)
SURROGATE_ROWS = 10_000
# a column gets a null indicator when its noisy null share is at least this
MIN_NULL_SHARE = 0.002
# ... and its noisy null count is at least this many sigmas (noise alone passes 3 sigma in
# 0.13% of columns; at 2 sigma, 2.3%, and a spurious null column costs the model budget)
NULL_SIGMAS = 3.0
PUBLIC = "public metadata"


def has_public_range(meta: Column) -> bool:
    return bool(meta.public) and meta.min is not None and meta.max is not None


def public_categories(meta: Column, series: pd.Series | None = None) -> list[Any] | None:
    """The category list that is public knowledge: a boolean's two values as its dtype writes
    them (True/False, or 0/1 for numbers), or, for a column marked public, its `categories`
    (else a pandas Categorical's own list); None otherwise. A Categorical's list is not public
    by itself: it is often built from the rows."""
    if meta.kind == "boolean":  # by its dtype (schema): True/False, 0/1, or text to find
        if meta.dtype.lower() in ("bool", "boolean"):
            return [False, True]
        if meta.dtype.lower().startswith(("int", "uint", "float")):
            return [0, 1]
        return list(meta.categories) if meta.public and meta.categories else None
    if not meta.public:
        return None
    if meta.categories is not None:
        return list(meta.categories)
    if series is not None and isinstance(series.dtype, pd.CategoricalDtype):
        return [_json_value(v) for v in series.dtype.categories]
    return None


def searches_values(meta: Column) -> bool:
    """Whether the DP path finds this column's values with the noisy threshold."""
    if meta.kind in ("categorical", "boolean"):
        return public_categories(meta) is None
    return meta.kind == "constant" and not meta.public


def measurements_of(meta: Column) -> int:
    """Gaussian histograms the DP path takes of a column (fixed by the metadata alone, so the
    noise scale does not depend on the data)."""
    if meta.kind in ("numerical", "datetime"):
        return 1 if has_public_range(meta) else 2
    if meta.kind in ("categorical", "boolean"):
        return 1
    return 0 if meta.public else 1  # a generated column's null share


class DPStatistics:
    """The noise every DP column transform draws from: one sigma for all measurements (the
    metadata share of the budget split evenly over the columns' histograms and the row
    count), the threshold for found categories, and the noisy number of rows."""

    def __init__(self, ledger: PrivacyLedger, metadata: Metadata, rows: int):
        columns = list(metadata.columns.values())
        budget = ledger.budget
        self.budget = budget
        self.measurements = 1 + sum(measurements_of(c) for c in columns)
        self.sigma = sigma_for(budget.metadata_rho, self.measurements)
        self.noise = ledger.noise(self.sigma, "metadata statistics")
        # the row count: a histogram of one cell (sensitivity 1 under add/remove)
        self.rows = max(int(self.noise.noisy(np.array([rows]))[0]), 1)
        searching = sum(searches_values(c) for c in columns)
        self.threshold = category_threshold(self.sigma, budget.threshold_delta / max(searching, 1))

    def describe(self) -> dict[str, Any]:
        return {
            "rho": round(self.budget.metadata_rho, 8),
            "measurements": self.measurements,
            "sigma": round(self.sigma, 4),
            "category_threshold": round(self.threshold, 2),
            "rows": self.rows,
        }


class DPColumn:
    """What every DP column transform shares: its DP statistics, the record of where each
    learned statistic came from (`sources_`), and its public Column."""

    shows_values = False
    stats: DPStatistics
    name: str
    meta: Column
    sources_: dict[str, str]
    null_share_: float

    def public_column(self) -> Column:
        """The column's metadata as it may be stored: schema plus DP or public statistics."""
        meta = self.meta
        keep = bool(meta.public)
        return replace(
            meta,
            null_share=round(float(getattr(self, "null_share_", 0.0)), 4),
            value=getattr(self, "value_", None) if meta.kind == "constant" else None,
            min=meta.min if keep else None,
            max=meta.max if keep else None,
            start=meta.start if keep else None,
            categories=meta.categories if keep else None,
            cardinality=None,
            provider=None if meta.kind == "text" and meta.provider == TEXT_MODEL else meta.provider,
            extra=dict(meta.extra) if keep else {},
        )

    def _significant(self, count: float) -> float:
        """A noisy count, or 0 when noise alone could have made it (under `NULL_SIGMAS`)."""
        return float(count) if count >= NULL_SIGMAS * self.stats.sigma else 0.0

    def _null_share(self, null_count: float, total: float) -> float:
        """The share of nulls from noisy counts: 0 unless significant, at most 1, rounded."""
        if null_count < NULL_SIGMAS * self.stats.sigma or total <= 0:
            return 0.0
        share = min(null_count / total, 1.0)
        return round(share, 4) if share >= MIN_NULL_SHARE else 0.0

    # cooperative: the column transform after this mixin in the MRO stores the rest
    def _state(self) -> dict[str, Any]:
        dp = {"sources": self.sources_, "null_share": getattr(self, "null_share_", 0.0)}
        return {**super()._state(), **dp}  # type: ignore[misc]

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)  # type: ignore[misc]
        self.sources_ = dict(state.get("sources", {}))
        self.null_share_ = float(state.get("null_share", 0.0))

    def _dp_describe(self, out: dict[str, Any]) -> dict[str, Any]:
        return {**out, "sources": self.sources_}


class DPContinuous(DPColumn):
    """The DP fit of numbers and datetimes (see the module docstring)."""

    low_: float
    high_: float
    specials_: int
    encoders: list[Any]
    continuous: str
    discrete: str
    _encoder: Any  # ColumnTransform._encoder, from the partner class
    # what a value of the column can be at all (a noisy range is kept inside)
    value_limits: tuple[float, float] = (-np.inf, np.inf)

    def dp_statistics(self, x: np.ndarray, rng: np.random.Generator) -> NumberStats:
        """The DP producer of a numeric column's statistics: the range (public, or noisy
        power-of-two buckets), a noisy histogram of the values and the null count, and a
        surrogate sample drawn from it (rounded to the declared decimals) for the encoders."""
        meta, stats = self.meta, self.stats
        if has_public_range(meta):
            low, high = float(meta.min), float(meta.max)  # type: ignore[arg-type]
            range_source = PUBLIC
        else:
            low, high = np.clip(dp_range(x, stats.noise), *self.value_limits)
            range_source = "DP: noisy power-of-two buckets, then the histogram's outer cells"
        cells = cells_for(stats.rows, stats.sigma)
        edges, counts, (nulls, posinf, neginf) = dp_histogram(x, low, high, cells, stats.noise)
        surrogate = resample(edges, counts, SURROGATE_ROWS, rng)
        if meta.integer:
            surrogate = np.round(surrogate)
        elif meta.decimals is not None:
            surrogate = np.round(surrogate, meta.decimals)
        surrogate = np.clip(surrogate, low, high)
        public = range_source == PUBLIC
        used = np.flatnonzero(counts > 0)
        self.null_share_ = self._null_share(nulls, counts.sum() + nulls)
        self.sources_ = {
            "range": range_source,
            "bins": f"DP: noisy histogram of {cells} cells, encoder fitted on a surrogate sample",
            "nulls": "DP: noisy null count",
        }
        return NumberStats(
            finite=surrogate,
            finite_rows=float(counts.sum()),
            nulls=nulls if self.null_share_ else 0.0,
            posinf=self._significant(posinf),
            neginf=self._significant(neginf),
            low=None if public else float(edges[used[0]]),
            high=None if public else float(edges[used[-1] + 1]),
            declared_low=low if public else None,
            declared_high=high if public else None,
        )

    def _unseen_infinities(self, x: np.ndarray) -> np.ndarray:
        """Infinities too few for the noise to release are read as the range's ends (an
        error would tell that a few rows hold them)."""
        if self.specials_ < POSINF_CODE:
            x = np.where(np.isposinf(x), self.high_, x)
        if self.specials_ < NEGINF_CODE:
            x = np.where(np.isneginf(x), self.low_, x)
        return x


class DPNumericalTransform(DPContinuous, NumericalTransform):
    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        # no value grid (grid_values None): values are rounded to the declared decimals
        return self.learn(self.dp_statistics(self.to_float(series), rng), rng)

    def describe(self) -> dict[str, Any]:
        return self._dp_describe(super().describe())


class DPDatetimeTransform(DPContinuous, DatetimeTransform):
    # seconds since 1970 that a pandas timestamp (nanoseconds in 64 bits) can hold
    value_limits = (pd.Timestamp.min.value / 1e9 + 1.0, pd.Timestamp.max.value / 1e9 - 1.0)

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        native = pd.api.types.is_datetime64_any_dtype(series.dtype)
        self.format_ = self.meta.format
        if self.format_ is None and not native:
            raise DataError(
                f"column '{self.name}': under differential privacy a datetime column's format "
                "comes from the metadata; set its 'format' (e.g. \"%Y-%m-%d\")"
            )
        stats = self.dp_statistics(self.to_float(series), rng)
        stats.resolution = _resolution(self.format_, self.meta.dtype)
        self.learn(stats, rng)
        if "%z" in (self.format_ or "") and not native:
            # the UTC offset written out: the metadata's time zone, never a row's own offset
            self.offset_minutes_ = declared_offset(self.meta.timezone)
            self.sources_["utc_offset"] = PUBLIC if self.meta.timezone else "UTC (none declared)"
        return self

    def describe(self) -> dict[str, Any]:
        return self._dp_describe(super().describe())


def _sorted(values: list[Any]) -> list[Any]:
    """Values in their natural order (as pandas orders a Categorical's list), else as given."""
    try:
        return sorted(values)
    except TypeError:
        return list(values)


def declared_offset(timezone: str | None) -> int:
    """Minutes east of UTC of a declared time zone ("+02:00", "Europe/Paris" in January)."""
    if not timezone:
        return 0
    try:
        offset = pd.Timestamp("2000-01-01", tz=timezone).utcoffset()
    except (ValueError, TypeError, KeyError) as exc:
        raise DataError(f"time zone {timezone!r} is not one pandas knows") from exc
    return int(offset.total_seconds() // 60) if offset else 0


def _resolution(fmt: str | None, dtype: str) -> float | None:
    """The resolution a datetime format can show (days for dates, seconds, milliseconds)."""
    if fmt is None:
        return None
    if fmt == "epoch_ms":
        return 1e-3
    if fmt == "epoch_s" or ("%S" in fmt and "%f" not in fmt):
        return 1.0
    return 86_400.0 if "%H" not in fmt and "%f" not in fmt else None


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
        if len(kept_counts) and rest < NULL_SIGMAS * spread:
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


DP_TRANSFORMS: dict[str, type[ColumnTransform]] = {
    cls.kind: cls
    for cls in (
        DPNumericalTransform,
        DPDatetimeTransform,
        DPCategoricalTransform,
        DPBooleanTransform,
        DPIdTransform,
        DPFakerTransform,
        DPTextTransform,
        DPConstantTransform,
    )
}


def public_metadata(columns: dict[str, ColumnTransform]) -> Metadata:
    """The Metadata a DP model stores: each column's schema plus DP or public statistics."""
    out = {}
    for name, column in columns.items():
        assert isinstance(column, DPColumn)
        out[name] = column.public_column()
    return Metadata(out)
