"""Whether a table holds sequences: a column whose values repeat over a few rows each (an
entity: a patient, a player) and another that orders each entity's rows (a date, a year).

`propose_sequence(table, metadata)` looks for such a pair; `simulacra inspect` prints it with
the options that learn the table as sequences. A key candidate is a column without empty cells
(an id, an integer or a category; no float measurements, no dates) whose values repeat
(`MIN_REPEAT` of the rows share their value with another row) over a few rows each (mean
`MIN_ROWS` to `MAX_ROWS` rows per value) and, unless its name says it is an id, whose rows of
one value sit together in the file (`MIN_TOGETHER` of the values in one run). An index
candidate is a numerical or datetime column, never empty and not a row counter (distinct
values rising with every row), that never decreases within `MIN_ORDERED` of the entities (in
file order) and changes within `MIN_CHANGING` of the entities with several rows. The best
pair has a key named like an id and an index named like a date or a time, then the most
ordered entities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .ids import IdPattern, infer_pattern
from .metadata import ID_ROOM, Metadata

MIN_REPEAT = 0.5
MIN_ROWS, MAX_ROWS = 1.5, 1_000.0
MIN_TOGETHER = 0.9
MIN_ORDERED = 0.95
KEY_SAMPLE = 5_000  # distinct keys read to infer a new key pattern
MIN_CHANGING = 0.5
SAMPLE_ROWS = 200_000  # rows read (the first ones: a file's order matters)
_KEY_WORDS = {"id", "key", "uuid", "guid", "identifier", "code", "no", "number"}
_TIME_WORDS = {"date", "day", "dt", "time", "timestamp", "year", "month", "week", "visit"}


@dataclass(frozen=True)
class SequenceProposal:
    """A proposed sequence key and index, with the evidence."""

    key: str
    index: str
    entities: int
    rows_per_entity: float
    ordered_share: float

    def sentence(self) -> str:
        return (
            f"'{self.key}' repeats over {self.rows_per_entity:.1f} rows per value on average "
            f"({self.entities:,} values) and '{self.index}' orders each value's rows "
            f"({self.ordered_share:.0%} never decrease): a table of sequences; learn it with "
            f"--sequence-key {self.key} --sequence-index {self.index}"
        )


def propose_sequence(
    table: pd.DataFrame, metadata: Metadata | None = None
) -> SequenceProposal | None:
    """The most likely (sequence key, sequence index) of `table`, or None (see the module
    docstring)."""
    rows = table.head(SAMPLE_ROWS)
    if len(rows) < 4 or rows.shape[1] < 2:
        return None
    metadata = metadata if metadata is not None else Metadata.infer(rows)
    keys = [name for name in metadata.names if _key_like(rows[name], metadata, name)]
    times = [
        name
        for name in metadata.names
        if metadata[name].kind in ("numerical", "datetime") and not _counter(rows[name])
    ]
    best: tuple[tuple[bool, bool, float], SequenceProposal] | None = None
    for key in keys:
        codes, uniques = pd.factorize(rows[key], sort=False)
        for index in times:
            if index == key or rows[index].isna().any():
                continue
            ordered = _ordered_share(rows[index], codes, metadata[index].kind)
            if ordered is None:
                continue
            proposal = SequenceProposal(key, index, len(uniques), len(rows) / len(uniques), ordered)
            rank = (_named(key, _KEY_WORDS), _named(index, _TIME_WORDS), ordered)
            if best is None or rank > best[0]:
                best = (rank, proposal)
    return None if best is None else best[1]


def propose_index(table: pd.DataFrame, key: str, metadata: Metadata) -> str | None:
    """The column that best orders the rows of each value of `key` (a child table's foreign
    key), by the rules of an index candidate above, or None."""
    rows = table.head(SAMPLE_ROWS)
    codes, _ = pd.factorize(rows[key], sort=False)
    best: tuple[tuple[bool, float], str] | None = None
    for name in metadata.names:
        if metadata[name].kind not in ("numerical", "datetime") or name == key:
            continue
        if rows[name].isna().any() or _counter(rows[name]):
            continue
        ordered = _ordered_share(rows[name], codes, metadata[name].kind)
        if ordered is not None and (best is None or (_named(name, _TIME_WORDS), ordered) > best[0]):
            best = ((_named(name, _TIME_WORDS), ordered), name)
    return None if best is None else best[1]


def _key_like(series: pd.Series, metadata: Metadata, name: str) -> bool:
    kind = metadata[name].kind
    if series.isna().any() or kind in ("datetime", "constant", "text", "pii"):
        return False
    if kind == "numerical" and not metadata[name].integer:
        return False
    counts = series.value_counts(sort=False)
    mean = len(series) / max(len(counts), 1)
    if not MIN_ROWS <= mean <= MAX_ROWS or (counts > 1).sum() < 2:
        return False
    if counts[counts > 1].sum() < MIN_REPEAT * len(series):
        return False
    runs = int((series != series.shift()).sum())
    return _named(name, _KEY_WORDS) or len(counts) >= MIN_TOGETHER * runs


def _counter(series: pd.Series) -> bool:
    """A row number: distinct values that rise with every row."""
    return bool(series.is_unique and series.is_monotonic_increasing)


def _ordered_share(values: pd.Series, codes: np.ndarray, kind: str) -> float | None:
    """The share of multi-row entities whose `values` never decrease in file order, or None
    when it is below `MIN_ORDERED` or the values rarely change within an entity."""
    if kind == "datetime" and not pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = pd.to_datetime(values, errors="coerce", format="mixed")
    if values.isna().any():
        return None
    frame = pd.DataFrame({"entity": codes, "value": values.to_numpy()})
    grouped = frame.groupby("entity", sort=False)["value"]
    sizes = grouped.size()
    several = sizes[sizes > 1].index
    if not len(several):
        return None
    steps = grouped.diff()
    if kind == "datetime":
        steps = steps.dt.total_seconds()
    steps = steps.astype("float64")
    entity = frame["entity"]
    down = (steps < 0).groupby(entity).any().loc[several]
    moving = (steps > 0).groupby(entity).any().loc[several]
    ordered = 1.0 - float(down.mean())
    if ordered < MIN_ORDERED or float(moving.mean()) < MIN_CHANGING:
        return None
    return ordered


def _named(name: str, words: set[str]) -> bool:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return bool(set(re.split(r"[^a-z0-9]+", spaced.lower())) & words)


def new_key_pattern(keys: pd.Series, entities: int) -> str:
    """A pattern for new keys that no real key can match, so a sampled key is never a real
    one: integers get one digit more than the largest real key (a leading 1); text keys the
    real keys' shape with its last placeholder two characters wider (every real key has the
    narrower width), or 'S' and more digits than the longest real key has characters. Each
    has room for at least `ID_ROOM` times more keys than entities."""
    room = max(entities, 1_000) * ID_ROOM
    digits = len(str(room))
    if pd.api.types.is_integer_dtype(keys.dtype):
        widest = len(str(int(np.abs(keys.to_numpy(np.int64)).max())))
        return f"1{{{max(digits, widest)} digits}}"
    text = keys.drop_duplicates().astype(str)
    pattern = infer_pattern(text.head(KEY_SAMPLE).tolist())
    if pattern is not None and "{int}" not in pattern and "{uuid}" not in pattern:
        parsed = IdPattern.parse(pattern)
        places = [(i, p) for i, p in enumerate(parsed.pieces) if isinstance(p, tuple)]
        pieces = [p if isinstance(p, str) else f"{{{p[1]} {p[0]}}}" for p in parsed.pieces]
        last, (kind, width) = places[-1]
        pieces[last] = f"{{{width + 2} {kind}}}"
        wider = "".join(pieces)
        space = IdPattern.parse(wider).space
        if space is None or space >= room:
            return wider
    if pattern == "{uuid}":
        return pattern
    longest = int(text.str.len().max()) if len(text) else 0
    return f"S{{{max(digits, longest)} digits}}"
