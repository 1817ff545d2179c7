"""Small generated columns of every kind, and the encoder options that apply to each: the
cases the transform contract (`test_contract*.py`) runs every column transform through.

Each case is one column of `ROWS` rows with its own quirks (nulls, fixed decimals, infinities,
datetime formats and time zones, rare categories...); `metadata` infers its Column the way a
user's fit does, then applies the case's declared kind or format where inference would not
find it (0/1 flags, integer categories, epoch seconds, a character-model text column).
"""

from __future__ import annotations

import functools
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulacra import Metadata
from simulacra.metadata import MODELLED_KINDS
from simulacra.privacy.budget import PrivacyBudget
from simulacra.transforms import TableTransformer
from simulacra.transforms.columns import CONTINUOUS, DISCRETE

ROWS = 200
# a budget loose enough that 200 rows keep their categories, nulls and ranges under DP
EPSILON = 50.0
# the encoder pairs a continuous column is run with: every continuous encoder, each beside
# the discrete encoder its models pair it with (the null indicator's encoder)
CONTINUOUS_STYLES = [
    ("quantile", "frequency"),
    ("parametric", "frequency"),
    ("minmax", "onehot"),
    ("gmm", "onehot"),
    ("bins", "codes"),
]
assert {c for c, _ in CONTINUOUS_STYLES} == set(CONTINUOUS)
DISCRETE_STYLES = [("quantile", d) for d in DISCRETE]


@dataclass(frozen=True)
class Case:
    """One column: how to make it, the kind it must be learned as, and any declared details."""

    name: str
    kind: str
    make: Callable[[np.random.Generator], pd.Series]
    declared: dict[str, Any] = field(default_factory=dict)

    def series(self) -> pd.Series:
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        return self.make(rng).rename(self.name)

    def frame(self) -> pd.DataFrame:
        return self.series().to_frame()

    def metadata(self) -> Metadata:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta = Metadata.infer(self.frame())
        if self.declared or meta[self.name].kind != self.kind:
            meta.set_kind(self.name, self.kind, **self.declared)
        assert meta[self.name].kind == self.kind, self.name
        return meta

    @property
    def modelled(self) -> bool:
        return self.kind in MODELLED_KINDS

    @property
    def continuous(self) -> bool:
        return self.kind in ("numerical", "datetime")

    def styles(self) -> list[tuple[str, str]]:
        if self.continuous:
            return CONTINUOUS_STYLES
        if self.modelled:
            return DISCRETE_STYLES
        return [("quantile", "frequency")]


def _nulls(rng: np.random.Generator, values: Any, share: float = 0.15) -> pd.Series:
    series = pd.Series(values)
    return series.mask(rng.random(len(series)) < share)


def _days(rng: np.random.Generator) -> pd.DatetimeIndex:
    return pd.Timestamp("2021-03-01") + pd.to_timedelta(rng.integers(0, 900, ROWS), unit="D")


def _seconds(rng: np.random.Generator, tz: str | None = None) -> pd.DatetimeIndex:
    start = pd.Timestamp("2021-01-01", tz=tz)
    return start + pd.to_timedelta(rng.integers(0, 10**7, ROWS), unit="s")


def _floats_with_infinities(rng: np.random.Generator) -> pd.Series:
    x = rng.gamma(2.0, 3.0, ROWS).round(1)
    x[:20] = [np.inf] * 8 + [-np.inf] * 6 + [np.nan] * 6  # enough for DP to release each
    return pd.Series(rng.permutation(x))


def _categories_with_rare(rng: np.random.Generator) -> pd.Series:
    values = rng.choice(["red", "green", "blue"], ROWS, p=[0.5, 0.3, 0.2]).astype(object)
    values[:3] = ["mauve", "teal", "teal"]  # each held by fewer than MIN_COUNT rows: pooled
    return _nulls(rng, rng.permutation(values), 0.1).astype("str")


def _int_categories_with_rare(rng: np.random.Generator) -> pd.Series:
    values = rng.choice([10, 20, 30, 40], ROWS)
    values[:2] = 99
    return pd.Series(rng.permutation(values))


def _sentences(rng: np.random.Generator) -> pd.Series:
    words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran", "far", "away"]
    return pd.Series([" ".join(rng.choice(words, 8)) for _ in range(ROWS)])


def _text(values: Any) -> pd.Series:
    return pd.Series(values).astype("str")


def _story_ids(rng: np.random.Generator) -> pd.Series:
    return _text([f"US{v:06d}" for v in rng.choice(10**6, ROWS, replace=False)])


def _codes(rng: np.random.Generator) -> pd.Series:
    """Near-unique short strings without an id pattern (a character model learns them)."""
    letters, numbers = rng.choice(list("xyz"), ROWS), rng.choice(10**5, ROWS, replace=False)
    return _text([f"{a}-{b}" for a, b in zip(letters, numbers, strict=True)])


def _grades(rng: np.random.Generator) -> pd.Series:
    dtype = pd.CategoricalDtype(list("abcd"))  # "d" is never used
    return _nulls(rng, rng.choice(list("abc"), ROWS), 0.1).astype(dtype)


CASES = [
    # numbers: fixed decimals with nulls, integers, nullable integers, infinities
    Case("price", "numerical", lambda r: _nulls(r, r.normal(50, 10, ROWS).round(2))),
    Case("count", "numerical", lambda r: pd.Series(r.integers(0, 1000, ROWS))),
    Case("age", "numerical", lambda r: _nulls(r, r.integers(18, 90, ROWS)).astype("Int64")),
    Case("ratio", "numerical", _floats_with_infinities),
    # datetimes: native (naive with NaT, and with a time zone), text formats, numbers
    Case("day", "datetime", lambda r: _nulls(r, _days(r), 0.1)),
    Case("stamp_tz", "datetime", lambda r: pd.Series(_seconds(r, "Europe/Paris"))),
    Case("date_text", "datetime", lambda r: _nulls(r, _days(r).strftime("%Y-%m-%d"), 0.1)),
    Case("created", "datetime", lambda r: _text(_seconds(r).strftime("%Y-%m-%d %H:%M:%S"))),
    Case(
        "stamp_offset",
        "datetime",
        lambda r: _text(_seconds(r, "+02:00").strftime("%Y-%m-%dT%H:%M:%S%z")),
    ),
    Case("date_dmy", "datetime", lambda r: _text(_days(r).strftime("%d/%m/%Y"))),
    Case("date_int", "datetime", lambda r: pd.Series(_days(r).strftime("%Y%m%d").astype(int))),
    Case(
        "epoch",
        "datetime",
        lambda r: pd.Series(1_600_000_000 + r.integers(0, 10**7, ROWS)),
        declared={"format": "epoch_s"},
    ),
    # categories: text with rare values and nulls, integers with a rare value, Categorical
    Case("colour", "categorical", _categories_with_rare),
    Case("level", "categorical", _int_categories_with_rare),
    Case("grade", "categorical", _grades),
    # flags: bool, 0/1 integers, nullable booleans
    Case("flag", "boolean", lambda r: pd.Series(r.random(ROWS) < 0.3)),
    Case("flag01", "boolean", lambda r: pd.Series((r.random(ROWS) < 0.3).astype(np.int64))),
    Case("flag_na", "boolean", lambda r: _nulls(r, r.random(ROWS) < 0.4, 0.1).astype("boolean")),
    # generated: ids (numbers, a pattern), PII, text (Faker, a character model), constants
    Case("row_id", "id", lambda r: pd.Series(np.arange(ROWS) + 1000)),
    Case("story_id", "id", _story_ids),
    Case("email", "pii", lambda r: _text([f"user{i}@example.com" for i in range(ROWS)])),
    Case("note", "text", lambda r: _nulls(r, _sentences(r), 0.1).astype("str")),
    Case("code", "text", _codes, declared={"provider": "chars"}),
    Case("unit", "constant", lambda r: _nulls(r, ["kg"] * ROWS, 0.2).astype("str")),
    Case("empty", "constant", lambda r: pd.Series([np.nan] * ROWS)),
]
assert {c.kind for c in CASES} == {
    "numerical",
    "datetime",
    "categorical",
    "boolean",
    "id",
    "pii",
    "text",
    "constant",
}
BY_NAME = {case.name: case for case in CASES}


@functools.cache
def fitted(name: str, continuous: str, discrete: str, private: bool) -> TableTransformer:
    """The transformer of one case's column (cached: tests only read it)."""
    case = BY_NAME[name]
    privacy = PrivacyBudget(EPSILON, 1e-5) if private else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DataNotes about pooled rare values
        return TableTransformer(
            case.metadata(),
            continuous=continuous,
            discrete=discrete,
            verbose=False,
            privacy=privacy,
        ).fit(case.frame())
