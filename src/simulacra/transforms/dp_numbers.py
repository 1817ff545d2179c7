"""The DP fit of numbers and datetimes (see `transforms/dp.py`): a noisy range and histogram of
the values, nulls and infinities, and a surrogate sample drawn from it: the DP producer of
`NumberStats`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..privacy.mechanisms import cells_for, dp_histogram, dp_range, resample
from .columns import (
    NEGINF_CODE,
    POSINF_CODE,
    ColumnTransform,
    DatetimeTransform,
    NumericalTransform,
)
from .dp_column import PUBLIC, SURROGATE_ROWS, DPColumn, has_public_range
from .statistics import NumberStats


class DPContinuous(DPColumn):
    """The DP fit of numbers and datetimes (see the module docstring)."""

    low_: float
    high_: float
    specials_: int
    encoders: list[Any]
    continuous: str
    discrete: str
    _encoder: Any  # ColumnTransform._encoder, from the partner class
    infinities_: tuple[bool, bool]  # whether +inf and -inf were released
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
        released = self._significant(posinf), self._significant(neginf)
        if not self.holds_infinities():  # none can be there: noise alone made these counts
            released = (0.0, 0.0)
        self.infinities_ = (released[0] > 0, released[1] > 0)
        return NumberStats(
            finite=surrogate,
            finite_rows=float(counts.sum()),
            nulls=nulls if self.null_share_ else 0.0,
            posinf=released[0],
            neginf=released[1],
            low=None if public else float(edges[used[0]]),
            high=None if public else float(edges[used[-1] + 1]),
            declared_low=low if public else None,
            declared_high=high if public else None,
        )

    def holds_infinities(self) -> bool:
        """Whether the column's dtype can hold an infinity (public metadata): floats can,
        integers cannot (an infinity there failed decoding, Int64 refusing -inf)."""
        dtype = str(self.meta.dtype)
        return not (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))

    def _unseen_infinities(self, x: np.ndarray) -> np.ndarray:
        """Infinities too few for the noise to release are read as the range's ends (an
        error would tell that a few rows hold them)."""
        released = getattr(self, "infinities_", (True, True))
        if self.specials_ < POSINF_CODE or not released[0]:
            x = np.where(np.isposinf(x), self.high_, x)
        if self.specials_ < NEGINF_CODE or not released[1]:
            x = np.where(np.isneginf(x), self.low_, x)
        return x

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "infinities": list(self.infinities_)}

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        released = state.get("infinities", (True, True))
        self.infinities_ = (bool(released[0]), bool(released[1]))


class DPNumericalTransform(DPContinuous, NumericalTransform):
    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        # no value grid (grid_values None): values are rounded to the declared decimals
        return self.learn(self.dp_statistics(self.to_float(series), rng), rng)

    def describe(self) -> dict[str, Any]:
        return self._dp_describe(super().describe())


class DPDatetimeTransform(DPContinuous, DatetimeTransform):
    def holds_infinities(self) -> bool:
        """Never: a datetime column holds no infinity (one made its values objects)."""
        return False

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
