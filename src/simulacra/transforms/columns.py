"""One reversible transform per column kind, built from the encoders.

A column transform turns a pandas Series into model-space numbers (`transform`) and model-space
numbers back into a Series with the original dtype, bounds, rounding, nulls and categories
(`reverse`). Columns that are never modelled (ids, PII, free text, constants) have no output
block and are regenerated on `reverse`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import ConditionError, DataError
from ..ids import generate_ids
from ..metadata import TEXT_MODEL, Column, guess_datetime_format
from ..pii import fake_values
from .base import Encoder
from .chars import learn_strings
from .conditions import NUMBER_WINDOW, Condition
from .continuous import MinMax, ModeNormal, QuantileNormal
from .discrete import FrequencyNormal, OneHot
from .grid import MASS_ROWS, Grid, learn_grid
from .parametric import ParametricNormal
from .tokens import BINS, Codes, QuantileBins

CONTINUOUS: dict[str, type[Encoder]] = {
    "quantile": QuantileNormal,
    "parametric": ParametricNormal,
    "minmax": MinMax,
    "gmm": ModeNormal,
    "bins": QuantileBins,
}
DISCRETE: dict[str, type[Encoder]] = {
    "frequency": FrequencyNormal,
    "onehot": OneHot,
    "codes": Codes,
}
# a pooled rare category of a text column decodes to this value
RARE_LABEL = "other"
ENCODERS = {**CONTINUOUS, **DISCRETE}


def _json_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class ColumnTransform:
    """Base of the per-kind transforms. `encoders` holds the fitted encoders in output order."""

    kind: ClassVar[str]
    # whether error messages may quote a value of the column (not for private columns)
    shows_values: ClassVar[bool] = True

    def __init__(
        self,
        name: str,
        meta: Column,
        continuous: str,
        discrete: str,
        max_categories: int,
        *,
        min_count: int = 1,
        bins: int = BINS,
    ):
        self.name = name
        self.meta = meta
        self.continuous = continuous
        self.discrete = discrete
        self.max_categories = max_categories
        self.min_count = min_count
        self.bins = bins
        self.encoders: list[Encoder] = []

    def _encoder(self, cls: type[Encoder]) -> Encoder:
        """A new encoder of `cls`, given the options it declares (bins, min_count)."""
        options = {k: getattr(self, k) for k in getattr(cls, "options", ())}
        return cls(**options)

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        raise NotImplementedError

    def encode(self, series: pd.Series, rng: np.random.Generator) -> np.ndarray:
        return np.zeros((len(series), 0))

    def decode(self, encoded: np.ndarray, rng: np.random.Generator, offset: int) -> pd.Series:
        raise NotImplementedError

    def layout(self) -> list[tuple[str, str, int, bool]]:
        """(role, activation, width, discrete) of each output block."""
        return []

    def null_token(self, role: str) -> int | None:
        """The token that means 'null' in this column's block `role`, if there is one."""
        return None

    def condition(self, value: Any, start: int) -> Condition:
        """`value` typed as this column's values and placed at encoded column `start`."""
        raise ConditionError(
            f"column '{self.name}' ({self.kind}) is generated, not modelled: "
            "it cannot be a condition"
        )

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind}

    def get_state(self) -> dict[str, Any]:
        return {"encoders": [e.get_state() for e in self.encoders], **self._state()}

    def set_state(self, state: dict[str, Any]) -> ColumnTransform:
        self.encoders = [ENCODERS[s["encoder"]]().set_state(s) for s in state["encoders"]]
        self._set_state(state)
        return self

    def _state(self) -> dict[str, Any]:
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:
        return None

    def _split(self, encoded: np.ndarray) -> list[np.ndarray]:
        parts, start = [], 0
        for enc in self.encoders:
            parts.append(encoded[:, start : start + enc.width])
            start += enc.width
        return parts

    def _nulls(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.random(n) < self.meta.null_share


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
        x = self.to_float(series)
        observed = x[np.isfinite(x)]
        if not len(observed):
            raise DataError(
                f"column '{self.name}' has no finite values; set its kind to 'categorical'"
            )
        self.low_ = float(observed.min() if self.meta.min is None else self.meta.min)
        self.high_ = float(observed.max() if self.meta.max is None else self.meta.max)
        self.encoders = [self._encoder(CONTINUOUS[self.continuous]).fit(observed, rng)]
        support = self.encoders[0].support()
        if support is not None:  # the encoder keeps the extremes private: use its range
            self.low_ = support[0] if self.meta.min is None else self.low_
            self.high_ = support[1] if self.meta.max is None else self.high_
        specials = _special_codes(x)
        self.specials_ = int(specials.max())
        if self.specials_:
            self.encoders.append(self._encoder(DISCRETE[self.discrete]).fit(specials, rng))
        return self

    def encode(self, series: pd.Series, rng: np.random.Generator) -> np.ndarray:
        x = self.to_float(series)
        codes = _special_codes(x)
        if codes.max(initial=VALUE_CODE) > max(self.specials_, NULL_CODE):
            raise DataError(f"column '{self.name}' holds infinities, unseen when fitted")
        special = codes != VALUE_CODE
        if special.any():
            observed = x[~special]
            x = x.copy()
            x[special] = rng.choice(observed, int(special.sum())) if len(observed) else 0.0
        parts = [self.encoders[0].encode(x, rng)]
        if len(self.encoders) > 1:
            parts.append(self.encoders[1].encode(codes, rng))
        return np.hstack(parts)

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
        try:
            return pd.to_numeric(series, errors="raise").astype("float64").to_numpy(na_value=np.nan)
        except (ValueError, TypeError) as exc:
            raise DataError(f"column '{self.name}' is numerical but holds non-numbers") from exc

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        super().fit(series, rng)
        x = self.to_float(series)
        decimals = 0 if self.meta.integer else self.meta.decimals
        min_rows = max(MASS_ROWS, getattr(self, "min_count", 1))
        self.grid_ = learn_grid(x[~np.isnan(x)], decimals, self.high_ - self.low_, min_rows)
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
            if nulls.any() or dtype[0] == "I" or dtype[0] == "U":
                nullable = dtype[0].upper() + dtype[1:]
                data = pd.array(values.astype(np.int64), dtype=nullable)
                data[nulls] = pd.NA
                return pd.Series(data, name=self.name)
            return pd.Series(values.astype(dtype), name=self.name)
        out = values.astype(np.float64)
        out[nulls] = np.nan
        return pd.Series(out, name=self.name).astype(dtype)


_EPOCH = pd.Timestamp("1970-01-01")
_EPOCH_UNITS = {"epoch_s": "s", "epoch_ms": "ms"}
_RESOLUTIONS = (86_400.0, 3_600.0, 60.0, 1.0, 1e-3, 1e-6)


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
            text = series.astype("Int64").astype("string")
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        else:
            parsed = pd.to_datetime(series, format=fmt, errors="coerce", utc="%z" in fmt)
        bad = parsed.isna() & series.notna()
        if bad.any():
            example = repr(series[bad].iloc[0]) if self.shows_values else "a value (not shown)"
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
        x = self.to_float(series)
        x = x[~np.isnan(x)]
        self.resolution_ = next((r for r in _RESOLUTIONS if np.all(np.mod(x, r) == 0)), None)
        fmt = self.format_ or ""
        if "%z" in fmt and not pd.api.types.is_datetime64_any_dtype(series.dtype):
            first = pd.to_datetime(series.dropna().iloc[0], format=fmt)
            offset = first.utcoffset()
            self.offset_minutes_ = int(offset.total_seconds() // 60) if offset else 0
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


class CategoricalTransform(ColumnTransform):
    """Categories coded by frequency: the `max_categories` most frequent keep their own code;
    the rarer tail shares one "other" code and is re-drawn from its empirical distribution;
    null is a category of its own. The encoder is frequency intervals or one-hot."""

    kind = "categorical"

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        counts = series.value_counts(dropna=True, sort=True)
        # seen, but in fewer than min_count rows: pooled, never stored, never emitted as such
        rare = (counts > 0) & (counts < self.min_count)
        self.rare_count_ = float(counts[rare].sum())
        rare_values = set(counts.index[rare])
        counts = counts[~rare]
        top = counts.iloc[: self.max_categories]
        tail = counts.iloc[self.max_categories :]
        self.categories_ = [_json_value(v) for v in top.index]
        self.tail_values_ = [_json_value(v) for v in tail.index]
        self.tail_counts_ = tail.to_numpy(np.float64)
        self.has_null_ = bool(series.isna().any())
        dtype = series.dtype
        self.dtype_categories_ = (
            [_json_value(v) for v in dtype.categories if v not in rare_values]
            + ([RARE_LABEL] if self.rare_count_ and RARE_LABEL not in counts.index else [])
            if isinstance(dtype, pd.CategoricalDtype)
            else None
        )
        self.encoders = [self._encoder(DISCRETE[self.discrete]).fit(self.codes(series), rng)]
        return self

    @property
    def other_code(self) -> int:
        return len(self.categories_)

    @property
    def null_code(self) -> int:
        return len(self.categories_) + (1 if self.tail_values_ or self.rare_count_ else 0)

    def codes(self, series: pd.Series) -> np.ndarray:
        values = series.astype(object) if isinstance(series.dtype, pd.CategoricalDtype) else series
        codes = pd.Index(self.categories_, dtype=object).get_indexer(values).astype(np.int64)
        codes[(codes < 0) & series.notna().to_numpy()] = self.other_code
        codes[series.isna().to_numpy()] = self.null_code
        return codes

    def null_token(self, role: str) -> int | None:
        return self.null_code if role == "value" and self.has_null_ else None

    def condition(self, value: Any, start: int) -> Condition:
        typed = _as_category(value, self.categories_ + self.tail_values_)
        if typed is None or (isinstance(typed, float) and np.isnan(typed)):
            code = self.null_code if self.has_null_ else None
        elif typed in self.categories_:
            code = self.categories_.index(typed)
        else:
            code = self.other_code if typed in self.tail_values_ else None
        if code is None:
            shown = ", ".join(map(repr, self.categories_[:10]))
            more = "..." if len(self.categories_) > 10 else ""
            raise ConditionError(
                f"column '{self.name}' has no category {value!r} (known: {shown}{more})"
            )
        encoder = self.encoders[0]
        return Condition(
            self.name,
            typed,
            start,
            encoder.width,
            encoder.decode,
            code=code,
            bounds=encoder.score_bounds(code),
        )

    def encode(self, series: pd.Series, rng: np.random.Generator) -> np.ndarray:
        return self.encoders[0].encode(self.codes(series), rng)

    def decode(self, encoded: np.ndarray, rng: np.random.Generator, offset: int) -> pd.Series:
        codes = self.encoders[0].decode(encoded)
        table = np.array([*self.categories_, None, None], dtype=object)
        values = table[np.minimum(codes, len(table) - 1)]
        values[codes == self.null_code] = None
        other = codes == self.other_code
        if (self.tail_values_ or self.rare_count_) and other.any():
            tail = np.array([*self.tail_values_, self._rare_value()], dtype=object)
            weights = np.append(self.tail_counts_, self.rare_count_)
            values[other] = tail[rng.choice(len(tail), int(other.sum()), p=weights / weights.sum())]
        return self._restore_dtype(values)

    def _rare_value(self) -> Any:
        """What a pooled rare category decodes to: "other" in a text column, else the most
        frequent category (a number or flag cannot say "other")."""
        text = self.meta.dtype in ("object", "string", "str") or self.dtype_categories_ is not None
        if text and all(isinstance(c, str) for c in self.categories_):
            return RARE_LABEL
        return self.categories_[0] if self.categories_ else None

    def _restore_dtype(self, values: np.ndarray) -> pd.Series:
        dtype = self.meta.dtype
        nulls = pd.isna(values)
        if self.dtype_categories_ is not None:
            cat = pd.Categorical(values, categories=self.dtype_categories_)
            return pd.Series(cat, name=self.name)
        if dtype in ("bool", "boolean"):
            data = pd.array(values, dtype="boolean")
            return pd.Series(data, name=self.name).astype("bool" if not nulls.any() else "boolean")
        if dtype.lower().startswith(("int", "uint")):
            data = pd.array(values, dtype="Int64")
            target = dtype if not nulls.any() else dtype[0].upper() + dtype[1:]
            return pd.Series(data, name=self.name).astype(target)
        if dtype.startswith("float"):
            return pd.Series(values, name=self.name).astype(dtype)
        return pd.Series(values, name=self.name, dtype=dtype)

    def layout(self) -> list[tuple[str, str, int, bool]]:
        return [(r, a, w, True) for r, a, w in self.encoders[0].layout()]

    def describe(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            **self.encoders[0].describe(),
            "categories": len(self.categories_),
        }
        if self.tail_values_:
            out["tail"] = (
                f"{len(self.tail_values_)} rarer categories share one 'other' code "
                f"(top {self.max_categories} kept), re-drawn from their frequencies"
            )
        if self.rare_count_:
            out["rare"] = (
                f"{self.rare_count_:.0f} rows of categories seen in fewer than {self.min_count} "
                f"rows pooled; emitted as {self._rare_value()!r}, never as themselves"
            )
        return out

    def _state(self) -> dict[str, Any]:
        return {
            "categories": self.categories_,
            "tail_values": self.tail_values_,
            "tail_counts": self.tail_counts_,
            "has_null": self.has_null_,
            "rare_count": self.rare_count_,
            "dtype_categories": self.dtype_categories_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self.categories_ = list(state["categories"])
        self.tail_values_ = list(state["tail_values"])
        self.tail_counts_ = np.asarray(state["tail_counts"], dtype=np.float64)
        self.has_null_ = state["has_null"]
        self.rare_count_ = float(state.get("rare_count", 0.0))
        self.dtype_categories_ = state["dtype_categories"]


class BooleanTransform(CategoricalTransform):
    kind = "boolean"


class GeneratedTransform(ColumnTransform):
    """A column made afresh on every sample from a seed drawn at fit; real values are unused."""

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        self.seed_ = int(rng.integers(2**31))
        return self

    def _state(self) -> dict[str, Any]:
        return {"seed": self.seed_}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.seed_ = state["seed"]


class IdTransform(GeneratedTransform):
    """Unique ids regenerated from the learned pattern; never modelled."""

    kind = "id"

    def decode(self, encoded: np.ndarray, rng: np.random.Generator, offset: int) -> pd.Series:
        pattern = self.meta.pattern or "{int}"
        ids = generate_ids(pattern, offset, len(encoded), self.seed_, first=self.meta.start or 0)
        if pattern == "{int}":
            return pd.Series(ids.astype(np.int64), name=self.name).astype(self.meta.dtype)
        if self.meta.null_share:  # a near-unique column with gaps keeps its share of nulls
            ids[self._nulls(rng, len(ids))] = None
        return pd.Series(ids, name=self.name, dtype=self.meta.dtype)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "pattern": self.meta.pattern}


class FakerTransform(GeneratedTransform):
    """PII and free text: Faker values with the learned share of nulls; real values unused.

    Values are drawn from a pool of at most `POOL` Faker values made once per model (seeded at
    fit), so streaming millions of rows does not call Faker millions of times.
    """

    kind = "pii"
    POOL: ClassVar[int] = 20_000

    @property
    def provider(self) -> str:
        return self.meta.provider or ("sentence" if self.kind == "text" else "name")

    def _pool(self, size: int) -> np.ndarray:
        cached: np.ndarray | None = getattr(self, "_pool_values", None)
        if cached is None or len(cached) < size:
            cached = fake_values(self.provider, size, self.seed_)
            self._pool_values = cached
        return cached[:size]

    def decode(self, encoded: np.ndarray, rng: np.random.Generator, offset: int) -> pd.Series:
        n = len(encoded)
        pool = self._pool(min(n, self.POOL))
        if n <= len(pool):  # distinct values while the pool lasts
            values = pool[rng.permutation(len(pool))[:n]]
        else:
            values = pool[rng.integers(0, len(pool), n)]
        values[self._nulls(rng, n)] = None
        return pd.Series(values, name=self.name, dtype=self.meta.dtype)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "provider": self.provider}


class TextTransform(FakerTransform):
    """Free text: Faker sentences (or another provider), or, for provider "chars", strings
    drawn from a character model of the column (`chars.learn_strings`) into a pool at fit.
    The pool holds no real value and is all the model stores: sampling never re-emits one."""

    kind = "text"
    CHAR_VALUES: ClassVar[int] = 20_000  # real values a character model learns from, at most

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        super().fit(series, rng)
        self.strings_: list[str] | None = None
        if self.provider == TEXT_MODEL:
            distinct = series.dropna().astype(str).unique()
            learned = distinct
            if len(distinct) > self.CHAR_VALUES:
                learned = rng.choice(distinct, self.CHAR_VALUES, replace=False)
            size = int(min(max(1_000, 2 * len(distinct)), self.POOL))
            self.strings_ = learn_strings(
                list(learned), size, rng, self.min_count, exclude=set(distinct)
            )
        return self

    def _pool(self, size: int) -> np.ndarray:
        if getattr(self, "strings_", None) is None:
            return super()._pool(size)
        return np.array(self.strings_, dtype=object)

    def _state(self) -> dict[str, Any]:
        strings = getattr(self, "strings_", None)
        return {**super()._state(), **({"strings": strings} if strings is not None else {})}

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        self.strings_ = state.get("strings")


class ConstantTransform(ColumnTransform):
    """A column copied as its one value (with its share of nulls); an all-null column has
    the value None and stays null."""

    kind = "constant"

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        observed = series.dropna()
        value = self.meta.value
        if value is None and len(observed):
            value = observed.iloc[0]
        if isinstance(value, pd.Timestamp | np.datetime64):
            value = pd.Timestamp(value).isoformat()
        self.value_ = _json_value(value)
        return self

    def decode(self, encoded: np.ndarray, rng: np.random.Generator, offset: int) -> pd.Series:
        values = np.full(len(encoded), self.value_, dtype=object)
        nulls = (
            self._nulls(rng, len(values)) if self.value_ is not None else np.ones(len(values), bool)
        )
        values[nulls] = None
        return pd.Series(values, name=self.name).astype(
            _nullable(self.meta.dtype, bool(nulls.any()))
        )

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value_, "nulls": self.meta.null_share}

    def _state(self) -> dict[str, Any]:
        return {"value": self.value_}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.value_ = state["value"]


def _nullable(dtype: str, nulls: bool) -> str:
    """`dtype`, or its nullable form when the values hold nulls (int64 -> Int64...)."""
    if not nulls:
        return dtype
    if dtype.startswith(("int", "uint")):
        return dtype[0].upper() + dtype[1:]
    return "boolean" if dtype == "bool" else dtype


def _as_category(value: Any, known: list[Any]) -> Any:
    """Match a (possibly textual) condition value to the type of the known categories."""
    if value in known or not isinstance(value, str):
        return value
    for candidate in known:
        if str(candidate) == value or (
            isinstance(candidate, bool) and value.lower() == str(candidate).lower()
        ):
            return candidate
    return value


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
