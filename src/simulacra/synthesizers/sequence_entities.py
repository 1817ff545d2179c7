"""An entity's own columns learned by a table model of the entities, one row per entity.

A sequence model fits a table model of its entities first (`fit_entity_model`, held as the
model's `context_model_`): their context row when a context table is given, and each entity's
own columns: its number of events (`LENGTH`, 0 for a context row without events), its first
index (`START`, in index units; empty without events) and its static columns (constant within
every entity; those a rule names stay with the step network). They are learned jointly, as
any table's columns are: a baseball player's first season given his birth date, a patient's
number of visits given the follow-up time. The step network learned them too, but from each
entity's first step row only (one row in six on pbcseq, one in eight on baseball's fielding)
and underfit them there: given the real baseball players, half of its first seasons came 12
to 45 years after the birth year (real: 23 to 26); pbcseq's number of visits followed the
follow-up time with correlation 0.08 (real 0.78), and a third of the sampled patients had
visits after their follow-up time had ended (real: none).

Sampling takes them from the table model: with the context rows when it samples those (or
rows of own columns alone without a context table), or drawn given a given context row
(`own_columns`); conditions on the first index and on static columns are exact there. An
entity whose own cell came out empty where it may not (a first index or a static column
never empty in the real events) gets it from the step network, as before. A model saved
before this holds none of them in its context model (or has none): the step network draws
them.

The entity models of fewer than `SMALL_ENTITIES` entities (the entity model and the first-event
model) train with dropout `SMALL_DROPOUT` at least: without it they memorised their rows. On
pbcseq (250 training patients, 8 splits, medians), 33% of the sampled patients' own rows
(follow-up time, status, treatment, age, sex, number of visits) lay closer to a training
patient's than the holdout's 5th percentile distance (unseen patients: 5%), membership
inference AUC 0.61; with the first visit added 10% (Males, 436 men: 13%). With dropout 0.3:
13%, AUC 0.57; with the first visit 5% (Males 6%). Dropout 0.5 went to 3% (4 splits) but lost
relations (first seasons 18-26 years after the birth year in 61% of a test's players, real
100%); a Gaussian copula reached 4% and 3% but lost a lab value's relation to its four stages
(correlation 0.19, real 0.98): a category's scores are in no order the copula can use. Above
it (baseball's 10,000 players: 2.5%, AUC 0.50) no dropout is added.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import seeding
from ..metadata import MODELLED_KINDS, Column, Metadata
from .base import Synthesizer
from .sequence_layout import LENGTH, START, SequenceLayout, sorted_events

CONTEXT_SHARE = 0.25  # of a time budget, at most, for the entity model
SMALL_ENTITIES, SMALL_DROPOUT = 2_000, 0.3  # fewer entities: dropout (see the docstring)
OWN_PATH = 1  # seeding path ("context", call, chunk, OWN_PATH): own columns of given rows


def own_names(layout: SequenceLayout, metadata: Metadata, ruled: frozenset[str]) -> list[str]:
    """The entity's own columns the entity model learns, in the step network's order: the
    number of events, the static columns it models (not those a rule names: conditions on
    them are rewritten for the step network), the first index."""
    static = [
        name
        for name in layout.static
        if metadata[name].kind in MODELLED_KINDS and name not in ruled
    ]
    return [LENGTH, *static, START]


def per_entity(events: pd.DataFrame, layout: SequenceLayout, names: list[str]) -> pd.DataFrame:
    """Each entity's own columns `names` (`own_names`; the first index in index units, as
    the step rows hold it), indexed by its key: of a whole table, or of a part that holds
    whole entities."""
    units = layout.index_units(events[layout.index])
    if layout.integer_gaps:
        units = np.round(units)
    keys = events[layout.key].to_numpy()
    by = pd.Series(units).groupby(keys)
    found = {LENGTH: by.size().astype(np.float64), START: by.min()}
    cells = [name for name in names if name not in found]
    if cells:  # the first event's values (a static column's: constant), empty or not
        order = sorted_events(events, layout.key, layout.index, units)
        first = events.iloc[order].groupby(keys[order], sort=True).head(1)
        values = first.set_index(layout.key)[cells]
        found |= {name: values[name] for name in cells}
    return pd.DataFrame({name: found[name] for name in names})


def entity_own(found: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """`per_entity` rows for the entities `keys` (a context table's, in its order): 0 events
    and empty cells for an entity without events."""
    own = found.reindex(keys.to_numpy()).reset_index(drop=True)
    own[LENGTH] = own[LENGTH].fillna(0.0)
    return own


def fit_entity_model(
    synthesizer: Synthesizer,
    context: pd.DataFrame | None,
    metadata: Metadata | None,
    own: tuple[pd.DataFrame, dict[str, Column]] | None = None,
    path: tuple[int, ...] = (),
) -> Synthesizer | None:
    """A table model of the entities, of the sequence model `synthesizer`'s kind and
    settings: their context rows (the key left out; `metadata` theirs) when a context table
    is given, and `own`, their own columns (`entity_own`, aligned with the context rows;
    their metadata). Sampled entities come from it, and each entity's events are drawn given
    its row. A context drawn by the step network had made baseball players born in the 1960s
    dead in 41%, against 2% real (this model: 6%). Under a time budget it gets
    `CONTEXT_SHARE` of it at most (it fits first; the step network gets the rest). Fewer than
    `SMALL_ENTITIES` rows train with dropout `SMALL_DROPOUT` at least. None when there is
    nothing to model. `path`: its seed's under "context" (the first-event model's:
    `sequence_firsts.SEED_PATH`)."""
    key = synthesizer.get_params()["sequence_key"]
    columns: dict[str, Column] = {}
    table = pd.DataFrame()
    if context is not None and metadata is not None:
        columns = {n: c for n, c in metadata.columns.items() if n != key}
        table = context.drop(columns=[key]).reset_index(drop=True)
    if own is not None:
        table = pd.concat([table, own[0].reset_index(drop=True)], axis=1)
        columns |= own[1]
    if not any(c.kind in MODELLED_KINDS for c in columns.values()):
        return None
    # the rules name event columns: the context model learns the context's own columns
    params = synthesizer.get_params() | {"sequence_key": None, "sequence_index": None}
    params |= {"rules": None, "seed": seeding.integer(synthesizer.seed, "context", *path)}
    params |= {"verbose": False}
    if len(table) < SMALL_ENTITIES:
        params["dropout"] = max(params["dropout"], SMALL_DROPOUT)
    if params.get("time_budget") is not None:
        # the least budget a model takes is 1 s
        params["time_budget"] = max(CONTEXT_SHARE * params["time_budget"], 1.0)
    model = Synthesizer(synthesizer.name, **params)
    return model.fit(table, Metadata(columns))


def own_table(
    found: pd.DataFrame, key: str, context: pd.DataFrame | None, step_metadata: Metadata
) -> tuple[pd.DataFrame, dict[str, Column]]:
    """What the entity model learns besides the context: the `per_entity` rows of every
    entity (aligned with the context rows when there are: `entity_own`) and their step-row
    metadata."""
    if context is not None:
        found = entity_own(found, context[key])
    return found, {name: step_metadata[name] for name in found.columns}


def learned_own(model: Synthesizer | None, layout: SequenceLayout) -> list[str]:
    """The entity's own columns a fitted entity model learned, in the step network's order
    (none in a model saved before it learned them)."""
    names = getattr(getattr(model, "metadata_", None), "names", ())
    return [name for name in (LENGTH, *layout.static, START) if name in names]


def own_columns(
    model: Any,
    context: pd.DataFrame,
    names: list[str],
    conditions: Mapping[str, Any],
    rng: np.random.Generator,
    never_empty: list[str],
) -> pd.DataFrame:
    """The own columns `names` of each row of a given `context` table, drawn by the entity
    model given the row's modelled cells; `conditions` on them exact. Empty only where the
    real own column has empty cells (not those of `never_empty`)."""
    modelled = {b.column for b in model.transformer_.blocks_}
    known = {name: context[name] for name in context.columns if name in modelled}
    tokens = model._known_tokens(known, len(context))
    typed = model.transformer_.encode_conditions(dict(conditions))
    fixed, allowed = model._condition_tokens(typed)
    for j, token in fixed.items():
        tokens[:, j] = token
    encoded = model._draw(tokens, rng, model._null_tokens(never_empty), allowed)
    encoded = model._inside_ranges(encoded, typed, rng)
    return model._decode(encoded, names, rng)


def entity_model_text(
    model: Synthesizer | None, layout: SequenceLayout, first: Synthesizer | None = None
) -> dict[str, str]:
    """What `describe` says of the entities: drawn by the entity model (and their first
    events by the first-event model), or (a model saved before) the context rows by a model
    of the context table alone."""
    if learned_own(model, layout):
        given = "their context rows, " if layout.context else ""
        firsts = (
            "their first events by a table model of the entities' rows with their first event, "
            "the later events"
            if first is not None
            else "each entity's events"
        )
        return {
            "entities": f"drawn by a table model of the entities ({given}number of events, "
            f"static columns and first index; the same kind and settings, dropout "
            f"{SMALL_DROPOUT} at least under {SMALL_ENTITIES:,} entities), {firsts} by the "
            "step network given its row"
        }
    if model is not None:
        return {
            "context_rows": "sampled from a model of the context table alone (the same kind "
            "and settings), each entity's events drawn given its row"
        }
    return {}


MODEL_KEYS = (("context_model_", "context_model"), ("first_model_", "first_model"))


def entity_models_state(synthesizer: Any) -> dict[str, Any]:
    """The model-file entries of a sequence model's entity and first-event models."""
    found = {key: getattr(synthesizer, attribute, None) for attribute, key in MODEL_KEYS}
    return {key: model._entry() for key, model in found.items() if model is not None}


def load_entity_models(synthesizer: Any, state: dict[str, Any]) -> None:
    """A sequence model's entity and first-event models from its model file's entries (either
    absent in files of earlier versions: None)."""
    for attribute, key in MODEL_KEYS:
        entry = state.get(key)
        if entry is not None and entry["name"] != synthesizer.name:
            raise ValueError(f"an entity model of kind {entry['name']!r}")
        setattr(synthesizer, attribute, Synthesizer._from_entry(entry) if entry else None)
