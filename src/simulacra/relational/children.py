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

Each row then looks like a real row of its parent (what the joined C2ST measures); what the
rows of one parent share beyond their parent's columns, position and count (a player's
team from one season to the next) is not learned: that is what sequences are for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metadata import Column
from .schema import Relation

POSITION = "__position"  # a child row's place among its parent's children (0 first)
COUNT_PREFIX = "__children."


def count_name(child: str) -> str:
    """The hidden parent column holding each parent row's number of rows in `child`."""
    return f"{COUNT_PREFIX}{child}"


def count_column() -> Column:
    return Column("numerical", dtype="int64", integer=True, min=0.0)


def position_column() -> Column:
    return Column("numerical", dtype="int64", integer=True, min=0.0)


def with_counts(parent: pd.DataFrame, relation: Relation, child: pd.DataFrame) -> pd.DataFrame:
    """`parent` with the count of its rows in `relation`'s child as `count_name(child)`."""
    counts = child[relation.child_key].value_counts()
    out = parent.copy()
    per_row = counts.reindex(parent[relation.parent_key].tolist(), fill_value=0).to_numpy()
    out[count_name(relation.child)] = per_row.astype(np.int64)
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
    """Drawn child rows in their parents' order, by `order_by` within a parent when there is
    one (else by position)."""
    within = order_by if order_by is not None else POSITION
    parent_rank = pd.Series(pd.factorize(rows[key])[0], index=rows.index)
    rows = rows.assign(__parent_rank=parent_rank)
    rows = rows.sort_values(["__parent_rank", within], kind="stable", na_position="last")
    return rows.drop(columns="__parent_rank").reset_index(drop=True)
