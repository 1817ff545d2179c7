"""What a folder of tables says about itself: each table's primary key and the foreign keys
between tables, inferred from the values (and the names) when no metadata declares them.

A primary key is a column without empty cells whose values are all distinct, integers or
text (never float measurements or dates), preferring a name that says so (`id`,
`player_id` in `players`, `playerID`), else one that another table's column points at.
A foreign key is a column of another table whose values (empty cells aside) are all among
the primary key's and whose name or values say it is a key: the same name as the key, a
name holding the parent table's name and a key word, or text keys (integers alone are too
easily contained in 1..n). Each table's own columns keep the usual single-table inference.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._entities import named_like_key
from ..errors import DataError
from ..metadata import Metadata
from ..sequence_keys import propose_index
from .schema import DatasetSchema, Relation, TableSchema


def infer_schema(tables: Mapping[str, pd.DataFrame]) -> DatasetSchema:
    """The dataset schema of `tables` (name -> frame): keys, relations, column metadata."""
    if not tables:
        raise DataError("the dataset has no tables")
    keys = {name: _primary_key(name, frame, tables) for name, frame in tables.items()}
    relations = []
    for child, frame in tables.items():
        for column in map(str, frame.columns):
            if column == keys[child]:
                continue
            parent = _parent_of(child, column, frame[column], tables, keys)
            if parent is not None:
                relations.append(Relation(parent, str(keys[parent]), child, column))
    schema = DatasetSchema({name: TableSchema(keys[name]) for name in tables}, relations)
    for name, frame in tables.items():
        own = frame.drop(columns=schema.key_columns(name))
        metadata = Metadata.infer(own) if own.shape[1] else Metadata({})
        schema.tables[name].metadata = metadata
        first = next((r for r in schema.parents_of(name) if frame[r.child_key].notna().all()), None)
        if first is not None and own.shape[1]:
            with_key = own.assign(**{first.child_key: frame[first.child_key]})
            schema.tables[name].order_by = propose_index(with_key, first.child_key, metadata)
    return schema


def _primary_key(name: str, frame: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> str | None:
    candidates = [str(c) for c in frame.columns if _unique_key(frame[c])]
    if not candidates:
        return None
    named = sorted(
        (c for c in candidates if named_like_key(c)), key=lambda c: -_name_score(name, c)
    )
    if named:
        return named[0]
    for column in candidates:  # a key another table points at
        values = set(frame[column].tolist())
        for other, table in tables.items():
            if other != name and column in table.columns and _contained(table[column], values):
                return column
    return None


def _parent_of(
    child: str,
    column: str,
    series: pd.Series,
    tables: Mapping[str, pd.DataFrame],
    keys: Mapping[str, str | None],
) -> str | None:
    """The table whose primary key `child.column` points at (the best named one), or None."""
    if series.notna().sum() == 0 or not _key_like_dtype(series):
        return None
    found = []
    for parent, key in keys.items():
        if parent == child or key is None:
            continue
        values = tables[parent][key]
        if not _compatible(series, values):
            continue
        named = column == key or (named_like_key(column) and _mentions(column, parent))
        text = not pd.api.types.is_numeric_dtype(values.dtype)
        if (named or text) and _contained(series, set(values.tolist())):
            found.append((named, _name_score(parent, column), parent))
    return max(found)[2] if found else None


def _unique_key(series: pd.Series) -> bool:
    return (
        len(series) > 0
        and not series.isna().any()
        and _key_like_dtype(series)
        and bool(series.is_unique)
    )


def _key_like_dtype(series: pd.Series) -> bool:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        return False
    if pd.api.types.is_integer_dtype(dtype):
        return True
    if pd.api.types.is_string_dtype(dtype) or dtype is np.dtype(object):
        return bool(series.dropna().map(type).eq(str).all())
    return False


def _compatible(child: pd.Series, parent: pd.Series) -> bool:
    numeric = pd.api.types.is_integer_dtype
    return numeric(child.dtype) == numeric(parent.dtype)


def _contained(series: pd.Series, values: set[object]) -> bool:
    present = series.dropna()
    return len(present) > 0 and bool(np.all(present.isin(values)))


def _mentions(column: str, table: str) -> bool:
    """Whether a column's name holds the table's name (plural or singular)."""
    words = _words(column)
    stem = _words(table)
    singular = [
        re.sub(r"(ies|es|s)$", lambda m: "y" if m.group(1) == "ies" else "", w) for w in stem
    ]
    joined = "".join(words)
    return any(part and part in joined for part in ("".join(stem), "".join(singular)))


def _name_score(table: str, column: str) -> int:
    """How plainly a column's name says it is `table`'s key: `id` or `<table>_id` first."""
    words = _words(column)
    if words == ["id"]:
        return 3
    if _mentions(column, table):
        return 2
    return 1 if named_like_key(column) else 0


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]
