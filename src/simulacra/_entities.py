"""Entity keys: a column whose values repeat over a few rows each (the case id shared by the
occupants of one crash, the customer of several orders) names an entity, not a category.

Modelled as a category it would have thousands of levels, bury every other column's pair
trends and send real keys back; simulacra instead makes new keys (`metadata.Column.entity`)
and gives them the real spread of rows per key (`group_sizes`, `assign_groups`). A column is
taken for a key only when its name says so (a word such as id or key, or a name ending in
"ID"), it has no empty cells, it holds whole numbers or text, at least `MIN_ENTITIES` values
repeat over at most `MAX_ROWS_PER_KEY` rows each on average, and at least `MIN_REPEAT` of the
rows share their value with another row (a near-unique column is an id, not a key).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

MIN_ENTITIES = 50
MAX_ROWS_PER_KEY = 20.0
MIN_REPEAT = 0.2
# rows per key counted up to this many (a larger group counts here): the histogram's size
MAX_GROUP = 64
KEY_WORDS = {"id", "key", "uuid", "guid", "identifier"}


def named_like_key(name: str) -> bool:
    """Whether a column's name says it holds identifiers ("case_id", "CaseId", "CASEID")."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    words = [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]
    return bool(set(words) & KEY_WORDS) or bool(re.search(r"[a-zA-Z]ID$", name))


def is_entity_key(name: str, series: pd.Series) -> bool:
    """Whether `series` (a whole column) is an entity key (see the module docstring)."""
    if not named_like_key(name) or series.isna().any() or series.is_unique:
        return False
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(np.float64)
        if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
            return False
    elif not (
        pd.api.types.is_integer_dtype(series.dtype)
        or pd.api.types.is_string_dtype(series.dtype)
        or series.dtype == object
    ):
        return False
    counts = series.value_counts(sort=False).to_numpy()
    if len(counts) < MIN_ENTITIES or len(series) / len(counts) > MAX_ROWS_PER_KEY:
        return False
    return bool(counts[counts > 1].sum() >= MIN_REPEAT * len(series))


def group_sizes(series: pd.Series) -> np.ndarray:
    """How many keys hold 1, 2, ..., `MAX_GROUP` rows (the last: that many or more)."""
    counts = series.value_counts(sort=False, dropna=True).to_numpy()
    sizes = np.minimum(counts, MAX_GROUP)
    return np.bincount(sizes, minlength=MAX_GROUP + 1)[1:].astype(np.float64)


def assign_groups(sizes: np.ndarray, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Group numbers (0, 0, 1, 2, 2, 2, ...) for `rows` consecutive rows: each group's size
    drawn from `sizes` (keys per size, as `group_sizes` gives), the last cut at `rows`."""
    total = float(sizes.sum())
    if rows <= 0:
        return np.zeros(0, dtype=np.int64)
    if total <= 0:
        return np.arange(rows, dtype=np.int64)
    probability = sizes / total
    mean = float(np.arange(1, len(sizes) + 1) @ probability)
    drawn = np.zeros(0, dtype=np.int64)
    while drawn.sum() < rows:
        more = rng.choice(len(sizes), int(rows / mean * 1.2) + 8, p=probability) + 1
        drawn = np.concatenate([drawn, more])
    ends = np.cumsum(drawn)
    used = int(np.searchsorted(ends, rows)) + 1
    return np.repeat(np.arange(used, dtype=np.int64), drawn[:used])[:rows]
