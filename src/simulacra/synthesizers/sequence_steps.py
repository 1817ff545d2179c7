"""An events table's step rows (`sequence_layout.py` says what each column holds): the layout
learned from the events, then the rows made from them, for a whole table or for each part
that holds whole entities (a Dask partition, `scale/sequence_fit.py`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..metadata import MODELLED_KINDS, Column, Metadata, infer_column
from ..sequence_keys import new_key_pattern
from ..transforms.columns import DatetimeTransform
from .sequence_layout import (
    GAP,
    INDEX_KINDS,
    INTERNAL,
    LENGTH,
    POSITION,
    PREFIX,
    START,
    SequenceLayout,
    change,
    first,
    prev,
    sorted_events,
)
from .sequence_lines import row_ties, step_line


@dataclass(frozen=True)
class StepTable:
    """The step rows of a fit, their metadata and the entity of each row."""

    rows: pd.DataFrame
    metadata: Metadata
    entity: np.ndarray
    entities: int


def build_layout(
    events: pd.DataFrame,
    metadata: Metadata,
    key: str,
    index: str,
    context: pd.DataFrame | None,
    context_metadata: Metadata | None,
    rng: np.random.Generator,
    static: list[str] | None = None,
) -> tuple[SequenceLayout, StepTable]:
    """Check the tables, learn the layout and make the step table (see `sequence_layout.py`).
    `static`: the columns constant within every entity when `events` are some entities of a
    larger table (else found in `events`)."""
    _check_events(events, metadata, key, index)
    index_meta = metadata[index]
    codec = None
    if index_meta.kind == "datetime":
        codec = DatetimeTransform(index, index_meta, "bins", "codes", 2)
        codec.fit(events[index], rng)
        unit, integer = float(codec.resolution_ or 1.0), codec.resolution_ is not None
        raw = codec.to_float(events[index])
    else:
        decimals = 0 if index_meta.integer else index_meta.decimals
        unit, integer = (10.0 ** -(decimals or 0), decimals is not None)
        raw = pd.to_numeric(events[index]).to_numpy(np.float64)
    units = np.round(raw / unit) if integer else raw / unit
    order = sorted_events(events, key, index, units)
    events, units = events.iloc[order].reset_index(drop=True), units[order]
    entity, keys = pd.factorize(events[key], sort=False)
    lengths = np.bincount(entity)
    position = np.arange(len(events)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    first = position == 0
    gaps = np.where(first, np.nan, units - np.roll(units, 1))
    strict = bool(np.all(gaps[~first] > 0)) if (~first).any() else True
    varying = [c for c in events.columns if c not in (key, index)]
    if static is None:
        static = _static_columns(events, varying, key, lengths)
    static = [c for c in varying if c in static]
    moving = [c for c in varying if c not in static]
    ties = row_ties(events, [c for c in moving if metadata[c].kind == "numerical"])
    lines = {c: step_line(events[c], metadata[c], first, ties.get(c, 0.0)) for c in moving}
    changes = [c for c, line in lines.items() if line is not None]
    context_order: tuple[str, ...] = ()
    context_names: list[str] = []
    context_rows, context_meta = None, None
    if context is not None:
        context_rows, context_meta = _check_context(context, context_metadata, key, keys)
        context_order = tuple(map(str, context.columns))
        context_names = [c for c in context_order if c != key]
    layout = SequenceLayout(
        key=key,
        index=index,
        context=tuple(context_names),
        static=tuple(static),
        events=tuple(moving),
        columns=tuple(map(str, events.columns)),
        context_columns=context_order,
        unit=unit,
        integer_gaps=integer,
        min_gap=(1.0 if integer else 0.0) if strict else 0.0,
        strict=strict,
        no_nulls=tuple(c for c in [*static, *moving] if not events[c].isna().any()),
        key_pattern=new_key_pattern(events[key], len(keys)),
        key_dtype=str(events[key].dtype),
        index_column=_plain_column(index_meta),
        index_state=codec.get_state() if codec is not None else None,
        changes=tuple(changes),
        anchored=tuple(moving),
        slopes=tuple(lines[c][0] for c in changes),  # type: ignore[index]
        intercepts=tuple(lines[c][1] for c in changes),  # type: ignore[index]
        logs=tuple(lines[c][2] for c in changes),  # type: ignore[index]
    )
    rows, entity_of_row = step_rows(events, layout, context_rows)
    step_meta = _step_metadata(rows, layout, metadata, context_meta)
    return layout, StepTable(rows, step_meta, entity_of_row, int(entity_of_row.max()) + 1)


def step_rows(
    events: pd.DataFrame, layout: SequenceLayout, context: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """The step rows of `events` (in any order: sorted by key, then index, here) and the
    entity of each row (0, 1, ... in order of first appearance); with `context` (indexed by
    the key), each entity's context cells, and one row for each context entity without
    events. The same rows for a whole table and, entity by entity, for its parts (a Dask
    partition that holds whole entities)."""
    key, index = layout.key, layout.index
    units = layout.index_units(events[index])
    if layout.integer_gaps:
        units = np.round(units)
    order = sorted_events(events, key, index, units)
    events, units = events.iloc[order].reset_index(drop=True), units[order]
    entity, keys = pd.factorize(events[key], sort=False)
    lengths = np.bincount(entity, minlength=len(keys))
    position = np.arange(len(events)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    at_start = position == 0
    columns: dict[str, Any] = {POSITION: position, LENGTH: np.repeat(lengths, lengths)}
    for name in layout.context:  # the context row of each event's entity, found by its key
        found = context[name].reindex(keys) if context is not None else None
        columns[name] = found.to_numpy()[entity] if found is not None else None
    for name in layout.static:
        columns[name] = events[name].to_numpy()
    columns[START] = np.repeat(units[at_start], lengths)
    for name in layout.lagged:
        values = units if name == index else events[name]
        columns[prev(name)] = pd.Series(values).shift(1).where(~at_start).to_numpy()
    starts = np.repeat(np.flatnonzero(at_start), lengths)  # each row's entity's first row
    for name in layout.anchored:  # the first event's value, given from the second event on
        columns[first(name)] = events[name].iloc[starts].where(~at_start).to_numpy()
    columns[GAP] = np.where(at_start, np.nan, units - np.roll(units, 1))
    for name in layout.events:
        columns[name] = events[name].to_numpy()
    for name in layout.changes:
        columns[change(name)] = None  # filled below
    rows = pd.DataFrame({name: columns[name] for name in layout.table_order()})
    for name in [*layout.static, *layout.events]:  # the events' dtypes (strings, Int64)
        rows[name] = events[name].reset_index(drop=True)
    for name in layout.changes:
        values = pd.to_numeric(events[name], errors="coerce").to_numpy(np.float64)
        before = np.where(at_start, np.nan, np.roll(values, 1))
        rows[change(name)] = layout.changed(name, values, before)  # empty where either is
        rows[name] = rows[name].where(np.isnan(before))
    if context is not None:
        return _with_empty_entities(rows, layout, context, keys, entity)
    return rows, entity.astype(np.int64)


def _check_events(events: pd.DataFrame, metadata: Metadata, key: str, index: str) -> None:
    for role, name in (("sequence key", key), ("sequence index", index)):
        if name not in events.columns:
            raise DataError(f"{role} '{name}' is not a column of the table")
        if events[name].isna().any():
            raise DataError(f"{role} '{name}' has empty cells; every event needs one")
    if key == index:
        raise DataError(f"'{key}' cannot be both the sequence key and the sequence index")
    if metadata[index].kind not in INDEX_KINDS:
        raise DataError(
            f"sequence index '{index}' is {metadata[index].kind}; it must hold numbers, dates "
            "or datetimes"
        )
    clash = [str(c) for c in events.columns if str(c).startswith(PREFIX)]
    if clash:
        raise DataError(f"column '{clash[0]}' starts with '{PREFIX}', a prefix kept for sequences")
    if len(events) < 2:
        raise DataError(f"the table has {len(events)} event(s); at least 2 are needed to fit")


def _static_columns(
    events: pd.DataFrame, names: list[str], key: str, lengths: np.ndarray
) -> list[str]:
    """Columns constant within every entity (an empty cell counts as a value), when some
    entity has two events or more (else every column would be)."""
    if not (lengths > 1).any() or not names:
        return []
    distinct = events.groupby(key, sort=False)[names].nunique(dropna=False)
    return [name for name in names if int(distinct[name].max()) <= 1]


def check_context_keys(context: pd.DataFrame, key: str, keys: pd.Index) -> None:
    """One error line unless `context` names each entity once by `key` and has a row for
    every entity of the events (`keys`)."""
    if key not in context.columns:
        raise DataError(f"the context table has no column '{key}' (the sequence key)")
    if context[key].isna().any() or context[key].duplicated().any():
        raise DataError(f"the context table's '{key}' must name each entity once, never empty")
    unknown = ~keys.isin(context[key])
    if unknown.any():
        raise DataError(
            f"{int(unknown.sum()):,} entities of the events have no row in the context table "
            f"(for example '{key}' = {keys[unknown][0]!r})"
        )


def _check_context(
    context: pd.DataFrame, metadata: Metadata | None, key: str, keys: pd.Index
) -> tuple[pd.DataFrame, Metadata]:
    check_context_keys(context, key, keys)
    clash = [str(c) for c in context.columns if str(c).startswith(PREFIX)]
    if clash:
        raise DataError(f"context column '{clash[0]}' starts with '{PREFIX}', a kept prefix")
    if metadata is None:
        metadata = Metadata.infer(context)
    metadata.check_columns(context)
    return context.set_index(key), metadata


def _with_empty_entities(
    rows: pd.DataFrame,
    layout: SequenceLayout,
    context: pd.DataFrame,
    keys: pd.Index,
    entity: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """`rows` plus one row per context entity without events (length 0, no event cells)."""
    missing = context.index[~context.index.isin(keys)]
    if not len(missing):
        return rows, entity.astype(np.int64)
    extra = pd.DataFrame({POSITION: 0, LENGTH: 0}, index=range(len(missing)))
    for name in layout.context:
        extra[name] = context.loc[missing, name].to_numpy()
    extra = extra.reindex(columns=rows.columns)  # empty event cells (integers become floats)
    more = np.arange(len(keys), len(keys) + len(missing), dtype=np.int64)
    return pd.concat([rows, extra], ignore_index=True), np.concatenate([entity, more])


def _step_metadata(
    rows: pd.DataFrame, layout: SequenceLayout, events: Metadata, context: Metadata | None
) -> Metadata:
    """Each step column's metadata: the events' and the context's own for their columns,
    the events' for a previous value, numbers for the internal columns; a column constant in
    the step rows is copied as a constant. The gap and a change, when constant (a yearly
    panel's gap of one year, an experience that grows by one every year), are always empty
    where there is no previous value, and sampling ignores them there: they are copied with
    their share of empty cells among the steps that have one (none for a gap), not among all
    steps (the first events' empty cells made 11% of Ecdat Males' later years lose their
    experience, the next restarting it from a value drawn as for a first year)."""
    whole = {POSITION, LENGTH} | ({START, GAP} if layout.integer_gaps else set())
    columns: dict[str, Column] = {}
    for name in rows.columns:
        series = rows[name]
        if name.startswith(f"{PREFIX}change."):
            changed = name.removeprefix(f"{PREFIX}change.")
            source = events[changed]
            plain = layout.step_line(changed) == (1.0, 0.0, False)  # on the values' grid
            meta = Column(
                "numerical",
                dtype="float64",
                null_share=float(series.isna().mean()),
                integer=source.integer if plain else False,
                decimals=source.decimals if plain else None,
            )
        elif name in INTERNAL or name == prev(layout.index):
            integer = name in whole or (name == prev(layout.index) and layout.integer_gaps)
            meta = Column(
                "numerical",
                dtype="float64",
                null_share=float(series.isna().mean()),
                integer=integer,
                decimals=0 if integer else None,
            )
        elif name.startswith((f"{PREFIX}prev.", f"{PREFIX}first.")):
            source = events[name.split(".", 2)[2]]
            meta = replace(source, dtype=str(series.dtype), null_share=float(series.isna().mean()))
        elif name in layout.context and context is not None:
            meta = context[name]
        else:
            meta = replace(events[name], null_share=float(series.isna().mean()))
        if meta.kind in MODELLED_KINDS and series.nunique(dropna=True) <= 1:
            meta = infer_column(name, series)  # constant (or empty) in the step rows
            if name == GAP or name.startswith(f"{PREFIX}change."):
                lagged = layout.index if name == GAP else name.removeprefix(f"{PREFIX}change.")
                had = rows[prev(lagged)].notna().to_numpy()
                share = float(series[had].isna().mean()) if had.any() else 0.0
                meta = replace(meta, null_share=share)
        columns[name] = replace(meta, min=None, max=None) if meta.public is None else meta
    return Metadata(columns)


def _plain_column(column: Column) -> dict[str, Any]:
    return {k: v for k, v in asdict(column).items() if v is not None and v != {}}
