"""An entity's own columns learned with its context row: its number of events and first index.

With a context table, a sequence model fits a table model of the context rows (one per entity)
first. That table also holds each entity's `LENGTH` (its number of events, 0 for a context row
without events) and `START` (its first index, in index units; empty without events), so they
are learned jointly with the context, as any other column of a table: a baseball player's
first season given his birth date. The step network learned them too, from each entity's
first step row only (one row in eight on baseball's fielding), and underfit them there: given
the real players, its first seasons came 12 to 45 years after the birth year for half of them
(the middle half of real debuts: 23 to 26; a table model of the players and their first season:
23 to 26).

Sampling takes both from the table model: with its context rows when it samples them, or drawn
given a given context row (`own_columns`); conditions on the first index are exact there. An
entity whose first index came out empty gets it from the step network, as before (a table model
may give an empty first index to an entity with events: only those without events had one).
A context model saved before this holds neither column: the step network draws both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import seeding
from ..metadata import MODELLED_KINDS, Column, Metadata
from .base import Synthesizer
from .sequence_layout import LENGTH, START, SequenceLayout

CONTEXT_SHARE = 0.25  # of a time budget, at most, for the context table's model
OWN = (LENGTH, START)  # the entity's own columns the context model learns
OWN_PATH = 1  # seeding path ("context", call, chunk, OWN_PATH): own columns of given rows


def per_entity(events: pd.DataFrame, layout: SequenceLayout) -> pd.DataFrame:
    """Each entity's number of events and first index in index units (as the step rows hold
    them), indexed by its key: of a whole table, or of a part that holds whole entities."""
    units = layout.index_units(events[layout.index])
    if layout.integer_gaps:
        units = np.round(units)
    by = pd.Series(units).groupby(events[layout.key].to_numpy())
    return pd.DataFrame({LENGTH: by.size().astype(np.float64), START: by.min()})


def entity_own(found: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """`per_entity` rows for the entities `keys` (a context table's, in its order): 0 events
    and no first index for an entity without events."""
    own = found.reindex(keys.to_numpy()).reset_index(drop=True)
    own[LENGTH] = own[LENGTH].fillna(0.0)
    return own


def fit_context_model(
    synthesizer: Synthesizer,
    context: pd.DataFrame,
    metadata: Metadata,
    own: tuple[pd.DataFrame, dict[str, Column]] | None = None,
) -> Synthesizer | None:
    """A model of the context table (one row per entity, the key left out) with `own`, each
    entity's number of events and first index (`entity_own`; their metadata), of the
    sequence model `synthesizer`'s kind and settings: sampled context rows and their
    entities' own columns come from it, and each entity's events are drawn given its row (as
    for a given context). The step network learns an entity's columns only from its first
    step row, beside many later ones, and underfit them: baseball players born in the 1960s
    came out dead in 41%, against 2% real (a model of the players table alone: 6%). Under a
    time budget it gets `CONTEXT_SHARE` of it at most (it fits first; the step network gets
    the rest). None when the context has nothing to model."""
    key = synthesizer.get_params()["sequence_key"]
    columns = {n: c for n, c in metadata.columns.items() if n != key}
    if not any(c.kind in MODELLED_KINDS for c in columns.values()):
        return None
    table = context.drop(columns=[key])
    if own is not None:
        table = pd.concat([table.reset_index(drop=True), own[0]], axis=1)
        columns |= own[1]
    # the rules name event columns: the context model learns the context's own columns
    params = synthesizer.get_params() | {"sequence_key": None, "sequence_index": None}
    params |= {"rules": None, "seed": seeding.integer(synthesizer.seed, "context")}
    params |= {"verbose": False}
    if params.get("time_budget") is not None:
        # the least budget a model takes is 1 s
        params["time_budget"] = max(CONTEXT_SHARE * params["time_budget"], 1.0)
    model = Synthesizer(synthesizer.name, **params)
    return model.fit(table, Metadata(columns))


def own_metadata(step_metadata: Mapping[str, Column]) -> dict[str, Column]:
    """The step rows' metadata of `OWN`, for the context model."""
    return {name: step_metadata[name] for name in OWN if name in step_metadata}


def learned_own(model: Synthesizer | None) -> list[str]:
    """The entity's own columns a fitted context model learned (none in a model file saved
    before it learned them)."""
    names = getattr(getattr(model, "metadata_", None), "names", ())
    return [name for name in OWN if name in names]


def own_columns(
    model: Any,
    context: pd.DataFrame,
    names: list[str],
    conditions: Mapping[str, Any],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The columns `names` (of `OWN`) of each row of a given `context` table, drawn by the
    context model given the row's modelled cells; `conditions` on them exact. Never empty."""
    modelled = {b.column for b in model.transformer_.blocks_}
    known = {name: context[name] for name in context.columns if name in modelled}
    tokens = model._known_tokens(known, len(context))
    typed = model.transformer_.encode_conditions(dict(conditions))
    fixed, allowed = model._condition_tokens(typed)
    for j, token in fixed.items():
        tokens[:, j] = token
    encoded = model._draw(tokens, rng, model._null_tokens(names), allowed)
    encoded = model._inside_ranges(encoded, typed, rng)
    return model._decode(encoded, names, rng)
