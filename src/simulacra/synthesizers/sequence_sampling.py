"""How a sequence model samples: entities in vectorised batches, one step at a time.

A batch of entities first draws step 0: every entity column (the context, unless given, the
length, the static columns, the first index) and the first event, given position 0 (and the
given context's cells, and the conditions' tokens). Each later step draws, for the entities
still running, the gap and the event's columns given the entity's tokens (copied from step 0),
the position, the previous event (its decoded values, encoded as the `prev.` columns) and the
entity's first event (the `first.` columns). Every draw is the autoregressive model's
`_complete` with per-row known tokens, so conditions and given context are exact. Columns that
are generated, not modelled (ids, PII, constants), are decoded once per batch. `impute` fills
an events table's missing cells step by step the same way, each given the rest of its row, the
previous (filled) event and the first.

A mixin of the sequence-capable autoregressive model (it reads the fitted network through
`_complete` and the transformer's column transforms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

from .. import seeding
from .._torch import torch_threads
from ..transforms.conditions import Conditions
from .sequence_layout import GAP, LENGTH, POSITION, START, SequenceLayout, change, first, prev


@dataclass
class Drawn:
    """What one batch of entities drew: per step the decoded columns and which entities."""

    entity: pd.DataFrame  # one row per entity: the entity columns, decoded
    steps: list[tuple[np.ndarray, pd.DataFrame]]  # (entities, decoded gap and event columns)
    index: list[np.ndarray]  # per step, the index in units of its entities


class SequenceSampling:
    """Sampling and imputation of a fitted sequence model (see the module docstring)."""

    sequence_: SequenceLayout
    transformer_: Any
    threads: int | None
    device_: torch.device
    seed: int

    if TYPE_CHECKING:  # from TokenSampling, which the model also derives from

        def _token_columns(self) -> list[int]: ...

        def _complete(
            self,
            tokens: torch.Tensor,
            rng: np.random.Generator,
            forbid: dict[int, list[int]] | None = None,
            allowed: dict[int, dict[int, float]] | None = None,
        ) -> np.ndarray: ...

        def _condition_tokens(
            self, conditions: Conditions
        ) -> tuple[dict[int, int], dict[int, dict[int, float]]]: ...

        def _inside_ranges(
            self, encoded: np.ndarray, conditions: Conditions, rng: np.random.Generator
        ) -> np.ndarray: ...

        def impute(
            self, table: pd.DataFrame, seed: int | None = None, *, nulls: bool = False
        ) -> pd.DataFrame: ...

    # tokens of known cells ---------------------------------------------------------------
    def _token_blocks(self) -> dict[str, list[tuple[int, int, str]]]:
        """Per modelled column: (token position j, block offset in the column, block role)."""
        position = {start: j for j, start in enumerate(self._token_columns())}
        out: dict[str, list[tuple[int, int, str]]] = {}
        first: dict[str, int] = {}
        for block in self.transformer_.blocks_:
            first.setdefault(block.column, block.start)
            if block.activation == "token":
                offset = block.start - first[block.column]
                out.setdefault(block.column, []).append((position[block.start], offset, block.role))
        return out

    def _known_tokens(
        self, known: dict[str, pd.Series], rows: int, unknown: dict[str, np.ndarray] | None = None
    ) -> torch.Tensor:
        """Tokens (rows x token columns) of the `known` cells, -1 elsewhere and in the cells
        `unknown` marks."""
        blocks = self._token_blocks()
        tokens = np.full((rows, len(self._token_columns())), -1, dtype=np.int64)
        rng = seeding.rng(self.seed, "encode")
        for name, series in known.items():
            if name not in blocks:
                continue  # generated, not modelled
            series = series.reset_index(drop=True)
            encoded = self.transformer_.columns_[name].encode(series, rng)
            hidden = (unknown or {}).get(name)
            empty = series.isna().to_numpy()
            flagged = any(role == "null" for _, _, role in blocks[name])
            for j, offset, role in blocks[name]:
                tokens[:, j] = np.round(encoded[:, offset]).astype(np.int64)
                if hidden is not None:
                    tokens[hidden, j] = -1
                if flagged and role == "value":
                    # an empty number's value token is noise in training (a random value):
                    # left hidden, its null flag says all
                    tokens[empty, j] = -1
        return torch.from_numpy(tokens)

    def _null_tokens(self, names: list[str]) -> dict[int, list[int]]:
        """Token position -> its 'null' token, for the modelled columns among `names`."""
        forbid: dict[int, list[int]] = {}
        position = {start: j for j, start in enumerate(self._token_columns())}
        for block in self.transformer_.blocks_:
            if block.column in names and block.activation == "token":
                null = self.transformer_.columns_[block.column].null_token(block.role)
                if null is not None:
                    forbid[position[block.start]] = [null]
        return forbid

    def _decode(
        self, encoded: np.ndarray, names: list[str], rng: np.random.Generator
    ) -> pd.DataFrame:
        """The modelled and constant columns among `names`, decoded from `encoded` rows
        (a column constant in the step rows, such as a first index every entity shares, is
        a constant)."""
        spans: dict[str, tuple[int, int]] = {}
        for block in self.transformer_.blocks_:
            if block.column in names:
                spans[block.column] = (spans.get(block.column, (block.start,))[0], block.stop)
        for name in names:
            if name not in spans and self.transformer_.metadata[name].kind == "constant":
                spans[name] = (0, 0)
        return pd.DataFrame(
            {
                name: self.transformer_.columns_[name]
                .decode(encoded[:, spans[name][0] : spans[name][1]], rng, 0)
                .reset_index(drop=True)
                for name in names
                if name in spans
            },
            index=range(len(encoded)),
        )

    def _generated(
        self, names: list[str], rows: int, rng: np.random.Generator, offset: int
    ) -> dict[str, pd.Series]:
        """The columns among `names` that are generated, not modelled (ids, PII, constants)."""
        modelled = {b.column for b in self.transformer_.blocks_}
        return {
            name: self.transformer_.columns_[name]
            .decode(np.zeros((rows, 0)), rng, offset)
            .reset_index(drop=True)
            for name in names
            if name not in modelled
        }

    def _draw(
        self,
        tokens: torch.Tensor,
        rng: np.random.Generator,
        forbid: dict[int, list[int]],
        allowed: dict[int, dict[int, float]] | None = None,
    ) -> np.ndarray:
        with torch.inference_mode(), torch_threads(self.threads):
            return self._complete(tokens.to(self.device_), rng, forbid, allowed)

    # sampling ----------------------------------------------------------------------------
    def _draw_entities(
        self,
        count: int,
        conditions: Conditions,
        given: pd.DataFrame | None,
        rng: np.random.Generator,
    ) -> Drawn:
        """The entity columns of `count` entities (`given`: their context rows, the entity
        columns the entity model drew, `sequence_entities.py`, and the first events' columns
        the first-event model drew; an empty cell where the column is never empty is drawn
        here), then their events step by step. Entity columns are drawn given position 0 (and
        the given ones) alone, as the network learns them in table order (the previous-event
        columns come after them); every event given the entity, its position and the previous
        event."""
        layout = self.sequence_
        known = {POSITION: pd.Series(np.zeros(count))}
        own: list[str] = []
        if given is not None:
            known |= {name: given[name] for name in layout.context}
            own = [n for n in layout.entity_columns if n in given and n not in layout.context]
            known |= {name: given[name] for name in own}
        unknown = {  # an empty cell where the column is never empty: drawn here
            name: known[name].isna().to_numpy() for name in own if name in layout.never_empty
        }
        tokens = self._known_tokens(known, count, unknown)
        fixed, allowed = self._condition_tokens(conditions)
        for j, token in fixed.items():
            tokens[:, j] = token
        encoded = self._draw(tokens, rng, self._null_tokens([*layout.no_nulls, START]), allowed)
        encoded = self._inside_ranges(encoded, conditions, rng)
        entity = self._decode(encoded, layout.entity_columns, rng)
        if given is not None:
            for name in layout.context:
                entity[name] = given[name].reset_index(drop=True)
            for name in own:  # its own value, not a draw inside its bin
                drawn_own = given[name].reset_index(drop=True)
                entity[name] = drawn_own.where(drawn_own.notna(), entity[name])
        keep = [
            j for name in layout.entity_columns for j, _, _ in self._token_blocks().get(name, [])
        ]
        carried = torch.full((count, len(self._token_columns())), -1, dtype=torch.long)
        carried[:, keep] = torch.from_numpy(
            encoded[:, self._token_columns()].round().astype(np.int64)
        )[:, keep]
        on_events = Conditions([c for c in conditions if c.column in layout.events])
        for cond in conditions:
            if cond.column in entity:  # exact values (a number drawn inside its bin moves on it)
                entity[cond.column] = _applied(entity[cond.column], cond)
        lengths = self._lengths(entity)
        units = entity[START].to_numpy(np.float64)
        if layout.integer_gaps:
            units = np.round(units)
        alive = np.flatnonzero(lengths > 0)
        firsts = None  # the first event's cells the first-event model drew
        if given is not None and any(name in given for name in layout.events):
            drawn_first = [name for name in layout.events if name in given]
            firsts = given[drawn_first].iloc[alive].reset_index(drop=True)
        first = self._draw_step(carried[alive], 0, None, rng, on_events, firsts)
        drawn = Drawn(entity, [(alive, first.drop(columns=[GAP]))], [units[alive]])
        for t in range(1, int(lengths.max(initial=0))):
            before, last, last_units = drawn.steps[-1][0], drawn.steps[-1][1], drawn.index[-1]
            still = lengths[before] > t
            active = before[still]
            anchors = drawn.steps[0][1].iloc[np.searchsorted(alive, active)]
            previous = (
                last_units[still],
                last.loc[still].reset_index(drop=True),
                anchors.reset_index(drop=True),
            )
            step = self._draw_step(carried[active], t, previous, rng, Conditions())
            units = last_units[still] + self._gaps(step[GAP].to_numpy(np.float64))
            if layout.strict and not layout.integer_gaps:
                units = np.maximum(units, np.nextafter(last_units[still], np.inf))
            drawn.steps.append((active, step.drop(columns=[GAP])))
            drawn.index.append(units)
        return drawn

    def _draw_step(
        self,
        carried: torch.Tensor,
        t: int,
        previous: tuple[np.ndarray, pd.DataFrame, pd.DataFrame] | None,
        rng: np.random.Generator,
        conditions: Conditions,
        firsts: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """The gap and event columns of the t-th events of entities whose entity tokens are
        `carried`, given the previous event (`previous`: its index in units, its columns and
        the entity's first event's columns; None at t = 0, where the previous-event and
        first-event columns and the gap are empty). `firsts`: the first events' cells drawn by
        the first-event model (`sequence_firsts.py`; kept as drawn, and an empty one where its
        column is never empty drawn here)."""
        layout = self.sequence_
        rows = len(carried)
        known = {POSITION: pd.Series(np.full(rows, float(t)))}
        if previous is None:
            known |= {prev(c): pd.Series([np.nan] * rows) for c in layout.lagged}
            known |= {first(c): pd.Series([np.nan] * rows) for c in layout.anchored}
            known[GAP] = pd.Series(np.full(rows, np.nan))
        else:
            known[prev(layout.index)] = pd.Series(previous[0])
            # a generated event column (an event id) is not drawn, nor is its previous value
            known |= {prev(c): previous[1][c] for c in layout.events if c in previous[1]}
            known |= {first(c): previous[2][c] for c in layout.anchored if c in previous[2]}
        before = None if previous is None else previous[1]
        cells, unknown = self._change_cells(before, rows)
        drawn_first = {} if firsts is None else {n: firsts[n] for n in firsts.columns}
        for name, values in drawn_first.items():
            cells[name] = values
            unknown[name] = values.isna().to_numpy() & (name in layout.no_nulls)
        tokens = self._known_tokens(known | cells, rows, unknown)
        entity = carried >= 0
        tokens[entity] = carried[entity]
        fixed, allowed = self._condition_tokens(conditions)
        for j, token in fixed.items():
            tokens[:, j] = token
        steady = [*layout.no_nulls, *(change(c) for c in layout.changes if c in layout.no_nulls)]
        forbid = self._null_tokens([*steady, *([GAP] if t else [])])
        encoded = self._draw(tokens, rng, forbid, allowed)
        encoded = self._inside_ranges(encoded, conditions, rng)
        names = [GAP, *layout.events, *(change(c) for c in layout.changes)]
        step = self._from_changes(self._decode(encoded, names, rng), before)
        for name, values in drawn_first.items():  # as drawn, not a draw inside its bin
            step[name] = values.where(values.notna(), step[name])
        for cond in conditions:
            step[cond.column] = _applied(step[cond.column], cond)
        return step

    def _change_cells(
        self, before: pd.DataFrame | None, rows: int
    ) -> tuple[dict[str, pd.Series], dict[str, np.ndarray]]:
        """The cells of the columns modelled by their changes: a column's own cell is drawn
        where the previous event has no value (the first event), its change cell elsewhere;
        the other is known to be empty."""
        known: dict[str, pd.Series] = {}
        unknown: dict[str, np.ndarray] = {}
        for name in self.sequence_.changes:
            has = (
                np.zeros(rows, dtype=bool)
                if before is None
                else _floats(before[name]) == _floats(before[name])
            )
            known[name] = known[change(name)] = pd.Series(np.full(rows, np.nan))
            unknown[name], unknown[change(name)] = ~has, has
        return known, unknown

    def _from_changes(self, step: pd.DataFrame, before: pd.DataFrame | None) -> pd.DataFrame:
        """`step` with each change-modelled column's values: the value the previous one
        predicts plus the change (kept inside the real values' range), or the value drawn
        where there was no previous one; the change columns dropped."""
        for name in self.sequence_.changes:
            last = np.full(len(step), np.nan) if before is None else _floats(before[name])
            drawn = _floats(step[name])
            moved = self.sequence_.moved(name, _floats(step[change(name)]), last)
            bounds = self.transformer_.columns_[prev(name)]
            moved = np.clip(moved, bounds.low_, bounds.high_)
            values = np.where(np.isnan(last), drawn, moved)
            column = self.transformer_.columns_[name]
            typed = column.from_float(np.nan_to_num(values), np.isnan(values))
            step[name] = typed.reset_index(drop=True)
        return step.drop(columns=[change(c) for c in self.sequence_.changes])

    def _lengths(self, entity: pd.DataFrame) -> np.ndarray:
        lengths = np.round(entity[LENGTH].to_numpy(np.float64))
        least = 0 if self.sequence_.context else 1
        return np.maximum(np.nan_to_num(lengths, nan=least), least).astype(np.int64)

    def _gaps(self, gaps: np.ndarray) -> np.ndarray:
        layout = self.sequence_
        gaps = np.nan_to_num(gaps, nan=layout.min_gap)
        if layout.integer_gaps:
            gaps = np.round(gaps)
        return np.maximum(gaps, layout.min_gap)

    def _assemble(
        self,
        drawn: Drawn,
        keys: pd.Series,
        rng: np.random.Generator,
        offsets: tuple[int, int],
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The events (entity by entity, in index order) and the entities' context rows;
        generated columns are numbered from `offsets` (entities, events) on."""
        entity_offset, event_offset = offsets
        layout = self.sequence_
        entities = np.concatenate([a for a, _ in drawn.steps])
        position = np.concatenate([np.full(len(a), t) for t, (a, _) in enumerate(drawn.steps)])
        order = np.lexsort((position, entities))
        rows = len(order)
        steps = pd.concat([frame for _, frame in drawn.steps], ignore_index=True)
        where = entities[order]
        columns: dict[str, pd.Series] = {layout.key: keys.iloc[where].reset_index(drop=True)}
        columns[layout.index] = layout.index_values(np.concatenate(drawn.index)[order])
        entity = drawn.entity
        generated = self._generated(list(layout.static), len(entity), rng, entity_offset)
        for name in layout.static:
            source = generated.get(name, entity.get(name))
            columns[name] = source.iloc[where].reset_index(drop=True)
        events_generated = self._generated(list(layout.events), rows, rng, event_offset)
        for name in layout.events:
            source = events_generated.get(name)
            columns[name] = (
                source if source is not None else steps[name].iloc[order].reset_index(drop=True)
            )
        events = pd.DataFrame({name: columns[name] for name in layout.columns})
        context = pd.DataFrame()
        if layout.context_columns:
            made = self._generated(list(layout.context), len(entity), rng, entity_offset)
            parts = {layout.key: keys.reset_index(drop=True)}
            for name in layout.context:
                parts[name] = made.get(name, entity.get(name))
            context = pd.DataFrame({name: parts[name] for name in layout.context_columns})
        return events, context


def _applied(column: pd.Series, cond: Any) -> pd.Series:
    """`column` with a condition's value written as `Conditions.apply` writes it."""
    frame = pd.DataFrame({cond.column: column})
    Conditions([cond]).apply(frame)
    return frame[cond.column]


def _floats(values: pd.Series) -> np.ndarray:
    """A column's values as floats (NaN for empty cells)."""
    numbers = pd.to_numeric(values.reset_index(drop=True), errors="coerce")
    return numbers.to_numpy(np.float64, na_value=np.nan)
