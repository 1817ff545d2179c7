"""One reversible transform per column kind: numbers and datetimes here, the others in
`categorical` and `generated` (re-exported), and `TRANSFORMS`, the kind -> class map.

A column transform turns a pandas Series into model-space numbers (`encode`) and model-space
numbers back into a Series with the original dtype, bounds, rounding, nulls and categories
(`decode`). Columns that are never modelled (ids, PII, free text, constants) have no output
block and are regenerated on `decode`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .._dates import guess_datetime_format
from .._values import without_tokens
from ..errors import ConditionError, DataError
from .categorical import BooleanTransform, CategoricalTransform
from .column import (
    CONTINUOUS,
    DISCRETE,
    ENCODERS,
    RARE_LABEL,
    ColumnTransform,
    _json_value,
)
from .conditions import NUMBER_WINDOW, Condition
from .generated import (
    ConstantTransform,
    FakerTransform,
    GeneratedTransform,
    IdTransform,
    TextTransform,
)
from .grid import MASS_ROWS, Grid, learn_grid
from .statistics import NumberStats, number_stats, resolution_of

__all__ = [
    "CONTINUOUS",
    "DISCRETE",
    "ENCODERS",
    "RARE_LABEL",
    "TRANSFORMS",
    "BooleanTransform",
    "CategoricalTransform",
    "ColumnTransform",
    "ConstantTransform",
    "ContinuousTransform",
    "DatetimeTransform",
    "FakerTransform",
    "GeneratedTransform",
    "IdTransform",
    "NumericalTransform",
    "TextTransform",
    "_json_value",
]

# codes of the indicator block of a continuous column: a value, null, inf, -inf
VALUE_CODE, NULL_CODE, POSINF_CODE, NEGINF_CODE = 0, 1, 2, 3


def _special_codes(x: np.ndarray) -> np.ndarray:
    codes = np.full(len(x), VALUE_CODE, dtype=np.int64)
    codes[np.isnan(x)] = NULL_CODE
    codes[np.isposinf(x)] = POSINF_CODE
    codes[np.isneginf(x)] = NEGINF_CODE
    return codes


class ContinuousTransform(ColumnTransform):
    """Numbers (and datetimes as seconds): a continuous encoder of the finite values plus, if
    nulls or infinities occur, an indicator (value, null, inf, -inf) encoded like a category
    column, so infinities come back as infinities in their learned share."""

    low_: float
    high_: float
    specials_: int = 0

    def to_float(self, series: pd.Series) -> np.ndarray:
        raise NotImplementedError

    def from_float(self, values: np.ndarray, nulls: np.ndarray) -> pd.Series:
        raise NotImplementedError

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        return self.learn(self.statistics(series), rng)

    def statistics(self, series: pd.Series) -> NumberStats:
        """The column's exact statistics (the range declared in the metadata kept)."""
        return number_stats(self.to_float(series), self.meta.min, self.meta.max)

    def learn(self, stats: NumberStats, rng: np.random.Generator) -> ColumnTransform:
        """Learn from a column's statistics, exact, DP or merged (`statistics.py`): the
        encoder of the finite values, the range (declared; else the encoder's own, which keeps
        the extremes private; else the values'), and an indicator of nulls and infinities
        when the column has them."""
        observed = stats.finite
        if not len(observed):
            raise DataError(
                f"column '{self.name}' has no finite values; set its kind to 'categorical'"
            )
        try:
            self.encoders = [self._encoder(CONTINUOUS[self.continuous]).fit(observed, rng)]
        except DataError as exc:  # the encoder cannot learn these values: name the column
            raise DataError(f"column '{self.name}': {exc}") from exc
        support = self.encoders[0].support()
        low = stats.low if stats.low is not None else float(observed.min())
        high = stats.high if stats.high is not None else float(observed.max())
        if support is not None:  # the encoder keeps the extremes private: use its range
            low, high = support
        self.low_ = float(low if stats.declared_low is None else stats.declared_low)
        self.high_ = float(high if stats.declared_high is None else stats.declared_high)
        codes = stats.special_counts()
        self.specials_ = int(np.flatnonzero(codes)[-1])
        if self.specials_:
            encoder = self._encoder(DISCRETE[self.discrete])
            self.encoders.append(encoder.fit_counts(codes[: self.specials_ + 1]))
        return self

    def encode(self, series: pd.Series, rng: np.random.Generator) -> np.ndarray:
        x = self._unseen_infinities(self.to_float(series))
        codes = _special_codes(x)
        special = codes != VALUE_CODE
        if special.any():
            observed = x[~special]
            x = x.copy()
            x[special] = rng.choice(observed, int(special.sum())) if len(observed) else 0.0
        parts = [self.encoders[0].encode(x, rng)]
        if len(self.encoders) > 1:
            parts.append(self.encoders[1].encode(codes, rng))
        return np.hstack(parts)

    def can_encode(self, series: pd.Series) -> bool:
        codes = _special_codes(self.to_float(series))
        return int(codes.max(initial=VALUE_CODE)) <= self.specials_

    def _unseen_infinities(self, x: np.ndarray) -> np.ndarray:
        """`x` to encode, refused when it holds infinities the fit did not learn."""
        if _special_codes(x).max(initial=VALUE_CODE) > max(self.specials_, NULL_CODE):
            raise DataError(f"column '{self.name}' holds infinities, unseen when fitted")
        return x

    def decode(self, encoded: np.ndarray, rng: np.random.Generator, offset: int) -> pd.Series:
        parts = self._split(encoded)
        values = np.clip(self.encoders[0].decode(parts[0]), self.low_, self.high_)
        codes = (
            self.encoders[1].decode(parts[1])
            if len(self.encoders) > 1
            else np.zeros(len(values), np.int64)
        )
        out = self.from_float(values, codes == NULL_CODE)
        if (codes > NULL_CODE).any():
            out = out.mask(codes == POSINF_CODE, np.inf).mask(codes == NEGINF_CODE, -np.inf)
        return out

    def null_token(self, role: str) -> int | None:
        return 1 if role == "null" else None

    def typed(self, numbers: np.ndarray) -> pd.Series:
        """Numbers of a condition as the column's values."""
        return self.from_float(np.asarray(numbers, dtype=np.float64), np.zeros(len(numbers), bool))

    def _number(self, value: Any, shown: Any) -> float:
        """A condition's value as this column's float (datetimes: seconds since 1970)."""
        series = pd.Series([value])
        try:
            if self.meta.dtype.startswith("datetime64"):
                series = pd.to_datetime(series)
            number = float(self.to_float(series)[0])
        except (ValueError, TypeError, DataError) as exc:
            raise ConditionError(
                f"condition {self.name}={shown!r}: not a valid value ({exc})"
            ) from exc
        if np.isnan(number):
            raise ConditionError(f"condition {self.name}={shown!r}: not a valid value")
        return number

    def _check_learned(self, shown: Any, low: float, high: float) -> None:
        """A condition must reach the learned range [low_, high_]."""
        if high < self.low_ or low > self.high_:
            raise ConditionError(
                f"condition {self.name}={shown!r} is outside the learned range "
                f"[{self.low_:g}, {self.high_:g}]"
            )

    def _range_condition(self, value: Any, start: int) -> Condition:
        """`(low, high)`, or text "low..high": every row gets a value inside the range."""
        ends = value.split("..", 1) if isinstance(value, str) else list(value)
        if len(ends) != 2:
            raise ConditionError(f"condition {self.name}={value!r}: a range needs two ends")
        low, high = (
            self._number(end.strip() if isinstance(end, str) else end, value) for end in ends
        )
        if low > high:
            raise ConditionError(f"condition {self.name}={value!r}: the range is empty")
        self._check_learned(value, low, high)
        low, high = max(low, self.low_), min(high, self.high_)
        if self.meta.integer:  # the whole numbers of the range, or none
            low, high = float(math.ceil(low)), float(math.floor(high))
            if low > high:
                raise ConditionError(
                    f"condition {self.name}={value!r}: column '{self.name}' holds whole "
                    "numbers and none lies in that range"
                )
        typed = self.typed(np.array([low, high]))
        encoder = self.encoders[0]
        ends_lo, ends_hi = encoder.score_bounds(low), encoder.score_bounds(high)
        bounds = (ends_lo[0], ends_hi[1]) if ends_lo and ends_hi else None
        return Condition(
            self.name,
            (typed.iloc[0], typed.iloc[1]),
            start,
            encoder.width,
            encoder.decode,
            bounds=bounds,
            low=low,
            high=high,
            codes=encoder.codes_between(low, high),
        )

    def condition(self, value: Any, start: int) -> Condition:
        name = self.name
        if isinstance(value, tuple | list) or (isinstance(value, str) and ".." in value):
            return self._range_condition(value, start)
        number = self._number(value, value)
        self._check_learned(value, number, number)
        if self.meta.integer and number != round(number):
            raise ConditionError(
                f"condition {name}={value!r}: column '{name}' holds whole numbers; give one "
                "(or a range LOW..HIGH)"
            )
        typed = self.typed(np.array([number])).iloc[0]
        encoder = self.encoders[0]
        return Condition(
            name,
            typed,
            start,
            encoder.width,
            encoder.decode,
            code=encoder.code_of(number),
            number=number,
            bounds=encoder.score_bounds(number),
            window=NUMBER_WINDOW * max(self.high_ - self.low_, 1e-12),
        )

    def layout(self) -> list[tuple[str, str, int, bool]]:
        out = [(r, a, w, False) for r, a, w in self.encoders[0].layout()]
        if len(self.encoders) > 1:
            out += [("null", a, w, False) for _, a, w in self.encoders[1].layout()]
        return out

    def describe(self) -> dict[str, Any]:
        out = {"kind": self.kind, **self.encoders[0].describe(), "nulls": len(self.encoders) > 1}
        return {**out, "infinities": True} if self.specials_ > NULL_CODE else out

    def _state(self) -> dict[str, Any]:
        return {"low": self.low_, "high": self.high_, "specials": self.specials_}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.low_, self.high_ = state["low"], state["high"]
        self.specials_ = int(state.get("specials", len(self.encoders) - 1))


class NumericalTransform(ContinuousTransform):
    """Numbers. At fit it also learns the column's value grid (`grid.learn_grid`): the largest
    step in {1, 2, 2.5, 5} x 10^k, at least 10^-decimals, that 99.5% of the nonzero values are
    multiples of, and the point masses (values held by at least 1% of the rows and 20 rows),
    keeping what adds to the integer/decimals rounding. Decoded values are snapped onto that
    grid before the rounding, without random draws; conditions keep the value they were given.
    `describe` shows the grid as "snap" ("step 25, mass 0 (30%)") where there is one."""

    kind = "numerical"
    grid_: Grid = Grid()

    def to_float(self, series: pd.Series) -> np.ndarray:
        series = without_tokens(series, self.meta.null_values)  # 'unknown' among numbers
        try:
            return pd.to_numeric(series, errors="raise").astype("float64").to_numpy(na_value=np.nan)
        except (ValueError, TypeError) as exc:
            raise DataError(f"column '{self.name}' is numerical but holds non-numbers") from exc

    def learn(self, stats: NumberStats, rng: np.random.Generator) -> ColumnTransform:
        super().learn(stats, rng)
        self.grid_ = Grid()
        if stats.grid_values is not None:
            decimals = 0 if self.meta.integer else self.meta.decimals
            min_rows = max(MASS_ROWS, getattr(self, "min_count", 1))
            # finite values only: infinities would overflow the grid's arithmetic
            span = self.high_ - self.low_
            self.grid_ = learn_grid(stats.grid_values, decimals, span, min_rows)
        return self

    def from_float(self, values: np.ndarray, nulls: np.ndarray) -> pd.Series:
        return self._restore(self.grid_.snap(values, self.low_, self.high_), nulls)

    def typed(self, numbers: np.ndarray) -> pd.Series:
        # the grid is for model output; a condition's rows get the value as asked
        return self._restore(np.asarray(numbers, dtype=np.float64), np.zeros(len(numbers), bool))

    def describe(self) -> dict[str, Any]:
        snap = self.grid_.describe()  # shown only where the grid adds to the rounding
        return {**super().describe(), **({"snap": snap} if snap else {})}

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), **self.grid_.state()}

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        self.grid_ = Grid.from_state(state)

    def _restore(self, values: np.ndarray, nulls: np.ndarray) -> pd.Series:
        """`values` rounded to the column's integer-ness or decimals, as its dtype."""
        if self.meta.integer:
            values = np.round(values)
        elif self.meta.decimals is not None:
            values = np.round(values, self.meta.decimals)
        dtype = self.meta.dtype
        if dtype.lower().startswith(("int", "uint")):
            ints = whole_numbers(values, np.dtype(dtype.lower()))
            if nulls.any() or dtype[0] == "I" or dtype[0] == "U":
                nullable = dtype[0].upper() + dtype[1:]
                data = pd.array(ints, dtype=nullable)
                data[nulls] = pd.NA
                return pd.Series(data, name=self.name)
            return pd.Series(ints, name=self.name)
        out = values.astype(np.float64)
        out[nulls] = np.nan
        return pd.Series(out, name=self.name).astype(dtype)


def whole_numbers(values: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    """Rounded floats as integers of `dtype`, clipped to what it holds: a float past its
    largest value (2^64 for uint64, the nearest float to values near it) would wrap to 0."""
    info = np.iinfo(dtype)
    high = float(info.max)
    if int(high) > info.max:  # the float nearest the largest integer is one past it
        high = float(np.nextafter(high, 0.0))
    clipped = np.clip(np.nan_to_num(values, nan=0.0), float(info.min), high)
    return clipped.astype(dtype)


_EPOCH = pd.Timestamp("1970-01-01")
_EPOCH_UNITS = {"epoch_s": "s", "epoch_ms": "ms"}


class DatetimeTransform(ContinuousTransform):
    """Datetimes as float seconds since 1970 (UTC), back to the original representation:
    native datetime64 (keeping its timezone), text in the learned format, YYYYMMDD integers, or
    Unix epoch numbers ("epoch_s", "epoch_ms"). Without a format in the metadata, the format is
    guessed at fit: integers that read as YYYYMMDD dates are never taken for epoch seconds."""

    kind = "datetime"
    format_: str | None = None
    resolution_: float | None = None
    offset_minutes_: int | None = None

    def _parse(self, series: pd.Series) -> pd.Series:
        fmt = self.format_
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            parsed = series
        elif fmt is None:
            raise DataError(f"column '{self.name}': no datetime format matches its values")
        elif fmt in _EPOCH_UNITS:
            numbers = pd.to_numeric(series, errors="coerce")
            parsed = pd.to_datetime(numbers, unit=_EPOCH_UNITS[fmt], errors="coerce")
        elif pd.api.types.is_numeric_dtype(series.dtype):
            x = series.astype("float64")
            # a fraction, an infinity or a huge number matches no date (and fails Int64)
            whole = x.where((x % 1 == 0) & (x.abs() < 2**53))
            text = whole.astype("Int64").astype("string")
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        else:
            parsed = pd.to_datetime(series, format=fmt, errors="coerce", utc="%z" in fmt)
        bad = parsed.isna() & series.notna()
        if bad.any():
            shown = repr(_json_value(series[bad].iloc[0]))  # 29, not np.int64(29)
            example = shown if self.shows_values else "a value (not shown)"
            raise DataError(f"column '{self.name}': {example} does not match format {fmt!r}")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        return parsed

    def to_float(self, series: pd.Series) -> np.ndarray:
        seconds = (self._parse(series) - _EPOCH) / pd.Timedelta(seconds=1)
        return seconds.to_numpy(dtype=np.float64, na_value=np.nan)

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        self.format_ = self.meta.format or guess_datetime_format(series)
        super().fit(series, rng)
        fmt = self.format_ or ""
        if "%z" in fmt and not pd.api.types.is_datetime64_any_dtype(series.dtype):
            first = pd.to_datetime(series.dropna().iloc[0], format=fmt)
            offset = first.utcoffset()
            self.offset_minutes_ = int(offset.total_seconds() // 60) if offset else 0
        return self

    def statistics(self, series: pd.Series) -> NumberStats:
        x = self.to_float(series)
        stats = number_stats(x, self.meta.min, self.meta.max)
        return replace(stats, resolution=resolution_of(x))

    def learn(self, stats: NumberStats, rng: np.random.Generator) -> ColumnTransform:
        super().learn(stats, rng)
        self.resolution_ = stats.resolution
        return self

    def from_float(self, values: np.ndarray, nulls: np.ndarray) -> pd.Series:
        if self.resolution_:
            values = np.round(values / self.resolution_) * self.resolution_
        stamps = pd.Series(pd.to_datetime(np.round(values * 1e6), unit="us"), name=self.name)
        stamps[nulls] = pd.NaT
        dtype, fmt, tz = self.meta.dtype, self.format_, self.meta.timezone
        if fmt in _EPOCH_UNITS:
            scale = 1_000.0 if fmt == "epoch_ms" else 1.0
            numbers = pd.Series(values * scale, name=self.name)
            if dtype.lower().startswith(("int", "uint")):
                numbers = numbers.round().astype("Int64")
            numbers[nulls] = None
            return numbers.astype("Int64" if nulls.any() and dtype[0] == "i" else dtype)
        if dtype.startswith("datetime64"):
            if tz:
                stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(tz)
            return stamps.astype(dtype)
        if self.offset_minutes_ is not None:
            zone = dt.timezone(dt.timedelta(minutes=self.offset_minutes_))
            stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(zone)
        text = stamps.dt.strftime(fmt or "%Y-%m-%d %H:%M:%S")
        if dtype.lower().startswith(("int", "uint")):  # dates stored as YYYYMMDD numbers
            ints = pd.Series(pd.array(pd.to_numeric(text), dtype="Int64"), name=self.name)
            return ints.astype("Int64" if nulls.any() else dtype)
        return text.astype(dtype)

    def _state(self) -> dict[str, Any]:
        return {
            **super()._state(),
            "format": self.format_,
            "resolution": self.resolution_,
            "offset": self.offset_minutes_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        self.format_ = state["format"]
        self.resolution_, self.offset_minutes_ = state["resolution"], state["offset"]


TRANSFORMS: dict[str, type[ColumnTransform]] = {
    cls.kind: cls
    for cls in (
        NumericalTransform,
        DatetimeTransform,
        CategoricalTransform,
        BooleanTransform,
        IdTransform,
        FakerTransform,
        TextTransform,
        ConstantTransform,
    )
}
