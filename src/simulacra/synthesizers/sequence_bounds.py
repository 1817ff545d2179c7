"""Rules that bound a sequence's index by an entity's column or a number, kept in every
sampled entity: `day <= futime` (no visit after the follow-up ends), `year >= birth_year`,
`day in 0..365`.

The index is drawn as a first index and gaps (`sequence_layout.py`), which no reparametrised
column can hold, so these rules are kept on the drawn indexes, entity by entity, after its
events are drawn (`bounded`): a first index below the entity's lower bound moves up to it
(its later events with it, the gaps kept), one above its upper bound down to it, and the
events past the upper bound are dropped: the entity's sequence ends there, as a patient's
visits end with the follow-up. The other entities are untouched.

On pbcseq with `day <= futime` (which `inspect` proposes, and a sequence fit had refused),
16-18% of the sampled patients had visits after their follow-up had ended (real: none); with
the rule none do, and over 8 seeds the entity C2ST is 0.728 (median; 0.734 without the rule),
lengths' KS 0.066 (0.084), gaps' KS 0.085 (0.081). Shrinking the gaps of a sequence that ran
past its bound, so that it ended where real ones end within their windows, was measured and not
kept (before the first-event model): gaps' KS 0.246 against 0.071 without the rule, C2ST 0.791
against 0.783. The bound's column must be constant within entities: a static or a context
column.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataNote, ParameterError
from ..specs.rules import Order, Range, parse_rule
from .sequence_layout import SequenceLayout

# each event's entity number, the entities' keys, each event's position in its entity
Entities = tuple[np.ndarray, pd.Index, np.ndarray]


def index_rules(texts: list[str], key: str, index: str) -> tuple[list[str], list[str]]:
    """`texts` split into (rules between the other columns of each event, rules that bound
    the index); a ParameterError for a rule naming the key, or the index otherwise."""
    others, bounds = [], []
    for text in texts:
        rule = parse_rule(text)
        if key in rule.columns:
            raise ParameterError(
                f"rule {text!r} names the sequence key '{key}': rules of a sequence model hold "
                "between the other columns of each event"
            )
        if index not in rule.columns:
            others.append(text)
        elif _bound(rule, index) is None:
            raise ParameterError(
                f"rule {text!r} names the sequence index '{index}': a sequence model keeps a "
                f"rule on its index only as a bound by one column or a number ({index} <= end, "
                f"{index} >= 0); other rules hold between the other columns of each event"
            )
        else:
            bounds.append(text)
    return others, bounds


def _bound(rule: Any, index: str) -> dict[str, Any] | None:
    """The bound a parsed rule puts on `index`: {column, upper, strict} for an order with a
    column, {column: None, low, high, strict} for a range of numbers; None when it is no
    bound of the index alone by one column or one number."""
    if isinstance(rule, Range) and rule.allowed.column == index and rule.allowed.values is None:
        return {"column": None, "low": rule.allowed.low, "high": rule.allowed.high, "strict": False}
    if isinstance(rule, Order):
        sides = (rule.low.name, rule.high.name)
        if index in sides and None not in sides and sides[0] != sides[1]:
            upper = sides[0] == index
            return {
                "column": sides[1] if upper else sides[0],
                "upper": upper,
                "strict": rule.strict,
            }
    return None


def learn(
    layout: SequenceLayout, texts: list[str], events: pd.DataFrame, context: pd.DataFrame | None
) -> SequenceLayout:
    """`layout` with the rules among `texts` that bound the index (`index_rules`), each
    checked over the real `events` (and `context`) as given: a column constant within
    entities, of the index's kind; a DataNote when real entities break one."""
    texts = index_rules(texts, layout.key, layout.index)[1]
    if not texts:
        return layout
    entities = _entities(events, layout.key)
    where, keys, _ = entities
    by = pd.Series(layout.index_units(events[layout.index])).groupby(where)  # rows in any order
    starts, ends = by.min().to_numpy(), by.max().to_numpy()
    bounds = []
    for text in texts:
        found = _bound(parse_rule(text), layout.index)
        assert found is not None
        column = found["column"]
        if column is not None:
            _check_column(layout, text, column, events, context, where)
        sides = [found["upper"]] if column is not None else [False, True]
        for upper in sides:
            bound = {"text": text, "column": column, "upper": upper, "strict": found["strict"]}
            if column is None:
                value = found["high" if upper else "low"]
                if value is None:
                    continue
                bound["value"] = float(_units(layout, pd.Series([value]), text)[0])
            low, high = _window([bound], entities, events, context, layout)
            broken = int(np.sum((starts < low) | (ends > high)))
            if broken:
                warnings.warn(
                    f"rule {text!r}: {broken:,} of {len(keys):,} entities break it; sampled "
                    "entities keep it",
                    DataNote,
                    stacklevel=3,
                )
            bounds.append(bound)
    return replace(layout, bounds=tuple(bounds))


def bounded(
    layout: SequenceLayout, events: pd.DataFrame, context: pd.DataFrame | None
) -> pd.DataFrame:
    """Sampled `events` (entity by entity, in index order; `context`: their context rows)
    with every entity's indexes inside its window (see the module docstring)."""
    entities = _entities(events, layout.key)
    where, _, position = entities
    low, high = _window(list(layout.bounds), entities, events, context, layout)
    units = layout.index_units(events[layout.index])
    start = units[position == 0]
    shift = (np.minimum(np.maximum(start, low), high) - start)[where]
    moved = units + shift
    keep = (moved <= high[where]) | (position == 0)
    if not (shift != 0).any() and keep.all():
        return events
    out = events.copy()
    index = out[layout.index].copy()
    shifted = shift != 0
    index.loc[shifted] = layout.index_values(moved[shifted]).to_numpy()
    out[layout.index] = index
    return out.loc[keep].reset_index(drop=True)


def _entities(events: pd.DataFrame, key: str) -> Entities:
    """Each event's entity number (events grouped entity by entity), the entities' keys, and
    each event's position within its entity (0 for the first)."""
    where, keys = pd.factorize(events[key], sort=False)
    position = pd.Series(where).groupby(where).cumcount().to_numpy()
    return where, pd.Index(keys), position


def _check_column(
    layout: SequenceLayout,
    text: str,
    column: str,
    events: pd.DataFrame,
    context: pd.DataFrame | None,
    where: np.ndarray,
) -> None:
    """A ParameterError unless a bound's column is a context column or constant within every
    entity of `events`."""
    if context is not None and column in context.columns and column != layout.key:
        return
    if column not in events.columns:
        raise ParameterError(f"rule {text!r} names '{column}', which is not a column")
    if bool((events[column].groupby(where).nunique(dropna=False) > 1).any()):
        raise ParameterError(
            f"rule {text!r} bounds the index '{layout.index}' by '{column}', which changes "
            "within entities: a bound must be constant within every entity (a static or a "
            "context column)"
        )


def _values(
    layout: SequenceLayout,
    bound: dict[str, Any],
    entities: Entities,
    events: pd.DataFrame,
    context: pd.DataFrame | None,
) -> np.ndarray:
    """A bound's value for each entity of `events` (`entities`: their `_entities`, in order
    of appearance), in index units (NaN where its column is empty)."""
    _, keys, position = entities
    column = bound["column"]
    if column is None:
        return np.full(len(keys), bound["value"])
    if column in events.columns:
        values = events[column][position == 0].reset_index(drop=True)
    else:
        assert context is not None
        values = context.set_index(layout.key)[column].reindex(keys).reset_index(drop=True)
    return _units(layout, values, column)


def _units(layout: SequenceLayout, values: pd.Series, what: str) -> np.ndarray:
    """Values of a bound (a column's or a number) in the index's units; a ParameterError for
    values that are not of the index's kind."""
    try:
        if layout.index_state is not None:
            values = pd.to_datetime(values)
            if values.dt.tz is not None:
                values = values.dt.tz_localize(None)
        elif not (pd.api.types.is_numeric_dtype(values) or values.isna().all()):
            raise TypeError(str(values.dtype))
        return layout.index_units(values)
    except (TypeError, ValueError) as error:
        kind = "a date" if layout.index_state is not None else "a number"
        raise ParameterError(
            f"the bound {what!r} of the index '{layout.index}' is not {kind} like it ({error})"
        ) from None


def _window(
    bounds: list[dict[str, Any]],
    entities: Entities,
    events: pd.DataFrame,
    context: pd.DataFrame | None,
    layout: SequenceLayout,
) -> tuple[np.ndarray, np.ndarray]:
    """Each entity's lowest and highest allowed index in units (-inf / inf where no bound
    applies, as where its column is empty): the nearest whole unit inside for whole gaps."""
    count = len(entities[1])
    low, high = np.full(count, -np.inf), np.full(count, np.inf)
    for bound in bounds:
        limit = _values(layout, bound, entities, events, context)
        strict, upper = bound["strict"], bound["upper"]
        if layout.integer_gaps:
            inside = np.ceil(limit) - 1 if strict else np.floor(limit)
            limit = inside if upper else -(np.ceil(-limit) - 1 if strict else np.floor(-limit))
        elif strict:
            limit = np.nextafter(limit, -np.inf if upper else np.inf)
        high, low = (np.fmin(high, limit), low) if upper else (high, np.fmax(low, limit))
    return low, high
