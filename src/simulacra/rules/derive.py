"""Columns a rule derives from others, so that the rule holds by construction.

- `low <= high`: the model learns the non-negative difference `high - low` instead of the
  target side (`high`, or `low` when only it is a single column) and the target is the other
  side plus (minus) the difference; datetimes as seconds. A column that several order rules
  put above other columns (`a <= c`, `b <= c`) is `max(a, b)` plus a non-negative difference
  (`lowers`), so a partial order of columns holds as a whole.
- `target = formula`: the target is not modelled at all; it is the formula of its free columns.
- `target ~ formula within t`: the model learns the ratio target / formula, kept in
  [1 - t, 1 / (1 - t)] (relative error at most t).

Where the other side is empty, the modelled column holds the target itself, so an empty
cell elsewhere never loses the target's value. Decoded targets are rounded as their column
writes numbers (or dates), in the direction that keeps the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..metadata import Column, Metadata
from ..specs.formula import Formula
from ..specs.rules import Equation, Order, evaluate
from .values import seconds, unit


@dataclass(frozen=True)
class Derivation:
    """How `rule` derives column `target` (`how`: "difference", "formula" or "ratio") from
    `other` (the other side of an order, or the formula); `name` is the modelled column."""

    rule: Order | Equation
    target: str
    how: str
    other: Formula
    target_is_high: bool = True
    name: str | None = None
    lowers: tuple[Order, ...] = ()  # every order rule putting `target` above a column

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.other.names

    @property
    def rules(self) -> tuple[Order | Equation, ...]:
        return self.lowers or (self.rule,)

    def model_column(self, schema: Metadata, null_share: float) -> Column | None:
        """The modelled column's metadata (None for an exact formula: nothing is modelled)."""
        if self.how == "formula":
            return None
        if self.how == "ratio":
            return Column(kind="numerical", dtype="float64", integer=False, null_share=null_share)
        meta = schema[self.target]
        if meta.kind == "datetime":
            return Column(kind="numerical", dtype="float64", integer=False, null_share=null_share)
        others = [schema[n] for n in self.inputs]
        integer = bool(meta.integer) and all(bool(o.integer) for o in others)
        decimals = [c.decimals for c in (meta, *others)]
        bare = self.other.tree.op == "name"
        most = max(d for d in decimals if d is not None) if None not in decimals else None
        return Column(
            kind="numerical",
            dtype="int64" if integer and bare else "float64",
            integer=integer and bare,
            decimals=(0 if integer else most) if bare else None,
            null_share=null_share,
        )

    def other_values(self, values: dict[str, np.ndarray], n: int) -> np.ndarray:
        """The other side's values for the rows (numbers; datetimes as seconds)."""
        if len(self.lowers) > 1:  # the largest of the lower columns present
            sides = [self._number(values[name]) for name in self.inputs]
            with np.errstate(invalid="ignore"):
                return np.asarray(np.fmax.reduce(sides), dtype=np.float64)
        return self._number(evaluate(self.other, values, n))

    @staticmethod
    def _number(values: np.ndarray) -> np.ndarray:
        return seconds(values) if values.dtype.kind == "M" else values.astype(np.float64)

    def _minimum(self, schema: Metadata) -> float:
        strict = any(isinstance(r, Order) and r.strict for r in self.rules)
        return unit(schema[self.target]) if strict else 0.0

    def forward(
        self, values: dict[str, np.ndarray], n: int, schema: Metadata
    ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """(the modelled column, the target brought in line with the rule, which rows moved)."""
        target = values[self.target]
        t = seconds(target) if target.dtype.kind == "M" else target.astype(np.float64)
        o = self.other_values(values, n)
        here = np.isfinite(o)
        if self.how == "formula":
            kept = _nearest(np.where(here, o, np.nan), schema[self.target])
            with np.errstate(invalid="ignore"):
                gap = np.abs(t - kept) > 0.5 * unit(schema[self.target]) + 1e-9 * np.abs(kept)
            return None, kept, here & (gap | ~np.isfinite(t))
        if self.how == "ratio":
            low, high = self._ratio_bounds()
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(
                    here & (o != 0), t / np.where(o != 0, o, 1.0), np.where(here, 1.0, t)
                )
                ratio[~np.isfinite(t)] = np.nan
                kept = np.where(here & (o != 0), np.clip(ratio, low, high), ratio)
            moved = np.isfinite(t) & here & ((kept != ratio) | ((o == 0) & (t != 0)))
            return kept, self._from_ratio(kept, o), moved
        sign = 1.0 if self.target_is_high else -1.0
        with np.errstate(invalid="ignore"):
            diff = np.where(here, sign * (t - o), t)
            least = self._minimum(schema)
            kept = np.where(here & np.isfinite(diff), np.maximum(diff, least), diff)
        moved = here & np.isfinite(diff) & (diff < least)
        return kept, np.where(here, o + sign * kept, kept), moved

    def reverse(
        self, values: dict[str, np.ndarray], modelled: np.ndarray | None, n: int, schema: Metadata
    ) -> np.ndarray:
        """The target (as floats, or seconds for datetimes) from its modelled column."""
        o = self.other_values(values, n)
        meta = schema[self.target]
        if self.how == "formula":
            return _nearest(o, meta)
        assert modelled is not None
        m = modelled.astype(np.float64)
        if self.how == "ratio":
            low, high = self._ratio_bounds()
            here = np.isfinite(o) & (o != 0)
            with np.errstate(invalid="ignore"):
                m = np.where(here, np.clip(m, low, high), m)
            return self._settle_ratio(self._from_ratio(m, o), o, meta)
        here = np.isfinite(o)
        least = self._minimum(schema)
        sign = 1.0 if self.target_is_high else -1.0
        with np.errstate(invalid="ignore"):
            m = np.where(here & np.isfinite(m), np.maximum(m, least), m)
            t = np.where(here, o + sign * m, m)
        return _settle_order(t, o, meta, self.target_is_high, least)

    def _ratio_bounds(self) -> tuple[float, float]:
        assert isinstance(self.rule, Equation) and self.rule.tolerance is not None
        tolerance = self.rule.tolerance
        return 1.0 - tolerance, 1.0 / (1.0 - tolerance)

    def _from_ratio(self, ratio: np.ndarray, o: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(o), np.where(o != 0, o * ratio, 0.0 * ratio), ratio)

    def _settle_ratio(self, t: np.ndarray, o: np.ndarray, meta: Column) -> np.ndarray:
        """`t` rounded as its column writes numbers, where that keeps it within tolerance."""
        rounded = _nearest(t, meta)
        step = unit(meta)
        if step == 0.0:
            return rounded
        assert isinstance(self.rule, Equation) and self.rule.tolerance is not None
        tolerance = self.rule.tolerance
        for candidate in (np.floor(t / step) * step, np.ceil(t / step) * step):
            with np.errstate(invalid="ignore"):
                scale = np.maximum(np.abs(rounded), np.abs(o))
                bad = np.isfinite(o) & (np.abs(rounded - o) > tolerance * scale)
            rounded = np.where(bad, _nearest(candidate, meta), rounded)
        return rounded


def _nearest(t: np.ndarray, meta: Column) -> np.ndarray:
    step = unit(meta)
    if step == 0.0 or meta.kind == "datetime":
        return t
    out = np.round(t / step) * step
    return np.round(out, meta.decimals) if meta.decimals is not None else out


def _settle_order(
    t: np.ndarray, o: np.ndarray, meta: Column, high: bool, least: float
) -> np.ndarray:
    """`t` on its column's steps (numbers: decimals; dates: whole days for date formats),
    moved to the nearest step on the rule's side of `o` where rounding crossed it."""
    step = unit(meta)
    if step > 0.0:
        t = _nearest(t, meta) if meta.kind != "datetime" else np.round(t / step) * step
    present = np.isfinite(t) & np.isfinite(o)
    with np.errstate(invalid="ignore"):
        if high:
            bound = o + least
            bad = present & (t < bound)
            fixed = np.ceil(np.round(bound / step, 6)) * step if step > 0.0 else bound
        else:
            bound = o - least
            bad = present & (t > bound)
            fixed = np.floor(np.round(bound / step, 6)) * step if step > 0.0 else bound
    t = np.where(bad, fixed, t)
    if meta.kind == "numerical" and meta.decimals is not None and not meta.integer:
        t = np.round(t, meta.decimals)
    return t
