"""The reparametrisation every synthesizer applies for the rules it keeps.

`RulePlan.build(texts, metadata, private)` checks the rules against the metadata (before any
work). `forward(table)` gives the table the model learns (`metadata`: its columns): columns
kept together become one column of their combinations, derived columns their difference or
ratio (or nothing, for an exact formula), bounded columns declared bounds; rows breaking a
rule are first brought in line with it. After the TableTransformer is fitted, `learn` keeps
the combinations and categories it learned (public statistics: DP ones under DP).
`reverse(frame, rng)` turns decoded rows back into the table's columns, each rule holding by
construction. A DP fit reads nothing more off the rows than its transformer pays for: the
layout comes from the metadata, the combinations from the transformer's DP categories.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._dates import guess_datetime_format
from ..errors import DataNote
from ..metadata import Column, Metadata
from ..specs.rules import Allowed, IfThen, RuleError, member, parse_rule, typed_columns
from .build import Layout, layout
from .values import datetimes_column, numbers_column, restore, seconds

if TYPE_CHECKING:
    from ..transforms import TableTransformer

_SCHEMA = ("kind", "dtype", "integer", "decimals", "format", "timezone")


class RulePlan:
    """Rules kept by reparametrising the table (see the module docstring)."""

    def __init__(self, texts: list[str], schema: Metadata, private: bool) -> None:
        self.texts = list(dict.fromkeys(texts))
        self.schema = schema
        self.private = private
        self.layout: Layout = layout(self.texts, schema)
        self.metadata = schema  # the model's columns (set by `build`)
        self.allowed_: dict[str, tuple[list[Any], list[float]]] = {}
        # the categories (and counts) of free categorical columns that if-then rules read
        self.counts_: dict[str, tuple[list[Any], list[float]]] = {}

    @classmethod
    def build(cls, texts: list[str], metadata: Metadata, private: bool) -> RulePlan:
        """A plan for `texts` over `metadata`'s columns; a RuleError says why it cannot be."""
        plan = cls(texts, metadata, private)
        plan.metadata = plan._model_metadata(metadata)
        plan.schema = Metadata({n: _schema(c) for n, c in metadata.columns.items()})
        return plan

    @property
    def names(self) -> list[str]:
        """The table's columns, in order."""
        return self.schema.names

    # the model's columns ------------------------------------------------------------------
    def _model_metadata(self, metadata: Metadata) -> Metadata:
        lay = self.layout
        out: dict[str, Column] = {}
        for name, column in metadata.columns.items():
            group = lay.group_of(name)
            derivation = lay.derivation_of(name)
            if group is not None:
                if name == group.columns[0]:
                    out[group.name] = group.column()
            elif derivation is not None:
                modelled = derivation.model_column(metadata, column.null_share)
                if modelled is not None and derivation.name is not None:
                    out[derivation.name] = modelled
            elif name in lay.bounds:
                out[name] = self._bounded(column, lay.bounds[name])
            else:
                out[name] = column
        return Metadata(out)

    def _bounded(self, column: Column, allowed: Allowed) -> Column:
        """A column with a range or one-of rule: declared bounds or categories (public
        under DP, where both ends or the list are given: a rule is public knowledge)."""
        if allowed.values is not None:
            if column.kind == "numerical":
                column = replace(
                    column, kind="categorical", integer=None, decimals=None, min=None, max=None
                )
            if self.private:
                values = [_as_dtype(v, column.dtype) for v in allowed.values]
                return replace(column, categories=values, public=True, cardinality=None)
            return column
        low, high = allowed.low, allowed.high
        if column.kind == "datetime":
            low, high = (
                None if v is None else float(seconds(np.array([v.to_datetime64()]))[0])
                for v in (low, high)
            )
        if self.private:
            if low is None or high is None:
                return column  # a DP fit learns the range; decoding clips to the bound
            return replace(column, min=float(low), max=float(high), public=True)
        if low is not None:
            column = replace(column, min=max(low, column.min) if column.min is not None else low)
        if high is not None:
            column = replace(column, max=min(high, column.max) if column.max is not None else high)
        if column.min is not None and column.max is not None and column.min > column.max:
            column = replace(column, min=low, max=high)
        return column

    # the table the model learns --------------------------------------------------------------
    def forward(self, table: pd.DataFrame, check: bool = True) -> pd.DataFrame:
        """The table in the model's columns, each row brought in line with the rules.
        `check`: refuse a rule's value that the table never holds and note the rows that
        break a rule; off for a part of a table (a Dask partition), whose sample was checked."""
        lay, n = self.layout, len(table)
        for name, meta in self.schema.columns.items():
            text = meta.kind == "datetime" and not meta.dtype.startswith("datetime64")
            if text and meta.format is None:  # as the datetime transform reads it
                self.schema.columns[name] = replace(meta, format=guess_datetime_format(table[name]))
        moved: dict[str, int] = {}
        modelled: dict[str, Any] = {}
        values = typed_columns(table, self.schema, self.names)
        if check and not self.private:  # under DP the values are the public metadata's
            _refuse_made_up(self.texts, values)
        for group in lay.groups:
            combined, projected = group.encode(table)
            modelled[group.name] = combined
            values.update({c: projected[c] for c in group.columns})
            moved[" and ".join(f"'{r.text}'" for r in group.rules)] = int(
                projected["changed"].sum()
            )
        changed: set[str] = set()
        for name, allowed in lay.bounds.items():
            before = values[name]
            values[name] = self._inside(before, allowed)
            moved[f"bounds of '{name}'"] = int(np.sum(~_same(before, values[name])))
            changed.add(name)
        for _ in range(len(lay.adjusts)):  # if-then rules may feed one another
            moving = False
            for rule in lay.adjusts:
                before = values[rule.then.column]
                values[rule.then.column] = _adjusted(rule, values)
                count = int(np.sum(~_same(before, values[rule.then.column])))
                moved[f"'{rule.text}'"] = moved.get(f"'{rule.text}'", 0) + count
                moving |= count > 0
                changed.add(rule.then.column)
            if not moving:
                break
        for derivation in lay.derivations:
            column, kept, rows = derivation.forward(values, n, self.schema)
            dates = values[derivation.target].dtype.kind == "M"
            values[derivation.target] = _stamps(kept) if dates else kept
            if column is not None and derivation.name is not None:
                modelled[derivation.name] = column
            moved[" and ".join(f"'{r.text}'" for r in derivation.rules)] = int(rows.sum())
        out = {}
        for name in self.metadata.names:
            if name in modelled:
                out[name] = pd.Series(modelled[name], index=table.index, name=name)
            elif name in changed:
                out[name] = self._written(values, name, table[name])
            else:
                out[name] = table[name]
        if check and not self.private:
            _note(moved, n)
        return pd.DataFrame(out, index=table.index)

    def _inside(self, values: np.ndarray, allowed: Allowed) -> np.ndarray:
        if allowed.values is not None:
            keep = values.copy()
            bad = ~allowed.holds(values)
            same = np.flatnonzero(member(values, allowed.values[:1]) & ~bad)
            keep[bad] = values[same[0]] if len(same) else allowed.values[0]
            return keep
        if values.dtype.kind == "M":
            low, high = (
                None if v is None else np.datetime64(v.to_datetime64())
                for v in (allowed.low, allowed.high)
            )
            out = values.copy()
            if low is not None:
                out = np.where(~np.isnat(out) & (out < low), low, out)
            if high is not None:
                out = np.where(~np.isnat(out) & (out > high), high, out)
            return out.astype("datetime64[ns]")
        return np.clip(values, allowed.low, allowed.high)

    def _written(self, values: dict[str, np.ndarray], name: str, original: pd.Series) -> pd.Series:
        """A column the rules may have changed, written as the table writes it."""
        if name not in values:
            return original
        meta = self.schema[name]
        if meta.kind == "numerical":
            numbers = values[name]
            if numbers.dtype == object:  # a numerical column turned categorical by a one-of
                return restore(numbers, meta, name).set_axis(original.index)
            if np.array_equal(
                numbers,
                typed_columns(original.to_frame(), self.schema, [name])[name],
                equal_nan=True,
            ):
                return original
            return numbers_column(numbers, meta, name).set_axis(original.index)
        if meta.kind == "datetime":
            secs = seconds(values[name])
            return datetimes_column(secs, meta, name).set_axis(original.index)
        return restore(values[name], meta, name).set_axis(original.index)

    def learn(self, transformer: TableTransformer) -> None:
        """Keep the combinations and categories `transformer` learned (its public, or DP,
        statistics), which are all that `reverse` decodes to."""
        for group in self.layout.groups:
            group.learn(*_kept(transformer, group.name))
        for name, allowed in self.layout.bounds.items():
            if allowed.values is not None:
                categories, counts = _kept(transformer, name)
                keep = [
                    (c, w)
                    for c, w in zip(categories, counts, strict=True)
                    if member(np.array([c], dtype=object), allowed.values)[0]
                ]
                self.allowed_[name] = ([c for c, _ in keep], [w for _, w in keep])
        for rule in self.layout.adjusts:
            column = rule.condition.column
            free = column in transformer.columns_ and self.layout.group_of(column) is None
            if free and self.schema[column].kind in ("categorical", "boolean"):
                self.counts_[column] = _kept(transformer, column)

    # back to the table ---------------------------------------------------------------------------
    def reverse(self, frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Decoded rows (the model's columns) as the table's columns, every rule kept."""
        lay, n = self.layout, len(frame)
        columns: dict[str, pd.Series] = {}
        for group in lay.groups:
            columns.update(group.decode(frame[group.name], rng, self.schema))
        plain = [c for c in self.names if lay.group_of(c) is None and lay.derivation_of(c) is None]
        for name in plain:
            columns[name] = frame[name].reset_index(drop=True)
        work = pd.DataFrame(columns)
        values = typed_columns(work, self.schema, list(columns))
        for name, allowed in lay.bounds.items():
            if allowed.values is not None:
                columns[name] = self._redrawn(name, allowed, columns[name], rng)
            else:
                values[name] = self._inside(values[name], allowed)
                columns[name] = self._written(values, name, columns[name])
        for _ in range(len(lay.adjusts)):  # if-then rules may feed one another
            moving = False
            for rule in lay.adjusts:
                fresh = typed_columns(pd.DataFrame(columns), self.schema, list(rule.columns))
                values.update(fresh)
                kept = _adjusted(rule, values)
                if _same(values[rule.then.column], kept).all():
                    continue
                moving = True
                values[rule.then.column] = kept
                columns[rule.then.column] = self._written(
                    values, rule.then.column, columns[rule.then.column]
                )
            if not moving:
                break
        values.update(typed_columns(pd.DataFrame(columns), self.schema, list(columns)))
        for derivation in lay.derivations:
            modelled = None
            if derivation.name is not None:
                modelled = pd.to_numeric(frame[derivation.name], errors="coerce").to_numpy(
                    np.float64
                )
            target = derivation.reverse(values, modelled, n, self.schema)
            meta = self.schema[derivation.target]
            if meta.kind == "datetime":
                columns[derivation.target] = datetimes_column(target, meta, derivation.target)
                values[derivation.target] = _stamps(target)
            else:
                columns[derivation.target] = numbers_column(target, meta, derivation.target)
                values[derivation.target] = target
        return pd.DataFrame({name: columns[name].reset_index(drop=True) for name in self.names})

    def _redrawn(
        self, name: str, allowed: Allowed, column: pd.Series, rng: np.random.Generator
    ) -> pd.Series:
        """A one-of column whose values outside the list (a pooled 'other') are redrawn
        from the listed categories the transformer kept, by their counts."""
        cells = column.astype(object).to_numpy().copy()
        bad = ~pd.isna(cells) & ~member(cells, allowed.values or ())
        kept, counts = self.allowed_.get(name, ([], []))
        if bad.any() and kept:
            weights = np.asarray(counts, dtype=np.float64)
            picks = rng.choice(len(kept), int(bad.sum()), p=weights / weights.sum())
            cells[bad] = np.array(kept, dtype=object)[picks]
            return restore(cells, self.schema[name], name)
        return column

    # saving --------------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        return {
            "rules": self.texts,
            "schema": self.schema.to_dict()["columns"],
            "private": self.private,
            "groups": [g.get_state() for g in self.layout.groups],
            "allowed": {k: {"values": v, "counts": c} for k, (v, c) in self.allowed_.items()},
            "counts": {k: {"values": v, "counts": c} for k, (v, c) in self.counts_.items()},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> RulePlan:
        schema = Metadata.from_dict({"columns": state["schema"]}, source="model rules")
        plan = cls(list(state["rules"]), schema, bool(state["private"]))
        for group, saved in zip(plan.layout.groups, state["groups"], strict=True):
            group.combos_, group.weights_ = list(saved["combinations"]), list(saved["counts"])
        plan.counts_ = {
            k: (list(v["values"]), list(v["counts"])) for k, v in state.get("counts", {}).items()
        }
        plan.allowed_ = {
            k: (list(v["values"]), list(v["counts"])) for k, v in state["allowed"].items()
        }
        return plan

    def describe(self) -> dict[str, Any]:
        """How each rule is kept."""
        out: dict[str, Any] = {}
        lay = self.layout
        for group in lay.groups:
            out[group.name] = f"one column of their {len(group.combos_)} valid combinations"
        for name, allowed in lay.bounds.items():
            out[name] = f"kept in {allowed.text().split(' ', 2)[-1]}"
        for rule in lay.adjusts:
            key = (
                rule.then.column
                if rule.then.column not in out
                else f"{rule.then.column}, {rule.text}"
            )
            out[key] = f"set where {rule.condition.text()} ({rule.text})"
        for d in lay.derivations:
            how = {
                "formula": f"computed as {d.other.text}",
                "difference": f"modelled as '{d.name}' (>= 0)",
                "ratio": f"modelled as '{d.name}'",
            }[d.how]
            out[d.target] = how
        return {"rules": list(self.texts), "kept": out}


def _schema(column: Column) -> Column:
    """What decoding needs of a column: its kind, dtype, integer-ness, decimals and format."""
    fields = {k: getattr(column, k) for k in _SCHEMA}
    return Column(**fields)


def _as_dtype(value: Any, dtype: str) -> Any:
    if dtype in ("bool", "boolean"):
        return bool(value)
    if dtype.lower().startswith(("int", "uint")):
        return int(value)
    if dtype.startswith("float"):
        return float(value)
    return str(value) if not isinstance(value, str) else value


def _kept(transformer: TableTransformer, name: str) -> tuple[list[Any], list[float]]:
    """The categories (with counts) the fitted transformer keeps for column `name`."""
    column = transformer.columns_[name]
    if not hasattr(column, "categories_"):  # one value, copied as a constant
        return [getattr(column, "value_", None)], [1.0]
    categories = list(column.categories_)
    counts = getattr(column, "counts_", None)
    weights = [1.0] * len(categories) if counts is None else [float(c) for c in counts]
    tail = list(getattr(column, "tail_values_", []))
    tail_counts = [float(c) for c in getattr(column, "tail_counts_", [])]
    return categories + tail, weights + tail_counts


def _adjusted(rule: IfThen, values: dict[str, np.ndarray]) -> np.ndarray:
    """The consequence column where the condition holds: set to its value, or clipped."""
    cond = values[rule.condition.column]
    applies = ~pd.isna(cond) & rule.condition.holds(cond)
    column = values[rule.then.column].copy()
    then = rule.then
    if then.values is not None:
        value = then.values[0]
        if column.dtype.kind == "f":
            column[applies] = float(value)
        else:
            same = np.flatnonzero(member(column, (value,)))
            column[applies] = column[same[0]] if len(same) else value
        return column
    if column.dtype.kind == "M":
        low, high = (
            None if v is None else np.datetime64(v.to_datetime64()) for v in (then.low, then.high)
        )
        if low is not None:
            column = np.where(applies & (column < low), low, column)
        if high is not None:
            column = np.where(applies & (column > high), high, column)
        return column.astype("datetime64[ns]")
    clipped = np.clip(column, then.low, then.high)
    return np.where(applies, clipped, column)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "fM":
        return (a == b) | (pd.isna(a) & pd.isna(b))
    return np.array([x == y or (x is None and y is None) for x, y in zip(a, b, strict=True)])


def _stamps(secs: np.ndarray) -> np.ndarray:
    out = np.full(len(secs), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.isfinite(secs)
    out[ok] = (np.round(secs[ok] * 1e9)).astype(np.int64).astype("datetime64[ns]")
    return out


def _refuse_made_up(texts: list[str], values: dict[str, np.ndarray]) -> None:
    """A RuleError for an if-then rule whose consequence is no value its column holds: the
    model would make that value up (a misspelt `color = Q` turned every Ideal row's colour
    into Q)."""
    for text in texts:
        rule = parse_rule(text)
        if not isinstance(rule, IfThen) or rule.then.values is None:
            continue
        column = values[rule.then.column]
        if (~pd.isna(column)).any() and not member(column, rule.then.values).any():
            shown = ", ".join(map(repr, rule.then.values))
            raise RuleError(
                f"rule '{text}': column '{rule.then.column}' never holds {shown} in the table "
                "(a rule may not make values up; check the spelling)"
            )


def _note(moved: dict[str, int], rows: int) -> None:
    """A DataNote per rule some real rows break (they are learned as if they kept it)."""
    for what, count in moved.items():
        if count:
            warnings.warn(
                f"rule {what}: {count:,} of {rows:,} rows ({count / rows:.2%}) break it; they "
                "are learned as if they kept it",
                DataNote,
                stacklevel=3,
            )
