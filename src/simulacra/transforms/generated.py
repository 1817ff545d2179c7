"""Columns made afresh on every sample (ids, PII, free text) or copied (constants)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .. import seeding
from .._entities import assign_groups, group_sizes
from ..errors import DataError
from ..ids import generate_ids
from ..metadata import TEXT_MODEL
from ..pii import fake_values
from .chars import learn_strings
from .column import ColumnTransform, _json_value


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
    """Ids regenerated from the learned pattern; never modelled. Unique, or, for an entity
    key (`Column.entity`), each new key held by a run of rows whose length is drawn from the
    real keys' rows per key (`_entities.group_sizes`, the only thing learned)."""

    kind = "id"
    BLOCK: ClassVar[int] = 10_000  # rows cut into groups at a time (by row number: chunks agree)

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        super().fit(series, rng)
        self.sizes_ = group_sizes(series) if self.meta.entity else None
        return self

    def decode(self, encoded: np.ndarray, rng: np.random.Generator, offset: int) -> pd.Series:
        pattern = self.meta.pattern or "{int}"
        first = self.meta.start or 0
        if self.sizes_ is not None:
            ids = self._keys(pattern, first, offset, len(encoded))
        else:
            ids = generate_ids(pattern, offset, len(encoded), self.seed_, first=first)
        if pattern == "{int}":
            return pd.Series(ids.astype(np.int64), name=self.name).astype(self.meta.dtype)
        if self.meta.null_share:  # a near-unique column with gaps keeps its share of nulls
            ids[self._nulls(rng, len(ids))] = None
        return pd.Series(ids, name=self.name, dtype=self.meta.dtype)

    def _keys(self, pattern: str, first: int, offset: int, rows: int) -> np.ndarray:
        """Entity keys of rows `offset` .. `offset + rows - 1`: rows are cut into groups one
        block of `BLOCK` rows at a time, each block from its own seeded stream, and groups
        are numbered across blocks, so any chunking of a sample gives the same keys."""
        assert self.sizes_ is not None
        if rows == 0:
            return np.zeros(0, dtype=object)
        blocks = range(offset // self.BLOCK, (offset + rows - 1) // self.BLOCK + 1)
        before = sum(self._block_groups(b).max() + 1 for b in range(blocks[0]))
        numbers = []
        for b in blocks:
            groups = self._block_groups(b) + before
            before = int(groups.max()) + 1
            numbers.append(groups)
        row_groups = np.concatenate(numbers)[offset - blocks[0] * self.BLOCK :][:rows]
        low = int(row_groups[0])
        ids = generate_ids(pattern, low, int(row_groups[-1]) - low + 1, self.seed_, first=first)
        return ids[row_groups - low]

    def _block_groups(self, block: int) -> np.ndarray:
        cache: dict[int, np.ndarray] = self.__dict__.setdefault("_blocks", {})
        if block not in cache:
            rng = seeding.rng(self.seed_, "ids", 2, block)
            cache[block] = assign_groups(np.asarray(self.sizes_), self.BLOCK, rng)
        return cache[block]

    def _state(self) -> dict[str, Any]:
        sizes = None if self.sizes_ is None else [float(v) for v in self.sizes_]
        return {**super()._state(), **({"sizes": sizes} if sizes is not None else {})}

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        sizes = state.get("sizes")
        self.sizes_ = None if sizes is None else np.asarray(sizes, dtype=np.float64)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "pattern": self.meta.pattern}
        if self.sizes_ is not None:
            spread = np.arange(1, len(self.sizes_) + 1) @ self.sizes_ / max(self.sizes_.sum(), 1)
            out["entity"] = f"a key of about {spread:.1f} rows each (new keys, never real ones)"
        return out


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
            if not len(distinct):  # a chain of no characters would draw forever
                raise DataError(
                    f"column '{self.name}' has no values to learn a character model from; "
                    "give it a Faker provider, or the kind 'constant' to copy it as null"
                )
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
