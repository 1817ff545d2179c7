"""The base of the differentially private column transforms (`transforms/dp.py` says what the
DP path learns and from what): the noise and threshold every DP column draws from
(`DPStatistics`), what a DP column shares (`DPColumn`: the record of its statistics' sources,
its public Column, its noisy null share), and which statistics are public knowledge."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..metadata import TEXT_MODEL, Column, Metadata
from ..privacy.ledger import PrivacyLedger
from ..privacy.mechanisms import category_threshold, noise_level, sigma_for
from .columns import ColumnTransform, _json_value

# rows of the surrogate sample the encoders are fitted on (post-processing: any size is free)
SURROGATE_ROWS = 10_000
# a column gets a null indicator when its noisy null share is at least this
MIN_NULL_SHARE = 0.002
# ... and its noisy null count (or infinities', or a key size's) is at least the level that
# the discrete Gaussian noise alone reaches with this probability, from its exact tail: a
# spurious null indicator costs the model budget and turns an int64 column into Int64. (The
# level was 3 normal sigmas: 0.13% nominal, but the whole-number noise's tail is heavier at
# small sigma: the tests' 16-column table at epsilon 0.5 got a null or infinity it lacked,
# or failed to decode, in 3 of 300 fits with seeded noise; the contract test saw it once.)
SPECIALS_FALSE_SHARE = 1e-5
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
    # a generated column's null share; an entity key's rows per key count twice (one row
    # moves a key from one size to the next: two counts change, an L2 distance of sqrt 2)
    return (0 if meta.public else 1) + (2 if meta.entity else 0)


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
        """A noisy count, or 0 when noise alone could have made it (`SPECIALS_FALSE_SHARE`)."""
        return float(count) if count >= self._special_level() else 0.0

    def _special_level(self) -> int:
        return noise_level(self.stats.sigma, SPECIALS_FALSE_SHARE)

    def _null_share(self, null_count: float, total: float) -> float:
        """The share of nulls from noisy counts: 0 unless significant, at most 1, rounded."""
        if not self._significant(null_count) or total <= 0:
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


def public_metadata(columns: dict[str, ColumnTransform]) -> Metadata:
    """The Metadata a DP model stores: each column's schema plus DP or public statistics."""
    out = {}
    for name, column in columns.items():
        assert isinstance(column, DPColumn)
        out[name] = column.public_column()
    return Metadata(out)
