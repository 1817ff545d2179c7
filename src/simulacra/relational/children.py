"""Child tables learned as rows given their parent (`DatasetSynthesizer(children="rows")`).

The other way of learning a child (`children="sequences"`, `dataset.py`) treats each parent's
children as one sequence, each row drawn given the ones before it. This one learns each child
row on its own, given its parent's columns, its place among its siblings and their number:

- the number of children of each parent row is a hidden integer column of the parent table
  (`count_name(child)`), learned with the parent's own columns by the parent's model, so
  counts follow the parent's values (a player of many seasons has many fielding rows) and
  are sampled with them;
- the child's model (the autoregressive network) learns rows of the child joined with their
  parent's columns (and the grandparent's), the position of the row among its siblings
  (`POSITION`: by the table's `order_by`, else file order) and the siblings' count;
- a sample repeats each sampled parent row by its sampled count, numbers the copies, and
  draws the child's own columns of every copy given the rest (`impute(nulls=True)`: empty
  cells drawn as often as the model says). Rows are then sorted within their parent by
  `order_by`, so an ordered child stays ordered.

A child column that often holds exactly its parent's value of the same name (a first
visit's laboratory values, copied from the patient's baseline) gets a hidden yes/no column
(`same_name(column)`) that says so, learned with the rest; where a drawn row says yes, the
parent's value is copied (`inherit`), since a drawn number would never equal it.

Each row then looks like a real row of its parent (what the joined C2ST measures); what the
rows of one parent share beyond their parent's columns, position and count (a player's
team from one season to the next) is not learned: that is what sequences are for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metadata import Column
from .keys import children_per_parent
from .schema import Relation

POSITION = "__position"  # a child row's place among its parent's children (0 first)
COUNT_PREFIX = "__children."
SAME_PREFIX = "__same."
SAME_SHARE = 0.01  # a column holding its parent's value in this share of rows gets a flag


def count_name(child: str) -> str:
    """The hidden parent column holding each parent row's number of rows in `child`."""
    return f"{COUNT_PREFIX}{child}"


def whole_number() -> Column:
    """The metadata of a hidden count or position: an integer, never negative."""
    return Column("numerical", dtype="int64", integer=True, min=0.0)


def with_counts(parent: pd.DataFrame, relation: Relation, child: pd.DataFrame) -> pd.DataFrame:
    """`parent` with the count of its rows in `relation`'s child as `count_name(child)`."""
    out = parent.copy()
    out[count_name(relation.child)] = children_per_parent(child, parent, relation)
    return out


def positions(child: pd.DataFrame, key: str, order_by: str | None) -> np.ndarray:
    """Each child row's place among the rows of its parent: by `order_by` (ties in file
    order), else by file order."""
    if order_by is None:
        return child.groupby(key, sort=False).cumcount().to_numpy(np.int64)
    ranked = child[[key, order_by]].reset_index(drop=True)
    ranked = ranked.sort_values(order_by, kind="stable", na_position="last")
    place = ranked.groupby(key, sort=False).cumcount()
    return place.sort_index().to_numpy(np.int64)


def joined(
    child: pd.DataFrame,
    relation: Relation,
    context: pd.DataFrame,
    own: list[str],
    order: str | None,
) -> pd.DataFrame:
    """The child's training rows: its parent's context columns (by `relation.child_key`), the
    row's position, then its `own` columns."""
    parents = context.set_index(relation.child_key)
    rows = parents.reindex(child[relation.child_key].to_numpy()).reset_index(drop=True)
    rows[POSITION] = positions(child, relation.child_key, order)
    for column in own:
        rows[column] = child[column].to_numpy()
    return rows


def skeleton(context: pd.DataFrame, count: str, own: list[str]) -> pd.DataFrame:
    """One row per child to draw: each parent context row repeated by its `count` column,
    numbered by POSITION, with the `own` columns empty (to be drawn)."""
    times = context[count].fillna(0).clip(lower=0).to_numpy(np.int64)
    rows = context.loc[context.index.repeat(times)].reset_index(drop=True)
    starts = np.repeat(np.cumsum(times) - times, times)
    rows[POSITION] = np.arange(len(rows), dtype=np.int64) - starts
    for column in own:
        rows[column] = np.nan
    return rows


def ordered(rows: pd.DataFrame, key: str, order_by: str | None) -> pd.DataFrame:
    """Drawn child rows (made by `skeleton`: in their parents' order, then by position)
    sorted by `order_by` within each parent when the table has one."""
    if order_by is None:
        return rows
    parent_rank = pd.Series(pd.factorize(rows[key])[0], index=rows.index)
    rows = rows.assign(__parent_rank=parent_rank)
    rows = rows.sort_values(["__parent_rank", order_by], kind="stable", na_position="last")
    return rows.drop(columns="__parent_rank").reset_index(drop=True)


def same_name(column: str) -> str:
    """The hidden child column saying whether `column` holds its parent's value."""
    return f"{SAME_PREFIX}{column}"


def with_same(
    rows: pd.DataFrame, parent: str, own: list[str]
) -> tuple[pd.DataFrame, dict[str, Column]]:
    """`rows` with a yes/no `same_name(c)` column for each own column `c` that holds exactly
    the parent's `c` in at least `SAME_SHARE` of rows, and those columns' metadata."""
    out, columns = rows.copy(), {}
    for column in own:
        above = f"{parent}.{column}"
        if above not in rows.columns:
            continue
        mine, theirs = rows[column].to_numpy(dtype=object), rows[above].to_numpy(dtype=object)
        equal = pd.notna(mine) & pd.notna(theirs) & (mine == theirs)
        if equal.mean() >= SAME_SHARE:
            out[same_name(column)] = np.where(equal, "yes", "no")
            columns[same_name(column)] = Column("categorical", dtype="object")
    return out, columns


def inherit(rows: pd.DataFrame, parent: str) -> pd.DataFrame:
    """Drawn rows with the parent's value copied where a `same_name` column says yes, those
    columns dropped; a column keeps its dtype where the copied values allow."""
    flags = [str(c) for c in rows.columns if str(c).startswith(SAME_PREFIX)]
    out = rows.drop(columns=flags)
    for flag in flags:
        column = flag[len(SAME_PREFIX) :]
        yes = (rows[flag] == "yes").to_numpy()
        if not yes.any():
            continue
        dtype = out[column].dtype
        values = out[column].astype(object)
        values[yes] = rows[f"{parent}.{column}"].to_numpy(dtype=object)[yes]
        if pd.api.types.is_integer_dtype(dtype):  # a parent's float copied into whole numbers
            values = pd.to_numeric(values, errors="coerce").round()
        try:
            out[column] = values.astype(dtype)
        except (TypeError, ValueError):
            out[column] = values
    return out
