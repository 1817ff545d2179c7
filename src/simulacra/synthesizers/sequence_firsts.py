"""Each entity's first event learned by a second table model of the entities, given its row.

A sequence fit fits, after the entity model (`sequence_entities.py`), a table model of the same
rows with the entity's first event added (`first_model_`): its context row, its own columns
(number of events, static columns, first index) and the first event's columns. Sampling draws
the entity's row from the entity model, then its first event from this model given the whole
row (`with_first_events`), then the later events from the step network. The step network had
learned first events from each entity's first step row only, one row in six on pbcseq: its
median first bilirubin was 2.3 against the real 1.3 (now 2.0, seed 0). Over 8 seeds (medians),
the entity C2ST went from 0.783 to 0.734 on pbcseq and from 0.724 to 0.672 on Males; the
synthetic entities closer to a training entity than the holdout's 5th percentile went from 2.0%
to 3.8% on pbcseq and from 4.0% to 5.2% on Males (unseen real entities: 5%).

The first event is a second model, not more columns of the entity model: there they blurred its
other relations (on baseball, under a 600 s budget, the debut age spread from 20-30 years, 5th
to 95th percentile, to 12-36; real 20-29). Under a time budget it gets `CONTEXT_SHARE` of it at
most, as the entity model does. A condition on an event column is a condition on the first
event: exact, and the first event's other columns drawn given it. A model saved before this has
no first-event model: the step network draws the first event, as it did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..metadata import MODELLED_KINDS, Column, Metadata
from .sequence_entities import learned_own, own_columns, own_names, own_table, per_entity
from .sequence_layout import SequenceLayout

FIRST_PATH = 3  # seeding path ("context", call, chunk, FIRST_PATH): first events
SEED_PATH = (1,)  # the first-event model's seed: seeding.integer(seed, "context", 1)


def first_names(layout: SequenceLayout, metadata: Metadata, ruled: frozenset[str]) -> list[str]:
    """The first event's columns the first-event model learns: the event columns of a
    modelled kind that no rule names (conditions on those are rewritten for the step
    network)."""
    return [n for n in layout.events if metadata[n].kind in MODELLED_KINDS and n not in ruled]


def learned_first(model: Any, layout: SequenceLayout) -> list[str]:
    """The first event's columns a fitted first-event model learned (none without one)."""
    names = getattr(getattr(model, "metadata_", None), "names", ())
    return [name for name in layout.events if name in names]


def entity_tables(
    found: pd.DataFrame,
    names: list[str],
    key: str,
    context: pd.DataFrame | None,
    step_metadata: Metadata,
) -> tuple[tuple[pd.DataFrame, dict[str, Column]], tuple[pd.DataFrame, dict[str, Column]] | None]:
    """(the entity model's own table, the first-event model's) from `found`, each entity's
    own columns `names` and first event's columns (`per_entity`); None for the second when
    there is no first-event column."""
    own = own_table(found[names], key, context, step_metadata)
    if list(found.columns) == names:
        return own, None
    return own, own_table(found, key, context, step_metadata)


def entity_rows(
    events: pd.DataFrame,
    layout: SequenceLayout,
    step_metadata: Metadata,
    context: pd.DataFrame | None,
    ruled: frozenset[str],
) -> tuple[tuple[pd.DataFrame, dict[str, Column]], tuple[pd.DataFrame, dict[str, Column]] | None]:
    """`entity_tables` of the events table `events` (`ruled`: the columns rules name)."""
    names, every = entity_columns(layout, step_metadata, ruled)
    found = per_entity(events, layout, every)
    return entity_tables(found, names, layout.key, context, step_metadata)


def entity_columns(
    layout: SequenceLayout, step_metadata: Metadata, ruled: frozenset[str]
) -> tuple[list[str], list[str]]:
    """(the entity model's own columns, those and the first event's columns: what
    `per_entity` gathers for `entity_tables`)."""
    names = own_names(layout, step_metadata, ruled)
    return names, [*names, *first_names(layout, step_metadata, ruled)]


def learned_columns(synthesizer: Any) -> list[str]:
    """The entity's own columns and the first event's columns a fitted sequence model's
    entity and first-event models learned."""
    layout = synthesizer.sequence_
    model = getattr(synthesizer, "context_model_", None)
    return [*learned_own(model, layout), *learned_first(first_model(synthesizer), layout)]


def first_model(synthesizer: Any) -> Any:
    """A sequence model's first-event model (None without one, as in earlier versions)."""
    return getattr(synthesizer, "first_model_", None)


def with_first_events(
    synthesizer: Any,
    entities: pd.DataFrame | None,
    conditions: Mapping[str, Any],
    rng: np.random.Generator,
) -> pd.DataFrame | None:
    """`entities` (context and own columns, one row each) with their first events' columns
    drawn by the sequence model's first-event model given each row; `conditions` on those
    columns exact. As they are without a first-event model."""
    model, layout = first_model(synthesizer), synthesizer.sequence_
    names = learned_first(model, layout)
    if not names or entities is None:
        return entities
    entities = entities.reset_index(drop=True)
    on_first = {k: v for k, v in conditions.items() if k in names}
    never = [name for name in names if name in layout.never_empty]
    drawn = own_columns(model, entities, names, on_first, rng, never)
    return pd.concat([entities.drop(columns=names, errors="ignore"), drawn], axis=1)
