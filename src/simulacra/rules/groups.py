"""Columns kept together: `fixed:` groups and if-then rules between categories, modelled as
one categorical column whose values are the valid combinations.

A row's combination is written as JSON text (`["Paris", 75001]`), so the combined column
needs no lookup table: under differential privacy the combinations kept are found by the
DP threshold like any category, and a model file holds only those. After the fit, the
combinations the transformer kept that meet every rule of the group (with their counts) are
the only ones decoded: a pooled or unknown value is redrawn from them by their counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..metadata import Column, Metadata
from ..specs.rules import Allowed, Fixed, IfThen, Range, Rule, member
from .values import plain, restore


@dataclass
class Group:
    """Columns modelled as one column `name` of their combinations, and the rules on them."""

    name: str
    columns: tuple[str, ...]
    rules: tuple[Rule, ...]
    combos_: list[list[Any]] = field(default_factory=list)
    weights_: list[float] = field(default_factory=list)

    def column(self) -> Column:
        """The combined column's metadata: categories, found from the rows (or by DP)."""
        return Column(kind="categorical", dtype="object")

    def encode(self, table: pd.DataFrame) -> tuple[pd.Series, dict[str, np.ndarray]]:
        """The combined column of `table`, each row first brought in line with the group's
        rules (a value outside a one-of takes its first value; a consequence not met takes
        its first value), and the projected values of each column."""
        values = {c: _cells(table[c]) for c in self.columns}
        changed = np.zeros(len(table), dtype=bool)
        for _ in range(len(self.rules) + 1):  # if-then rules may feed one another
            moved = np.zeros(len(table), dtype=bool)
            for rule in self.rules:
                moved |= _project(rule, values)
            changed |= moved
            if not moved.any():
                break
        text = [_combo_text(row) for row in zip(*values.values(), strict=True)]
        return pd.Series(text, index=table.index, dtype=object, name=self.name), {
            **values,
            "changed": changed,
        }

    def learn(self, categories: list[Any], counts: list[float]) -> None:
        """Keep the combinations the transformer learned (`categories`, with `counts`) that
        meet every rule of the group."""
        combos, weights = [], []
        for text, count in zip(categories, counts, strict=True):
            combo = _parse(text, len(self.columns))
            if combo is not None and self._meets(combo):
                combos.append(combo)
                weights.append(float(count))
        if not combos:
            rules = "; ".join(f"'{r.text}'" for r in self.rules)
            raise DataError(
                f"rules {rules}: no combination of {', '.join(self.columns)} is held by enough "
                "rows to be learned"
            )
        self.combos_, self.weights_ = combos, weights

    def _meets(self, combo: list[Any]) -> bool:
        values = {c: np.array([v], dtype=object) for c, v in zip(self.columns, combo, strict=True)}
        return not any(_breaks(rule, values)[0] for rule in self.rules)

    def decode(
        self, combined: pd.Series, rng: np.random.Generator, schema: Metadata
    ) -> dict[str, pd.Series]:
        """The group's columns from the combined column; a value that is not a kept valid
        combination (pooled, unknown, empty) is redrawn from the kept ones by their counts."""
        index = {_combo_text(c): i for i, c in enumerate(self.combos_)}
        codes = np.array([index.get(v, -1) if isinstance(v, str) else -1 for v in combined])
        bad = codes < 0
        if bad.any():
            weights = np.asarray(self.weights_, dtype=np.float64)
            codes[bad] = rng.choice(len(self.combos_), int(bad.sum()), p=weights / weights.sum())
        table = np.empty((len(self.combos_), len(self.columns)), dtype=object)
        for i, combo in enumerate(self.combos_):
            table[i, :] = combo
        return {
            column: restore(table[codes, j], schema[column], column)
            for j, column in enumerate(self.columns)
        }

    def matching(self, wanted: dict[str, Any]) -> tuple[list[list[Any]], list[float]]:
        """The kept combinations whose values equal `wanted` ({column: value}), with counts."""
        keep = []
        for combo in self.combos_:
            row = dict(zip(self.columns, combo, strict=True))
            if all(
                member(np.array([row[c]], dtype=object), (value,))[0] for c, value in wanted.items()
            ):
                keep.append(combo)
        weights = [self.weights_[self.combos_.index(c)] for c in keep]
        return keep, weights

    def get_state(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "combinations": self.combos_,
            "counts": self.weights_,
        }


def combo_text(combo: list[Any]) -> str:
    """A combination as the combined column writes it."""
    return _combo_text(combo)


def _combo_text(combo: Any) -> str:
    return json.dumps([plain(v) for v in combo], ensure_ascii=False)


def _parse(text: Any, width: int) -> list[Any] | None:
    if not isinstance(text, str):
        return None
    try:
        combo = json.loads(text)
    except json.JSONDecodeError:
        return None
    return combo if isinstance(combo, list) and len(combo) == width else None


def _cells(series: pd.Series) -> np.ndarray:
    values = series.astype(object).to_numpy().copy()
    values[pd.isna(values)] = None
    return np.array([plain(v) for v in values], dtype=object)


def _breaks(rule: Rule, values: dict[str, np.ndarray]) -> np.ndarray:
    if isinstance(rule, IfThen):
        cond = values[rule.condition.column]
        applies = np.array([v is not None for v in cond]) & _holds(rule.condition, cond)
        return applies & ~_holds(rule.then, values[rule.then.column])
    if isinstance(rule, Range):
        return ~_holds(rule.allowed, values[rule.allowed.column])
    assert isinstance(rule, Fixed)
    return np.zeros(len(next(iter(values.values()))), dtype=bool)


def _holds(allowed: Allowed, values: np.ndarray) -> np.ndarray:
    if allowed.values is None:  # a range, on numbers kept together
        numbers = np.array([np.nan if v is None else float(v) for v in values])
        return allowed.holds(numbers)
    return allowed.holds(values)


def _project(rule: Rule, values: dict[str, np.ndarray]) -> np.ndarray:
    """Bring the rows breaking `rule` in line; which rows moved."""
    bad = _breaks(rule, values)
    if not bad.any():
        return bad
    target = rule.then if isinstance(rule, IfThen) else rule.allowed  # type: ignore[attr-defined]
    if target.values is not None:
        column = values[target.column]
        same = np.flatnonzero(member(column, target.values[:1]) & ~bad)
        values[target.column][bad] = column[same[0]] if len(same) else target.values[0]
    else:
        numbers = np.array([float(v) for v in values[target.column][bad]])
        values[target.column][bad] = list(np.clip(numbers, target.low, target.high))
    return bad
