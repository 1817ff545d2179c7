"""Fitting a sequence model on a Dask DataFrame of events, without holding the events.

1. The events must lie whole entity by entity: a frame with an entity in two partitions is
   shuffled on the key first. One pass summarises, per partition, what must hold for every
   entity: the columns that vary within some entity, the columns with an empty cell, whether
   some entity repeats an index, its keys (the client holds one key per entity, not events).
2. A pilot of whole entities (about `PILOT_ENTITIES`, picked by a seeded hash of their keys)
   learns the rest of the layout (`sequence_steps.build_layout`: the index's unit, which
   numbers move by their changes and their lines) and the step table's metadata.
3. Each partition's step rows (`sequence_steps.step_rows`) form a Dask frame that the table
   path fits like any other (`streaming.fit_streamed`: a transformer from merged summaries,
   the network trained on buffers of encoded rows loaded while the last trains). Streamed
   rows tell later steps from first ones by their position token (`_first_step_token`), so
   later steps are never asked for what sampling knows there.

A context table (one row per entity) is read into memory and sent to every worker once; each
partition takes its entities' rows, and one more part holds the context entities without
events. Each entity's own columns (number of events, static columns, first index) come from a
pass over the partitions; the entity model is fitted locally on them and the context rows, as
by `Sequences.fit`. Rules hold within each event: the plan is built on the pilot's events,
every partition is reparametrised where it lies (`rule_frames.py`), and the first pass runs
again on the columns learned. Same seed, same partitions: same model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import seeding
from ..errors import DataError, ParameterError
from ..metadata import Metadata
from ..sequence_keys import new_key_pattern
from ..synthesizers.ruled import plan_sequence_rules, rule_texts
from ..synthesizers.sequence_bounds import learn as learn_bounds
from ..synthesizers.sequence_entities import per_entity
from ..synthesizers.sequence_firsts import entity_columns, entity_tables
from ..synthesizers.sequence_layout import SequenceLayout
from ..synthesizers.sequence_steps import build_layout, check_context_keys, step_rows
from .rule_frames import reparametrised
from .streaming import fit_streamed

if TYPE_CHECKING:
    import dask.dataframe as dd

    from ..synthesizers.sequences import Sequences

PILOT_ENTITIES = 20_000
# step rows per streamed buffer (whole partitions; at least one): a step row holds every event
# column twice (the event's and the previous one's) and the entity's columns, so buffers are
# smaller than a table's (`streaming.BUFFER_ROWS`): on 1,056,354 pbcseq events (17 partitions
# of 62,000 step rows, 101 encoded columns) the fit peaked at 1,519 MiB with 200,000-row
# buffers, 1,200 with 60,000
STEP_BUFFER_ROWS = 50_000


@dataclass(frozen=True)
class _Facts:
    """What holds over every entity of the events (step 1 of the module docstring)."""

    keys: pd.Series  # each entity's key, once
    varying: frozenset[str]  # columns that change within some entity
    empty: frozenset[str]  # columns with an empty cell
    repeats: bool  # some entity has two events at one index
    long: bool  # some entity has two events or more
    events: int


def fit_sequences_dask(
    synthesizer: Sequences,
    events: dd.DataFrame,
    metadata: Metadata | None = None,
    *,
    context: pd.DataFrame | None = None,
    context_metadata: Metadata | None = None,
    steps: int | None = None,
) -> Sequences:
    """Fit `synthesizer` (with `sequence_key` and `sequence_index`) on the events of `events`
    (and `context`, one row per entity), streaming step rows (see the module docstring)."""
    import dask
    import dask.dataframe as dd

    key, index = synthesizer.sequence_key, synthesizer.sequence_index
    if key is None or index is None:
        raise ParameterError(f"{synthesizer.name}: give sequence_key and sequence_index")
    synthesizer.refuse_privacy()
    for name in (key, index):
        if name not in events.columns:
            raise DataError(f"'{name}' is not a column of the events")
    started = time.perf_counter()
    facts = _facts(events, key, index)
    if facts.keys.duplicated().any():  # an entity in two partitions: whole entities first
        events = events.shuffle(on=key)
        facts = _facts(events, key, index)
    if facts.events < 2:
        raise DataError(f"the table has {facts.events} event(s); at least 2 are needed to fit")
    if context is not None:
        check_context_keys(context, key, pd.Index(facts.keys))
        if context_metadata is None:
            context_metadata = synthesizer.infer_metadata(context)
    pilot = _pilot(events, key, facts.keys, synthesizer.seed)
    metadata = metadata if metadata is not None else synthesizer.infer_metadata(pilot)
    given = (rule_texts(synthesizer, metadata), pilot)  # as given, for the index's bounds
    plan, pilot, metadata = plan_sequence_rules(synthesizer, pilot, metadata, key, index)
    if plan is not None:  # the events in the columns learned (a pass more)
        events = reparametrised(events, plan, pilot)
        facts = _facts(events, key, index)
    varying = [c for c in pilot.columns if c not in (key, index)]
    static = [c for c in varying if c not in facts.varying] if facts.long else []
    layout, steps_table = build_layout(
        pilot,
        metadata,
        key,
        index,
        context[context[key].isin(pilot[key])] if context is not None else None,
        context_metadata,
        seeding.rng(synthesizer.seed, "transform"),
        static=static,
    )
    layout = learn_bounds(_whole(layout, facts), *given, context)
    step_metadata, sample = steps_table.metadata, steps_table.rows.iloc[:0].copy()
    del steps_table, pilot  # the pilot's events and step rows: not held while training
    context_rows = context.set_index(key) if context is not None else None
    steps_frame = events.map_partitions(_steps, layout, context_rows, sample, meta=sample)
    # each entity's own columns (number of events, static columns, first index) and first
    # event, part by part
    names, every = entity_columns(layout, step_metadata, frozenset(plan.names if plan else ()))
    parts = [dask.delayed(per_entity)(p, layout, every) for p in events.to_delayed()]
    own, first = entity_tables(pd.concat(dask.compute(*parts)), names, key, context, step_metadata)
    alone = None  # context entities without events: one part of their own
    if context_rows is not None:
        alone = context_rows.loc[~context_rows.index.isin(facts.keys)]
        if len(alone):
            empty_rows, _ = step_rows(events._meta, layout, alone)
            steps_frame = dd.concat([steps_frame, dd.from_pandas(empty_rows, npartitions=1)])
    synthesizer.fit_sequence_batches(
        layout,
        lambda: fit_streamed(
            synthesizer,  # type: ignore[arg-type]
            steps_frame,
            step_metadata,
            steps=steps,
            buffer_rows=STEP_BUFFER_ROWS,
        ),
        events=facts.events,
        entities=len(facts.keys) + (len(alone) if alone is not None else 0),
        context=context,
        context_metadata=context_metadata,
        own=own,
        first=first,
        started=started,
        rules=plan,
    )
    return synthesizer


def _facts(events: dd.DataFrame, key: str, index: str) -> _Facts:
    import dask

    names = [str(c) for c in events.columns if c not in (key, index)]
    parts = dask.compute(
        *[dask.delayed(_part_facts)(p, key, index, names) for p in events.to_delayed()]
    )
    keys = pd.concat([p[0] for p in parts], ignore_index=True)
    return _Facts(
        keys=keys,
        varying=frozenset().union(*(p[1] for p in parts)),
        empty=frozenset().union(*(p[2] for p in parts)),
        repeats=any(p[3] for p in parts),
        long=any(p[4] for p in parts),
        events=sum(p[5] for p in parts),
    )


def _part_facts(
    part: pd.DataFrame, key: str, index: str, names: list[str]
) -> tuple[pd.Series, set[str], set[str], bool, bool, int]:
    if part[key].isna().any() or part[index].isna().any():
        raise DataError(f"sequence key '{key}' and index '{index}' need a value in every event")
    distinct = part.groupby(key, sort=False)[names].nunique(dropna=False)
    varying = {n for n in names if len(distinct) and int(distinct[n].max()) > 1}
    empty = {n for n in names if part[n].isna().any()}
    counts = part[key].value_counts(sort=False)
    repeats = bool(part.duplicated([key, index]).any())
    return pd.Series(counts.index), varying, empty, repeats, bool((counts > 1).any()), len(part)


def _pilot(events: dd.DataFrame, key: str, keys: pd.Series, seed: int) -> pd.DataFrame:
    """The events of about `PILOT_ENTITIES` entities, picked by a seeded hash of their keys."""
    hashed = pd.util.hash_pandas_object(keys, index=False).to_numpy()
    mask = np.uint64(seeding.rng(seed, "transform", 3).integers(2**63))
    chosen = keys
    if len(keys) > PILOT_ENTITIES:
        below = np.uint64(int(PILOT_ENTITIES / len(keys) * 2**64))
        chosen = keys[(hashed ^ mask) < below]
    picked: pd.DataFrame = events[events[key].isin(list(chosen))].compute()
    return picked.reset_index(drop=True)


def _whole(layout: SequenceLayout, facts: _Facts) -> SequenceLayout:
    """The pilot's layout with what holds over every entity: columns without an empty cell,
    whether every index strictly increases, keys with room for every entity."""
    strict = not facts.repeats
    return replace(
        layout,
        no_nulls=tuple(c for c in [*layout.static, *layout.events] if c not in facts.empty),
        strict=strict,
        min_gap=(1.0 if layout.integer_gaps else 0.0) if strict else 0.0,
        key_pattern=new_key_pattern(facts.keys, len(facts.keys)),
    )


def _steps(
    part: pd.DataFrame, layout: SequenceLayout, context: pd.DataFrame | None, empty: pd.DataFrame
) -> pd.DataFrame:
    """A partition's step rows (its entities' context rows taken from `context`)."""
    if not len(part):
        return empty
    if context is not None:
        context = context.reindex(pd.unique(part[layout.key]))
    rows, _ = step_rows(part, layout, context)
    return rows
