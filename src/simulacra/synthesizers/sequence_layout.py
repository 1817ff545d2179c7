"""How an events table (several ordered rows per entity) becomes one table of steps, and back.

An entity (a patient, a player) has an ordered sequence of events (visits, seasons) and
entity-level attributes: its context row (another table, one row per entity, joined by the
sequence key) and its static columns (event columns constant within every real entity: a
patient's sex). Each event becomes one row of the step table:

    [position, context..., length, static..., start, previous event..., first event...,
     gap, event...]

- `__seq.position`: 0 for the first event, 1 for the next, ...;
- `__seq.length`: the entity's number of events (0 for a context row without events: such an
  entity gets one step row whose event cells are empty);
- `__seq.start`: the entity's first index, in index units (days for dates, 1 for integers);
- `__seq.prev.<column>`: the previous event's value of each varying column and of the index
  (empty at position 0);
- `__seq.first.<column>`: the entity's first event's value of each varying column (empty at
  position 0), so a later event follows the entity's own level and returns to it after a
  passing change: given the previous event alone it cannot (Ecdat Males' entity-level
  detection AUC, 8-seed median, fell from 0.699 to 0.596 with these columns, pbcseq's from
  0.729 to 0.688);
- `__seq.gap`: this index minus the previous one, in units (empty at position 0);
- the event's own varying columns; a number that persists from one event to the next (its
  within-entity lag-1 autocorrelation above `PERSISTENT`, so its changes vary less than its
  values) is held as `__seq.change.<column>`, its change from the value the previous one
  predicts, and in its own column only where there is no previous value (the first event,
  or an empty one). The prediction is the least-squares line of x_t on x_(t-1) over the real
  consecutive pairs, `intercept + slope * x_(t-1)` with the slope at most 0.95 (an AR(1)
  step, `sequence_lines.step_line`): a network that learns little from the previous value
  then still samples a stationary series with the real lag-1 autocorrelation, where adding
  plain changes (slope 1) would drift as a random walk (on pbcseq's bilirubin the median went
  from 1.1 at the first visit to 13.6 at the ninth, real 1.35 and 1.3). A positive number
  skewed to the right (skewness above `SKEWED`: a lab value, an amount) has its line and
  change in logarithms, so changes scale with the level as they do in such data. A number of
  at most `GRID_VALUES` distinct values (a stage, a score) keeps plain changes (slope 1,
  intercept 0): it stays on its grid.

One any-order autoregressive network learns the step rows, so it gives any column given any
others: sampling draws an entity's columns and first event given position 0 (and the context
when it is given), then each later event given the entity's columns, its position, the
previous event and the first one (`sequence_sampling.py`). Indexes are rebuilt as start +
cumulative gaps, gaps at least the smallest real one (one unit where every real entity's index
strictly increases), so sampled indexes strictly increase; static columns are drawn once per
entity and repeated.

The sequence key is never modelled: keys are regenerated from a pattern with at least
`ID_ROOM` times more values than entities (`KeyMaker`), or taken from a given context.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..ids import generate_ids
from ..metadata import Column
from ..transforms.columns import DatetimeTransform
from .sequence_lines import log_values

PREFIX = "__seq."
POSITION = f"{PREFIX}position"
LENGTH = f"{PREFIX}length"
START = f"{PREFIX}start"
GAP = f"{PREFIX}gap"
INTERNAL = (POSITION, LENGTH, START, GAP)
INDEX_KINDS = ("numerical", "datetime")


def prev(column: str) -> str:
    """The step table's column of the previous event's `column`."""
    return f"{PREFIX}prev.{column}"


def first(column: str) -> str:
    """The step table's column of the entity's first event's `column`."""
    return f"{PREFIX}first.{column}"


def change(column: str) -> str:
    """The step table's column of `column`'s change from the previous event."""
    return f"{PREFIX}change.{column}"


_TUPLES = (
    "context",
    "static",
    "events",
    "columns",
    "context_columns",
    "no_nulls",
    "changes",
    "slopes",
    "intercepts",
    "logs",
    "bounds",
    "anchored",
)


@dataclass(frozen=True)
class SequenceLayout:
    """What a sequence fit learned about the tables' shape (saved in the model file).

    `context`: the context table's columns but the key (empty without a context table);
    `static`: event columns constant within every real entity; `events`: the other event
    columns; `columns` / `context_columns`: each table's column order. The index is stored in
    `unit`s (seconds per unit for datetimes; 1 or 10^-decimals for numbers); `integer_gaps`:
    gaps are whole units; `min_gap`: the smallest gap sampled (one unit, or 0 where some real
    entity repeats an index); `strict`: every real entity's index strictly increases.
    `no_nulls`: event and static columns without an empty cell in the real events (never drawn
    empty for an entity that has events). `changes`: event columns modelled by their change
    from the value the previous event predicts, `intercepts[i] + slopes[i] * previous`, in
    logarithms where `logs[i]` (see the module docstring; empty `slopes` in a model file of an
    earlier version: plain changes). `bounds`: the rules that bound the index, kept on the
    sampled indexes (`sequence_bounds.py`). `anchored`: event columns whose first value is a
    step column (empty in a model file of an earlier version, whose steps have none).
    """

    key: str
    index: str
    context: tuple[str, ...]
    static: tuple[str, ...]
    events: tuple[str, ...]
    columns: tuple[str, ...]
    context_columns: tuple[str, ...]
    unit: float
    integer_gaps: bool
    min_gap: float
    strict: bool
    no_nulls: tuple[str, ...]
    key_pattern: str
    key_dtype: str
    index_column: dict[str, Any]
    index_state: dict[str, Any] | None = None  # a datetime index's fitted transform
    changes: tuple[str, ...] = ()
    slopes: tuple[float, ...] = ()
    intercepts: tuple[float, ...] = ()
    logs: tuple[bool, ...] = ()
    bounds: tuple[dict[str, Any], ...] = ()  # rules bounding the index (`sequence_bounds.py`)
    anchored: tuple[str, ...] = ()

    def changed(self, name: str, values: np.ndarray, before: np.ndarray) -> np.ndarray:
        """Change-modelled column `name`'s change cells: `values` less the value that the
        previous values `before` predict (NaN where either is)."""
        slope, intercept, log = self.step_line(name)
        scale = log_values if log else np.asarray
        return scale(values) - (intercept + slope * scale(before))

    def moved(self, name: str, changes: np.ndarray, before: np.ndarray) -> np.ndarray:
        """The values of change-modelled column `name` after `before` by `changes`."""
        slope, intercept, log = self.step_line(name)
        scale = log_values(before) if log else np.asarray(before, dtype=np.float64)
        values = intercept + slope * scale + np.asarray(changes, dtype=np.float64)
        return np.exp(values) if log else values

    def step_line(self, name: str) -> tuple[float, float, bool]:
        """(slope, intercept, in logarithms) of change-modelled column `name`'s prediction."""
        if not self.slopes:
            return 1.0, 0.0, False
        i = self.changes.index(name)
        return self.slopes[i], self.intercepts[i], self.logs[i]

    @property
    def entity_columns(self) -> list[str]:
        """Step-table columns drawn once per entity, in sampling order."""
        return [*self.context, LENGTH, *self.static, START]

    @property
    def never_empty(self) -> frozenset[str]:
        """Columns never empty for an entity with events: its number of events, its first
        index, and the static and event columns without an empty cell in the real events."""
        return frozenset({LENGTH, START, *self.no_nulls})

    @property
    def step_columns(self) -> list[str]:
        """Step-table columns drawn for every event."""
        return [GAP, *self.events]

    @property
    def lagged(self) -> list[str]:
        """Columns whose previous value is a step-table column (the index first)."""
        return [self.index, *self.events]

    def later_targets(self) -> frozenset[str]:
        """The step columns drawn at an entity's later steps (the gap and the event's
        columns); the others are known there."""
        return frozenset(
            [
                GAP,
                *(n for c in self.events for n in ((c, change(c)) if c in self.changes else (c,))),
            ]
        )

    def table_order(self) -> list[str]:
        return [
            POSITION,
            *self.context,
            LENGTH,
            *self.static,
            START,
            *(prev(c) for c in self.lagged),
            *(first(c) for c in self.anchored),
            GAP,
            *(n for c in self.events for n in ((c, change(c)) if c in self.changes else (c,))),
        ]

    # the index -----------------------------------------------------------------------------
    def _datetime(self) -> DatetimeTransform | None:
        if self.index_state is None:
            return None
        meta = Column(**self.index_column)
        return DatetimeTransform(self.index, meta, "bins", "codes", 2).set_state(self.index_state)  # type: ignore[return-value]

    def index_units(self, series: pd.Series) -> np.ndarray:
        """The index as floats in units (NaN for nulls)."""
        codec = self._datetime()
        values = (
            codec.to_float(series)
            if codec is not None
            else pd.to_numeric(series, errors="coerce").to_numpy(np.float64, na_value=np.nan)
        )
        return np.asarray(values, dtype=np.float64) / self.unit

    def index_values(self, units: np.ndarray) -> pd.Series:
        """Units back to the index's own values and dtype."""
        values = np.asarray(units, dtype=np.float64) * self.unit
        nulls = np.isnan(values)
        codec = self._datetime()
        if codec is not None:
            return codec.from_float(np.nan_to_num(values), nulls).rename(self.index)
        meta = Column(**self.index_column)
        if meta.integer:
            values = np.round(values)
        elif meta.decimals is not None:
            values = np.round(values, meta.decimals)
        out = pd.Series(values, name=self.index)
        dtype = meta.dtype
        if dtype.lower().startswith(("int", "uint")) and not nulls.any():
            return out.astype(dtype.lower())
        return out if not dtype.startswith("float") else out.astype(dtype)

    # keys ----------------------------------------------------------------------------------
    def keys(self, start: int, count: int, seed: int) -> pd.Series:
        """Keys of entities `start` .. `start + count - 1` of a sample: unique, drawn from the
        key pattern's space by a permutation seeded with `seed`, never read off real keys."""
        ids = generate_ids(self.key_pattern, start, count, seed)
        if self.key_dtype.lower().startswith(("int", "uint")):
            return pd.Series(ids.astype(np.int64), name=self.key).astype(self.key_dtype.lower())
        return pd.Series(ids, name=self.key, dtype=self.key_dtype)

    # state ---------------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        state = asdict(self)
        for name in _TUPLES:
            state[name] = list(state[name])
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SequenceLayout:
        values: dict[str, Any] = {k: tuple(v) if k in _TUPLES else v for k, v in state.items()}
        return cls(**values)

    def describe(self) -> dict[str, Any]:
        return {
            "key": f"{self.key} (regenerated: pattern {self.key_pattern})",
            "index": f"{self.index} (start + gaps of at least {self.min_gap:g} "
            f"{'unit' if self.min_gap == 1 else 'units'}; 1 unit = {self.unit:g})",
            "strictly_increasing": self.strict,
            "context": list(self.context),
            "static": list(self.static),
            "events": list(self.events),
            "changes": list(self.changes),
            **({"bounds": [b["text"] for b in self.bounds]} if self.bounds else {}),
        }


def sorted_events(events: pd.DataFrame, key: str, index: str, units: np.ndarray) -> np.ndarray:
    """The row order that sorts `events` by key (first appearance) then index (stable)."""
    codes, _ = pd.factorize(events[key], sort=False)
    return np.lexsort((units, codes))
