"""Sequences: tables with several ordered rows (events) per entity, and their context.

`Synthesizer("autoregressive", sequence_key="patient_id", sequence_index="visit_date")` learns
an events table as sequences: `fit(visits, context=patients)` (the context optional, one row
per entity, joined by the key), then `sample(n)` gives the events of `n` new entities (each
with its own number of events), `sample(context=new_patients)` the events of given entities,
and `sample_sequences(n)` the events with the sampled context rows. The events become step rows
(`sequence_layout.py`) that the model's one network learns; sampling runs entity by entity in
batches (`sequence_sampling.py`). Without `sequence_key` the model is the plain tabular one.

What holds, by construction: sampled indexes strictly increase within an entity when they do in
every real one (else they never decrease); columns constant within every real entity are
constant within every sampled one; keys are regenerated (or the given context's); conditions on
context, static columns, the first event and the first index are exact. Rules hold within every
event (reparametrised: `ruled.plan_sequence_rules`), and those bounding the index by an
entity's column or a number on each entity's indexes (`sequence_bounds.py`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import seeding
from .._memory import release_memory
from .._progress import new_progress
from ..errors import ConditionError, DataError, ParameterError
from ..metadata import Column, Metadata
from ..params import Kind, Param
from ..transforms.conditions import Conditions
from ..transforms.generated import IdTransform
from . import ruled, sequence_bounds, sequence_firsts
from .base import CHUNK_ROWS, Synthesizer
from .sequence_batches import SequenceBatches
from .sequence_entities import (
    OWN_PATH,
    entity_model_text,
    entity_models_state,
    fit_entity_model,
    learned_own,
    load_entity_models,
    own_columns,
)
from .sequence_impute import SequenceImpute
from .sequence_layout import POSITION, START, SequenceLayout
from .sequence_steps import build_layout

CHUNK_ENTITIES = 10_000  # entities drawn together, and written together by `iter_sequences`


class Sequences(SequenceBatches, SequenceImpute, Synthesizer):
    """The sequence parameters and paths of a model that can learn sequences."""

    tags = frozenset({"sequences"})
    sequence_key = Param[str | None](
        None,
        Kind(str, optional=True),
        "column naming each row's entity: an entity's rows are one sequence",
        "rows are independent",
    )
    sequence_index = Param[str | None](
        None,
        Kind(str, optional=True),
        "column ordering an entity's rows (numbers, dates or datetimes)",
        "no sequences",
    )
    _row_entities: np.ndarray  # during a sequence fit: the entity of each step row
    _row_later: np.ndarray  # during a sequence fit: whether a step row is an entity's later step
    _later_targets: frozenset[str]  # during a sequence fit: what later steps draw

    @property
    def sequences(self) -> bool:
        """Whether this model learns sequences (`sequence_key` set)."""
        return self.sequence_key is not None

    # fitting -----------------------------------------------------------------------------
    def fit(
        self,
        table: pd.DataFrame,
        metadata: Metadata | None = None,
        *,
        context: pd.DataFrame | None = None,
        context_metadata: Metadata | None = None,
    ) -> Synthesizer:
        """Learn `table`; with `sequence_key`, as sequences, given `context` (one row per
        entity, joined by the key) when one is passed. Returns self."""
        if self.sequence_key is None and self.sequence_index is None:
            if context is not None:
                raise ParameterError(f"{self.name}: a context table needs sequence_key")
            return super().fit(table, metadata)
        self._check_params()
        if self.sequence_key is None or self.sequence_index is None:
            raise ParameterError(f"{self.name}: give sequence_key and sequence_index together")
        self.refuse_privacy()
        for label, frame in (("table", table), ("context", context)):
            if frame is not None and not isinstance(frame, pd.DataFrame):
                raise DataError(
                    f"fit needs a pandas DataFrame as {label}, not {type(frame).__name__}"
                )
        started = time.perf_counter()
        metadata = metadata if metadata is not None else self.infer_metadata(table)
        metadata.check_columns(table)
        real = (ruled.rule_texts(self, metadata), table)  # as given, for the index's bounds
        plan, table, metadata = ruled.plan_sequence_rules(
            self, table, metadata, self.sequence_key, self.sequence_index
        )
        if context is not None and context_metadata is None:
            context_metadata = self.infer_metadata(context)
        layout, steps = build_layout(
            table,
            metadata,
            self.sequence_key,
            self.sequence_index,
            context,
            context_metadata,
            seeding.rng(self.seed, "transform"),
        )
        layout = sequence_bounds.learn(layout, *real, context)
        # first, so the step network gets what the entity model left of a time budget
        ruled_names = frozenset(plan.names if plan else ())
        tables = sequence_firsts.entity_rows(table, layout, steps.metadata, context, ruled_names)
        self._fit_entity_models(context, context_metadata, *tables)
        self._row_entities = steps.entity
        self._row_later = steps.rows[POSITION].to_numpy() > 0
        self._later_targets = layout.later_targets()
        entities, step_rows = steps.entities, len(steps.rows)
        try:
            encoded = self._encode_for_fit(steps.rows, steps.metadata)
            del steps  # training holds the encoded rows only, not the step table
            self._fit_began = started  # a time budget counts from the start of the whole fit
            self._fit_rows(encoded)
        finally:
            del self._row_entities, self._row_later, self._later_targets
        self.rules_ = plan  # kept on the events: `reverse` after each chunk's events
        if plan is not None:
            plan.learn(self.transformer_)
        self.sequence_ = layout
        self.fit_info_ = {
            "rows": len(table),
            "entities": entities,
            "step_rows": step_rows,
            "seconds": round(time.perf_counter() - started, 3),
        }
        return self

    def _fit_context_model(
        self,
        context: pd.DataFrame | None,
        metadata: Metadata | None,
        own: tuple[pd.DataFrame, dict[str, Column]] | None = None,
        path: tuple[int, ...] = (),
    ) -> Synthesizer | None:
        """This model's entity model (`sequence_entities.fit_entity_model`)."""
        return fit_entity_model(self, context, metadata, own, path)

    def _sampled_context(
        self, model: Synthesizer, size: int, conditions: dict[str, Any], seeds: tuple[int, int]
    ) -> pd.DataFrame:
        """`size` context rows from the context model, keyed (`layout.keys`) from `start`,
        with the entity's own columns it learned (`sequence_entities.py`)."""
        layout = self.sequence_
        start, key_seed = seeds
        chunk_seed = seeding.integer(key_seed, "context", start)
        conditions = {k: v for k, v in conditions.items() if k not in layout.events}
        rows = model.sample(size, conditions or None, seed=chunk_seed).reset_index(drop=True)
        rows[layout.key] = layout.keys(start, size, key_seed).reset_index(drop=True)
        return rows[[*layout.context_columns, *learned_own(model, layout)]]

    # sampling ----------------------------------------------------------------------------
    def sample(
        self,
        n: int | None = None,
        conditions: Mapping[str, Any] | None = None,
        seed: int | None = None,
        *,
        context: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """`n` synthetic rows; for a sequence model, the events of `n` new entities, or of the
        entities of `context` (see `sample_sequences`)."""
        if not self.sequences:
            if context is not None:
                raise ParameterError(f"{self.name}: context needs a model fitted with sequence_key")
            return super().sample(n, conditions, seed)  # type: ignore[arg-type]
        return self.sample_sequences(n, conditions, seed, context=context)[0]

    def sample_sequences(
        self,
        n: int | None = None,
        conditions: Mapping[str, Any] | None = None,
        seed: int | None = None,
        *,
        context: pd.DataFrame | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(events, context rows) of `n` new entities, every one meeting `conditions` (on
        context and static columns, the first event's columns and the first index); or of the
        entities of a given `context` table (n: its rows), returned as given. Without a context
        table in the fit, the context rows are an empty frame. Same seed, same tables."""
        pairs = list(self.iter_sequences(n, conditions, seed, context=context))
        events = pd.concat([e for e, _ in pairs], ignore_index=True)
        return events, pd.concat([c for _, c in pairs], ignore_index=True)

    def iter_sample(
        self,
        n: int,
        conditions: Mapping[str, Any] | None = None,
        seed: int | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> Iterator[pd.DataFrame]:
        if not self.sequences:
            return super().iter_sample(n, conditions, seed, chunk_rows)
        return (events for events, _ in self.iter_sequences(n, conditions, seed))

    def iter_sequences(
        self,
        n: int | None = None,
        conditions: Mapping[str, Any] | None = None,
        seed: int | None = None,
        *,
        context: pd.DataFrame | None = None,
        chunk_entities: int = CHUNK_ENTITIES,
    ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
        """`sample_sequences` in chunks of `chunk_entities` entities (events, context rows):
        memory stays bounded by one chunk, whatever `n`."""
        self._check_fitted()
        if not self.sequences:
            raise ParameterError(f"{self.name}: fitted without sequence_key: use sample")
        count = self._entity_count(n, context)
        typed, on_context = self._split_conditions(conditions, context)
        key = (seeding.check_seed(seed), 0) if seed is not None else (self.seed, self._next_call())
        return self._sequence_chunks(count, typed, key, context, chunk_entities, on_context)

    def entity_chunk(
        self,
        k: int,
        count: int,
        conditions: Mapping[str, Any] | None = None,
        *,
        seed: int,
        events_before: int = 0,
        chunk_entities: int = CHUNK_ENTITIES,
        context: pd.DataFrame | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Chunk k of `iter_sequences(count, conditions, seed, chunk_entities=...)`: (events,
        context rows) of its entities; with a given context table of `count` rows, `context`
        holds the chunk's rows of it. Any process can draw any chunk: that is how Dask writes
        a sample partition by partition. `events_before`, the events of chunks 0 .. k-1, numbers
        generated event columns (ids); it matters only where `numbers_events`."""
        self._check_fitted()
        if not self.sequences:
            raise ParameterError(f"{self.name}: fitted without sequence_key: use sample_chunk")
        start = k * chunk_entities
        if not 0 <= start < self._entity_count(count, None):
            raise ParameterError(f"chunk {k} is outside a sample of {count:,} entities")
        size = min(chunk_entities, count - start)
        if context is not None:
            self._entity_count(size, context)  # its columns and keys, one row per entity
            context = context.reset_index(drop=True)
        typed, on_context = self._split_conditions(conditions, context)
        key = (seeding.check_seed(seed), 0)
        span = (start, size)
        return self._sequence_chunk(k, span, typed, key, context, on_context, events_before)

    @property
    def numbers_events(self) -> bool:
        """Whether an event column is generated with numbers that run over the whole sample's
        events (ids), so that a chunk's values depend on the events before it."""
        modelled = {b.column for b in self.transformer_.blocks_}
        columns = self.transformer_.columns_
        return any(
            isinstance(columns[name], IdTransform)
            for name in self.sequence_.events
            if name not in modelled
        )

    def _split_conditions(
        self, conditions: Mapping[str, Any] | None, context: pd.DataFrame | None
    ) -> tuple[Conditions, dict[str, Any]]:
        """(the conditions on events and entities, those on the entity model's columns: the
        context's when it samples them, the static columns' and the first index's when it
        learned them)."""
        conditions = dict(conditions or {})
        on_context: dict[str, Any] = {}
        model = getattr(self, "context_model_", None)
        if context is None and model is not None:
            on_context = {k: v for k, v in conditions.items() if k in self.sequence_.context}
            conditions = {k: v for k, v in conditions.items() if k not in on_context}
        typed = self._sequence_conditions(conditions, context)
        layout = self.sequence_
        own = sequence_firsts.learned_columns(self)
        on_context |= {k: v for k, v in conditions.items() if k in own}  # static, first event
        if START in own and layout.index in conditions:
            on_context[START] = self._index_condition(conditions[layout.index])
        return typed, on_context

    def _entity_count(self, n: int | None, context: pd.DataFrame | None) -> int:
        layout = self.sequence_
        if context is not None:
            if not layout.context_columns:
                raise DataError(f"{self.name}: fitted without a context table; sample without one")
            if not isinstance(context, pd.DataFrame):
                raise DataError(f"context must be a pandas DataFrame, not {type(context).__name__}")
            names = [str(c) for c in context.columns]
            missing = [c for c in layout.context_columns if c not in names]
            if missing:
                raise DataError(f"the context table has no column '{missing[0]}'")
            if context[layout.key].isna().any() or context[layout.key].duplicated().any():
                raise DataError(f"the context table's '{layout.key}' must name each entity once")
            if n is not None and n != len(context):
                raise DataError(
                    f"asked for {n:,} entities but the context table has {len(context):,} rows"
                )
            n = len(context)
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise DataError(f"number of entities must be a positive integer, not {n!r}")
        return int(n)

    def _sequence_conditions(
        self, conditions: Mapping[str, Any] | None, context: pd.DataFrame | None
    ) -> Conditions:
        """Conditions on step-table columns: the index's becomes one on the first index."""
        layout = self.sequence_
        mapped: dict[str, Any] = {}
        allowed = [*layout.context, *layout.static, *layout.events]
        conditions = dict(conditions or {})
        if self.rules_ is not None:  # conditions on the events' columns, on those learned
            ruled_names = set(self.rules_.names) - {layout.key, layout.index}
            on_events = {k: v for k, v in conditions.items() if k in ruled_names}
            conditions = {k: v for k, v in conditions.items() if k not in ruled_names}
            conditions |= ruled.sequence_conditions(self, on_events) if on_events else {}
        for name, value in conditions.items():
            if name == layout.key:
                raise ConditionError(f"'{name}' is the sequence key, regenerated: no condition")
            if context is not None and name in layout.context:
                raise ConditionError(f"'{name}' is given by the context table: no condition")
            if name == layout.index:
                mapped[START] = self._index_condition(value)
            elif name in allowed:
                mapped[name] = value
            else:
                raise ConditionError(
                    f"condition on unknown column '{name}' (columns: "
                    f"{', '.join([layout.index, *allowed])})"
                )
        try:
            return self.transformer_.encode_conditions(mapped)
        except ConditionError as exc:  # name the index, not the step table's column
            text = str(exc).replace(f"'{START}'", f"'{layout.index}' (the first index)")
            raise ConditionError(text.replace(START, layout.index)) from exc

    def _index_condition(self, value: Any) -> Any:
        """A first-index condition (a value, or a range) in index units."""
        layout = self.sequence_
        ends = value.split("..", 1) if isinstance(value, str) and ".." in value else None
        if isinstance(value, tuple | list):
            ends = list(value)
        parts = [value] if ends is None else ends
        if len(parts) not in (1, 2):
            raise ConditionError(f"condition {layout.index}={value!r}: a range needs two ends")
        series = pd.Series([p.strip() if isinstance(p, str) else p for p in parts])
        if layout.index_state is not None and not pd.api.types.is_numeric_dtype(series):
            series = pd.to_datetime(series, errors="coerce")
        try:
            units = layout.index_units(series)
        except (ValueError, TypeError, DataError) as exc:
            raise ConditionError(f"condition {layout.index}={value!r}: not a valid value") from exc
        if np.isnan(units).any():
            raise ConditionError(f"condition {layout.index}={value!r}: not a valid value")
        return float(units[0]) if ends is None else (float(units[0]), float(units[1]))

    def _sequence_chunks(
        self,
        count: int,
        conditions: Conditions,
        key: tuple[int, int],
        context: pd.DataFrame | None,
        chunk: int,
        on_context: dict[str, Any],
    ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
        """The sample's chunks of `chunk` entities, given `context` rows when passed."""
        events_so_far = 0
        with new_progress(self.verbose and count > chunk) as progress:
            task = progress.add_task(f"sampling {self.name}", total=count, info="entities")
            for k, start in enumerate(range(0, count, chunk)):
                size = min(chunk, count - start)
                given = None
                if context is not None:
                    given = context.iloc[start : start + size].reset_index(drop=True)
                span = (start, size)
                events, rows = self._sequence_chunk(
                    k, span, conditions, key, given, on_context, events_so_far
                )
                events_so_far += len(events)
                release_memory()  # what drawing the chunk freed (see _memory.py)
                progress.advance(task, size)
                yield events, rows

    def _sequence_chunk(
        self,
        k: int,
        span: tuple[int, int],
        conditions: Conditions,
        key: tuple[int, int],
        given: pd.DataFrame | None,
        on_context: dict[str, Any],
        events_before: int,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Chunk k, entities `span` (first, count): drawn from stream ("sample", call, k), keys
        from ("sequences", call); without `given` context rows, the context model's rows
        (`on_context`: its conditions); generated event columns numbered from `events_before`."""
        seed, call = key
        start, size = span
        layout = self.sequence_
        key_seed = seeding.integer(seed, "sequences", call)
        rng = seeding.rng(seed, "sample", call, k)
        model = getattr(self, "context_model_", None)
        own = learned_own(model, layout)
        entities = given
        if given is None and model is not None:
            entities = self._sampled_context(model, size, on_context, (start, key_seed))
            given = entities[list(layout.context_columns)] if layout.context_columns else None
        elif given is not None and own:
            own_rng = seeding.rng(seed, "context", call, k, OWN_PATH)
            on_own = {k: v for k, v in on_context.items() if k in own}
            never = [n for n in own if n in layout.never_empty]
            drawn_own = own_columns(model, given, own, on_own, own_rng, never)
            entities = pd.concat([given.reset_index(drop=True), drawn_own], axis=1)
        path = (seed, "context", call, k, sequence_firsts.FIRST_PATH)
        entities = sequence_firsts.with_first_events(self, entities, on_context, seeding.rng(*path))
        drawn = self._draw_entities(size, conditions, entities, rng)
        keys = layout.keys(start, size, key_seed) if given is None else given[layout.key]
        events, rows = self._assemble(drawn, keys, rng, (start, events_before))
        if self.rules_ is not None:
            rules_rng = seeding.rng(seed, "sample", call, k, ruled.RULES_PATH)
            events = self.rules_.reverse(events, rules_rng)
        rows = rows if given is None else given
        if layout.bounds:  # after the rules: a bound's column as sampled
            events = sequence_bounds.bounded(layout, events, rows)
        return events, rows

    def sample_chunk(
        self, k: int, rows: int, conditions: Conditions, **kwargs: Any
    ) -> pd.DataFrame:
        if self.sequences:
            raise ParameterError(
                f"{self.name}: a sequence model samples whole entities (sample, iter_sequences); "
                "it cannot be sampled row chunk by row chunk (the Dask engine)"
            )
        return super().sample_chunk(k, rows, conditions, **kwargs)

    def impute(
        self,
        table: pd.DataFrame,
        seed: int | None = None,
        *,
        context: pd.DataFrame | None = None,
        nulls: bool = False,
    ) -> pd.DataFrame:
        """`table` with its missing cells filled; for a sequence model, each given the rest
        of its event, its entity (the `context` row when given), the previous event and the
        first (`sequence_impute.py`). Present cells stay as they are; same seed, same values.
        `nulls`: the single-table model's (empty cells may be drawn)."""
        if not self.sequences:
            if context is not None:
                raise ParameterError(f"{self.name}: context needs a model fitted with sequence_key")
            return super().impute(table, seed, nulls=nulls)
        if nulls:
            raise ParameterError(f"{self.name}: nulls=True is for single-table models")
        self._check_fitted()
        ruled.refuse_impute(self)
        filled, missing = self._impute_events(table, context, self._impute_rng(seed))
        return self._filled(table.reset_index(drop=True), filled, missing)

    # persistence -------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        state = super()._get_state()
        if self.sequences:
            state["sequence"] = self.sequence_.to_state()
            state |= entity_models_state(self)
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        if self.sequences:
            self.sequence_ = SequenceLayout.from_state(state["sequence"])
            load_entity_models(self, state)

    def describe(self) -> dict[str, Any]:
        described = super().describe()
        if self.sequences:
            described["sequence"] = self.sequence_.describe()
            model = getattr(self, "context_model_", None)
            first = sequence_firsts.first_model(self)
            described["sequence"] |= entity_model_text(model, self.sequence_, first)
        return described
