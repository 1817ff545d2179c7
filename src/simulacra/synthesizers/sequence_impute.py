"""Imputation of an events table by a sequence model: each missing cell drawn given the rest of
its event, the entity (context, length, first index), the previous event, filled first, and
the entity's first event.

Events are taken in index order, position by position, every entity at once: step t fills the
missing cells of the t-th events, so the (t+1)-th see them as their previous event. A static
column's missing cell takes the value the entity's other events hold; an entity that holds none
draws it once, at its first event, for all its events. Context cells come from the given
context table, or are drawn at the first event when none is given. Present cells never change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from .sequence_layout import (
    GAP,
    LENGTH,
    POSITION,
    START,
    SequenceLayout,
    change,
    first,
    prev,
    sorted_events,
)
from .sequence_sampling import SequenceSampling


class SequenceImpute(SequenceSampling):
    """`impute` of a fitted sequence model (see the module docstring)."""

    def _impute_events(
        self, table: pd.DataFrame, context: pd.DataFrame | None, rng: np.random.Generator
    ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """The events with their missing cells drawn (in `table`'s row order) and, per column,
        which cells were missing."""
        layout = self.sequence_
        self._check_impute_input(table)
        units = layout.index_units(table[layout.index])
        if layout.integer_gaps:
            units = np.round(units)
        order = sorted_events(table, layout.key, layout.index, units)
        events = table.iloc[order].reset_index(drop=True)
        units = units[order]
        entity, keys = pd.factorize(events[layout.key], sort=False)
        lengths = np.bincount(entity)
        starts_at = np.cumsum(lengths) - lengths
        position = np.arange(len(events)) - np.repeat(starts_at, lengths)
        names = [*layout.static, *layout.events]
        missing = {name: events[name].isna().to_numpy() for name in names}
        filled = events.copy()
        for name in layout.static:  # an entity's other events hold its value
            filled[name] = filled.groupby(entity)[name].transform("first")
        entity_values = self._given_context(context, keys)
        for t in range(int(lengths.max(initial=0))):
            rows = np.flatnonzero(position == t)
            ents = entity[rows]
            known: dict[str, pd.Series] = {
                POSITION: pd.Series(np.full(len(rows), float(t))),
                LENGTH: pd.Series(lengths[ents].astype(np.float64)),
                START: pd.Series(units[starts_at[ents]]),
                GAP: pd.Series(units[rows] - units[rows - 1] if t else np.full(len(rows), np.nan)),
                prev(layout.index): pd.Series(units[rows - 1] if t else np.full(len(rows), np.nan)),
            }
            unknown: dict[str, np.ndarray] = {}
            for name in layout.context:
                values = entity_values.get(name)
                known[name] = (
                    values.iloc[ents].reset_index(drop=True)
                    if values is not None
                    else pd.Series([np.nan] * len(rows))
                )
                unknown[name] = (
                    known[name].isna().to_numpy() if values is None else np.zeros(len(rows), bool)
                )
            for name in names:
                known[name] = filled[name].iloc[rows].reset_index(drop=True)
                unknown[name] = known[name].isna().to_numpy()
                if name in layout.events:
                    before = filled[name].iloc[rows - 1].reset_index(drop=True)
                    known[prev(name)] = before if t else pd.Series([np.nan] * len(rows))
                if name in layout.anchored:
                    opening = filled[name].iloc[starts_at[ents]].reset_index(drop=True)
                    known[first(name)] = opening if t else pd.Series([np.nan] * len(rows))
            before_events = filled.iloc[rows - 1].reset_index(drop=True) if t else None
            wanted = {name: unknown[name].copy() for name in layout.changes}
            self._impute_changes(known, unknown, before_events)
            drawn = [name for name, cells in unknown.items() if cells.any()]
            if not drawn:
                continue
            tokens = self._known_tokens(known, len(rows), unknown)
            encoded = self._draw(tokens, rng, self._null_tokens(drawn))
            decoded = self._decode(encoded, drawn, rng)
            if layout.changes:
                decoded = self._from_changes(
                    decoded.reindex(columns=[*decoded.columns, *_absent(decoded, layout)]),
                    before_events,
                )
            write = {n: unknown[n] for n in drawn if n in decoded or n in layout.context}
            write |= {n: cells for n, cells in wanted.items() if cells.any()}
            for name, cells in write.items():
                if name in layout.context:
                    entity_values[name] = _put(
                        entity_values.get(name, pd.Series([np.nan] * len(keys))),
                        ents[cells],
                        decoded[name][cells],
                    )
                elif name in layout.static:  # drawn once, for every event of the entity
                    whole = np.isin(entity, ents[cells])
                    per_entity = pd.Series(decoded[name][cells].to_numpy(), index=ents[cells])
                    filled.loc[whole, name] = per_entity.loc[entity[whole]].to_numpy()
                elif name in decoded:
                    filled.loc[rows[cells], name] = decoded[name][cells].to_numpy()
        back = np.argsort(order)
        result = filled.iloc[back].reset_index(drop=True)
        return result, {name: cells[back] for name, cells in missing.items()}

    def _impute_changes(
        self,
        known: dict[str, pd.Series],
        unknown: dict[str, np.ndarray],
        before: pd.DataFrame | None,
    ) -> None:
        """The cells of the columns modelled by their changes, from the events' values: where
        the previous event has a value, the change from the value it predicts (drawn where the
        value is missing) and an empty own cell; elsewhere the value itself (drawn where
        missing) and an empty change."""
        for name in self.sequence_.changes:
            value = known[name]
            missing = unknown[name]
            rows = len(value)
            last = (
                np.full(rows, np.nan)
                if before is None
                else pd.to_numeric(before[name], errors="coerce").to_numpy(np.float64)
            )
            has = ~np.isnan(last)
            numbers = pd.to_numeric(value, errors="coerce").to_numpy(np.float64)
            moved = self.sequence_.changed(name, numbers, last)
            known[change(name)] = pd.Series(np.where(has, moved, np.nan))
            unknown[change(name)] = has & missing
            known[name] = value.where(~has)
            unknown[name] = ~has & missing

    def _check_impute_input(self, table: pd.DataFrame) -> None:
        layout = self.sequence_
        if not isinstance(table, pd.DataFrame):
            raise DataError(f"impute needs a pandas DataFrame, not {type(table).__name__}")
        names = [str(c) for c in table.columns]
        for name in layout.columns:
            if name not in names:
                raise DataError(f"column '{name}' is in the model but not in the table")
        for name in names:
            if name not in layout.columns:
                raise DataError(f"column '{name}' is in the table but not in the model")
        for role, name in (("sequence key", layout.key), ("sequence index", layout.index)):
            if table[name].isna().any():
                raise DataError(f"{role} '{name}' has empty cells; impute needs every event's")

    def _given_context(self, context: pd.DataFrame | None, keys: pd.Index) -> dict[str, pd.Series]:
        """Per context column, its values for each entity (in order of `keys`)."""
        layout = self.sequence_
        if context is None:
            return {}
        if not layout.context_columns:
            raise DataError("the model was fitted without a context table; impute without one")
        if layout.key not in context.columns:
            raise DataError(f"the context table has no column '{layout.key}' (the sequence key)")
        rows = context.drop_duplicates(layout.key).set_index(layout.key)
        absent = ~keys.isin(rows.index)
        if absent.any():
            raise DataError(
                f"{int(absent.sum()):,} entities have no row in the context table (for "
                f"example '{layout.key}' = {keys[absent][0]!r})"
            )
        missing = [c for c in layout.context if c not in rows.columns]
        if missing:
            raise DataError(f"the context table has no column '{missing[0]}'")
        return {name: rows[name].reindex(keys).reset_index(drop=True) for name in layout.context}


def _put(values: pd.Series, at: np.ndarray, new: pd.Series) -> pd.Series:
    out = values.astype(object) if values.dtype != new.dtype else values.copy()
    out.iloc[at] = new.to_numpy()
    return out


def _absent(decoded: pd.DataFrame, layout: SequenceLayout) -> list[str]:
    """The change-modelled columns and their change columns that `decoded` lacks (empty)."""
    names = [n for c in layout.changes for n in (c, change(c))]
    return [n for n in names if n not in decoded.columns]
