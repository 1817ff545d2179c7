"""Column generators of a specification: one class per column type.

Each generator is built from the column's options (validated: unknown keys are errors), names
the columns it reads (`depends`) and the ones it makes (`outputs`), and `generate`s numpy arrays
given the arrays made so far, a row count and its own seeded Generator. Options every column
shares (`missing`, `when`, `hidden`) are handled by the specification, not here.

Sizes an option decides are bounded: categories (MAX_CATEGORIES, each a plain value), the
widths of an id pattern (MAX_ID_WIDTH characters in all), a date format (MAX_FORMAT_CHARS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import ParameterError
from ..ids import IdPattern, generate_ids
from .distributions import Distribution, parse_distribution
from .formula import Formula, parse_formula

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Chunk:
    """One chunk of rows to make: its size, its own generator, where it starts in the table, and
    what the column's `setup` returned (the same for every chunk, e.g. a Faker pool)."""

    n: int
    rng: np.random.Generator
    offset: int = 0
    state: Any = None


COMMON_KEYS = frozenset({"type", "missing", "when", "hidden", "description"})
MAX_CATEGORIES = 100_000  # values of one categorical column
MAX_ID_WIDTH = 64  # characters of all {N digits|letters|lower|hex} placeholders of an id
MAX_ID_START = 10**15  # the `first` value of an {int} id
MAX_FORMAT_CHARS = 100  # a date format, or the format of a template placeholder
_CONTAINERS = (Mapping, list, tuple, set, frozenset, bytes)  # not a cell of a column


class ColumnSpec:
    """Base class: options are checked against `required` and `optional` keys."""

    type: ClassVar[str] = ""
    required: ClassVar[frozenset[str]] = frozenset()
    optional: ClassVar[frozenset[str]] = frozenset()
    distribution_keys: ClassVar[bool] = False  # other keys are distribution parameters

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        self.name = name
        self.where = f"column '{name}'"
        allowed = self.required | self.optional | COMMON_KEYS
        unknown = sorted(set(options) - allowed)
        if unknown and not self.distribution_keys:
            raise ParameterError(
                f"{self.where}: unknown key '{unknown[0]}' for type {self.type} "
                f"(allowed: {', '.join(sorted(allowed - {'type'}))})"
            )
        missing = sorted(self.required - set(options))
        if missing:
            raise ParameterError(f"{self.where}: type {self.type} needs key '{missing[0]}'")
        self.options = dict(options)

    @property
    def outputs(self) -> tuple[str, ...]:
        return (self.name,)

    @property
    def depends(self) -> tuple[str, ...]:
        return ()

    def setup(self, rng: np.random.Generator, total: int) -> Any:
        """Draws shared by every chunk of a table of `total` rows (none by default)."""
        return None

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        """The column(s) for one chunk, given the arrays of the columns made before it."""
        raise NotImplementedError

    def number(
        self,
        key: str,
        default: float | None = None,
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
    ) -> float | None:
        """The option `key` as a number, checked against [low, high]."""
        value = self.options.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(f"{self.where}: '{key}' must be a number, not {value!r}")
        if integer and not float(value).is_integer():
            raise ParameterError(f"{self.where}: '{key}' must be an integer, not {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ParameterError(f"{self.where}: '{key}' must be in [{low}, {high}], not {value!r}")
        return float(value)


def _distribution_options(options: Mapping[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k not in keys}


class NumberSpec(ColumnSpec):
    """Draws from a distribution (see distributions.py), truncated to min/max, rounded."""

    type = "number"
    optional = frozenset({"distribution", "min", "max", "round"})
    distribution_keys = True

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        super().__init__(name, options)
        self.low = self.number("min")
        self.high = self.number("max")
        self.digits = self.number("round", low=0, high=15, integer=True)
        params = _distribution_options(options, set(COMMON_KEYS) | {"min", "max", "round"})
        self.distribution: Distribution = parse_distribution(
            params, self.where, self.low, self.high
        )

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        return {self.name: round_values(self.distribution.sample(chunk.rng, chunk.n), self.digits)}


def round_values(values: np.ndarray, digits: float | None) -> np.ndarray:
    """Round to `digits` decimals; 0 decimals gives integers."""
    if digits is None or values.dtype.kind in "iub":
        return values
    rounded = np.round(values.astype(float), int(digits))
    if digits == 0 and np.isfinite(rounded).all():
        return rounded.astype(np.int64)
    return rounded


class FormulaSpec(ColumnSpec):
    """A formula over earlier columns (formula.py), optionally clipped to min/max and rounded."""

    type = "formula"
    required = frozenset({"formula"})
    optional = frozenset({"min", "max", "round"})

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        super().__init__(name, options)
        self.formula: Formula = parse_formula(options["formula"], name)
        self.low = self.number("min")
        self.high = self.number("max")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ParameterError(
                f"{self.where}: min {self.low:g} is greater than max {self.high:g}"
            )
        self.digits = self.number("round", low=0, high=15, integer=True)

    @property
    def depends(self) -> tuple[str, ...]:
        return self.formula.names

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        out = self.formula.evaluate(values, chunk.n, chunk.rng)
        if self.low is not None or self.high is not None:
            if out.dtype.kind not in "iuf":
                raise ParameterError(f"{self.where}: min/max need a numerical formula")
            out = np.clip(out, self.low, self.high)
        return {self.name: round_values(out, self.digits)}


class CategoricalSpec(ColumnSpec):
    """Values drawn with given weights: `categories` is a list (equal weights) or a mapping."""

    type = "categorical"
    required = frozenset({"categories"})
    optional = frozenset({"weights"})

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        super().__init__(name, options)
        cats = options["categories"]
        if isinstance(cats, Mapping):
            if "weights" in options:
                raise ParameterError(
                    f"{self.where}: give weights in 'categories' or 'weights', not both"
                )
            values, weights = list(cats), list(cats.values())
        elif isinstance(cats, list):
            values = list(cats)
            weights = list(options.get("weights", [1.0] * len(values)))
        else:
            raise ParameterError(f"{self.where}: 'categories' must be a list or a mapping")
        if not values or len(weights) != len(values):
            raise ParameterError(f"{self.where}: need as many weights as categories (at least one)")
        if len(values) > MAX_CATEGORIES:
            raise ParameterError(
                f"{self.where}: {len(values):,} categories, more than the limit of "
                f"{MAX_CATEGORIES:,}"
            )
        if any(isinstance(v, _CONTAINERS) for v in values):
            raise ParameterError(f"{self.where}: categories must be single values, not lists")
        if len(set(map(repr, values))) != len(values):
            raise ParameterError(f"{self.where}: categories repeat a value")
        if any(isinstance(w, bool) or not isinstance(w, int | float) or w < 0 for w in weights):
            raise ParameterError(f"{self.where}: weights must be numbers >= 0")
        if sum(weights) <= 0:
            raise ParameterError(f"{self.where}: weights must not all be 0")
        self.values = values
        self.weights = np.asarray(weights, dtype=float) / float(sum(weights))

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        codes = chunk.rng.choice(len(self.values), size=chunk.n, p=self.weights)
        kinds = {type(v) for v in self.values}
        if len(kinds) > 1:  # mixed numbers and text: one column type, text (Parquet needs one)
            array = np.asarray([str(v) for v in self.values], dtype=object)
        else:
            array = np.asarray(self.values, dtype=object if str in kinds else None)
        return {self.name: array[codes]}


class BooleanSpec(ColumnSpec):
    """True with probability `p`."""

    type = "boolean"
    optional = frozenset({"p"})

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        p = self.number("p", 0.5, 0.0, 1.0)
        return {self.name: chunk.rng.random(chunk.n) < (p if p is not None else 0.5)}


class ConstantSpec(ColumnSpec):
    """The same value on every row."""

    type = "constant"
    required = frozenset({"value"})

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        super().__init__(name, options)
        if isinstance(options["value"], _CONTAINERS):
            raise ParameterError(f"{self.where}: 'value' must be a single value, not a list")

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        value = self.options["value"]
        return {
            self.name: np.full(chunk.n, value, dtype=object if isinstance(value, str) else None)
        }


class IdSpec(ColumnSpec):
    """Unique ids from a pattern such as `US{6 digits}` (see simulacra.ids)."""

    type = "id"
    required = frozenset({"pattern"})
    optional = frozenset({"first"})

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        super().__init__(name, options)
        try:
            pattern = IdPattern.parse(str(options["pattern"]))
        except ValueError as exc:  # a DataError, or a width of thousands of digits
            raise ParameterError(f"{self.where}: {exc}") from exc
        width = sum(p[1] for p in pattern.pieces if isinstance(p, tuple))
        if width > MAX_ID_WIDTH:
            raise ParameterError(
                f"{self.where}: id pattern '{pattern.text[:40]}' asks for {width:,} characters "
                f"of placeholders, more than the limit of {MAX_ID_WIDTH}"
            )
        self.first = int(self.number("first", 1, -MAX_ID_START, MAX_ID_START, integer=True) or 0)

    def setup(self, rng: np.random.Generator, total: int) -> Any:
        pattern = IdPattern.parse(str(self.options["pattern"]))
        if pattern.space is not None and total > pattern.space:
            raise ParameterError(
                f"{self.where}: id pattern '{pattern.text}' has only {pattern.space:,} distinct "
                f"values; cannot make {total:,} unique ids"
            )
        return int(rng.integers(0, 2**31))

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        pattern = str(self.options["pattern"])
        ids = generate_ids(pattern, chunk.offset, chunk.n, chunk.state, first=self.first)
        return {self.name: ids}


class DateSpec(ColumnSpec):
    """Dates (or datetimes) between `start` and `end`, or a gap in days `after` another column.

    The offset in days is uniform over the range unless a distribution is given (its draws are
    truncated to the range, or to >= 0 after another column). `format` turns values to text.
    """

    type = "date"
    optional = frozenset({"start", "end", "after", "max_days", "format", "distribution"})
    distribution_keys = True

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        super().__init__(name, options)
        self.after = options.get("after")
        self.format = options.get("format")
        if self.format is not None and (not isinstance(self.format, str) or "%" not in self.format):
            raise ParameterError(
                f"{self.where}: 'format' must be a strftime text such as '%Y-%m-%d'"
            )
        if self.format is not None and len(self.format) > MAX_FORMAT_CHARS:
            raise ParameterError(
                f"{self.where}: 'format' is longer than the limit of {MAX_FORMAT_CHARS} characters"
            )
        self.start = self._time("start")
        self.end = self._time("end")
        params = _distribution_options(
            options, set(COMMON_KEYS) | {"start", "end", "after", "format"}
        )
        if self.after is not None:
            if not isinstance(self.after, str):
                raise ParameterError(f"{self.where}: 'after' must name a date column")
            if self.start is not None or self.end is not None:
                raise ParameterError(f"{self.where}: give 'start'/'end' or 'after', not both")
            params.setdefault("distribution", "exponential")
            span = self.number("max_days", low=0)
            params.pop("max_days", None)
            self.offset = parse_distribution(params, self.where, 0.0, span)
        else:
            if self.start is None or self.end is None:
                raise ParameterError(f"{self.where}: a date needs 'start' and 'end' (or 'after')")
            if self.end < self.start:
                raise ParameterError(f"{self.where}: end {self.end} is before start {self.start}")
            days = (self.end - self.start) / np.timedelta64(1, "D")
            params.setdefault("distribution", "uniform")
            if params["distribution"] == "uniform":
                params.setdefault("low", 0.0)
                params.setdefault("high", float(days) + (1 if self.type == "date" else 0))
            # a date's last day is whole: offsets up to (but excluding) days + 1 floor onto it
            upper = float(days) + (0.999999 if self.type == "date" else 0.0)
            self.offset = parse_distribution(params, self.where, 0.0, upper)

    def _time(self, key: str) -> np.datetime64 | None:
        value = self.options.get(key)
        if value is None:
            return None
        try:
            if isinstance(value, dt.date):
                return np.datetime64(value, "s")
            return np.datetime64(str(value), "s")
        except ValueError as exc:
            raise ParameterError(f"{self.where}: '{key}' is not a date ({value!r})") from exc

    @property
    def depends(self) -> tuple[str, ...]:
        return (self.after,) if self.after else ()

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        n = chunk.n
        days = self.offset.sample(chunk.rng, n).astype(float)
        if self.after is not None:
            base = values[self.after]
            if base.dtype.kind != "M":
                raise ParameterError(f"{self.where}: 'after' column '{self.after}' is not a date")
            base = base.astype("datetime64[s]")
        else:
            base = np.full(n, self.start, dtype="datetime64[s]")
        if self.type == "date":
            stamps = base.astype("datetime64[D]") + np.floor(days).astype("timedelta64[D]")
            return {self.name: stamps.astype("datetime64[s]")}
        seconds = np.round(days * 86_400).astype("timedelta64[s]")
        return {self.name: base + seconds}


class DatetimeSpec(DateSpec):
    """Like a date column, with a time of day."""

    type = "datetime"
