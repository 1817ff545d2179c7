"""Sampling conditions in encoded space: the one object every model reads.

`TableTransformer.encode_conditions({"cut": "Ideal", "carat": 1.0})` checks each condition
against what was learned and types it: a category becomes its code, a number (or datetime,
as seconds) its value, and both the interval of encoded scores that decode to it (for the
one-column encoders the copula uses). Models read only these fields; `meets` checks encoded
rows (for rejection sampling) and `apply` writes the exact values into decoded rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# a numerical condition accepts rows whose value lies within this share of the column's range
NUMBER_WINDOW = 0.025


@dataclass(frozen=True)
class Condition:
    """One column's required value, typed and placed in encoded space.

    `number` is set for numbers and datetimes; `code` for categories, and for numbers under an
    encoder that codes values as tokens (the token of the number's bin or point mass). `start`
    and `width` are the column's value block in the encoded matrix; `bounds` is the interval
    of the block's first encoded column that decodes to the value (equal ends: one exact
    score), or None when the encoder is wider than one column. A range condition (`value` is
    `(low, high)`) sets `low` and `high` instead of `number`, and, for token encoders, `codes`:
    the tokens whose values can fall in the range, with the share of each token's values that
    do.
    """

    column: str
    value: Any
    start: int
    width: int
    decode: Callable[[np.ndarray], np.ndarray] = field(repr=False, compare=False)
    code: int | None = None
    number: float | None = None
    bounds: tuple[float, float] | None = None
    window: float = 0.0
    low: float | None = None
    high: float | None = None
    codes: dict[int, float] | None = field(default=None, compare=False)

    def meets(self, encoded: np.ndarray) -> np.ndarray:
        """Which encoded rows decode to this value (numbers: within `window` of it)."""
        decoded = self.decode(encoded[:, self.start : self.start + self.width])
        if self.low is not None and self.high is not None:
            return np.asarray((decoded >= self.low) & (decoded <= self.high))
        if self.number is None:
            return np.asarray(decoded == self.code)
        return np.asarray(np.abs(decoded - self.number) <= self.window)


class Conditions:
    """The typed conditions of one `sample` call (empty when there are none)."""

    def __init__(self, items: list[Condition] | tuple[Condition, ...] = ()):
        self.items = tuple(items)

    def __iter__(self) -> Iterator[Condition]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def describe(self) -> str:
        return ", ".join(f"{c.column}={c.value!r}" for c in self.items)

    def category(self, column: str) -> int | None:
        """The required category code of `column`, if it has one."""
        return next((c.code for c in self.items if c.column == column), None)

    def meets(self, encoded: np.ndarray) -> np.ndarray:
        """Boolean mask of the encoded rows that meet every condition."""
        ok = np.ones(len(encoded), dtype=bool)
        for cond in self.items:
            ok &= cond.meets(encoded)
        return ok

    def apply(self, frame: pd.DataFrame) -> None:
        """Write each required value into its column of decoded rows, keeping the dtype; a
        range only moves values that rounding or a bin's edge put outside it onto its ends."""
        for cond in self.items:
            column = frame[cond.column]
            if cond.low is not None:
                if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(
                    column
                ):
                    frame[cond.column] = column.clip(lower=cond.value[0], upper=cond.value[1])
                continue
            frame[cond.column] = pd.Series([cond.value] * len(frame), dtype=column.dtype)
