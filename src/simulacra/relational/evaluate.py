"""Measure a synthetic dataset of related tables against the real one, with one evaluator.

`evaluate_dataset(real, synthetic, schema, holdout)` scores, each beside its reference (the
holdout dataset, unseen by the model, scored as if it were synthetic; without one, a share
of the real rows, as `evaluate` does):

- `tables`: each table's own columns (keys left out): column shapes, pair trends, the
  detection test (C2ST AUC) and its floor, the share of rows closer to a real row than the
  holdout's 5th percentile distance, exact copies;
- `relations`, per foreign key: referential integrity (the share of filled foreign keys
  naming an existing parent row), empty foreign keys, children per parent (KS distance of
  the counts, zero included, and their means), and two detection tests across the link:
  child rows joined with their parent's columns (`joined`: one child row per parent, drawn
  at random, as a parent's columns repeated over its children would let the classifier
  recognise the parent itself across its folds: on pbc's patients -> visits a model's
  joined C2ST was 0.999 over all child rows and its patients' own 0.736), and parent rows
  with aggregates of their children (`parents`: count, the mean of each numerical column,
  the most frequent category);
- `keys`: primary keys unique and never empty, per table.

Columns the schema's metadata declares PII are left out of every score (`left_out`): a model
replaces them by generated values on purpose, and a detection test would measure the fake
names, not the model (on baseball's players, names made the C2ST 0.899 against 0.622
without them). Keys are left out too: they are new by construction.

Every score is computed by `simulacra.evaluate` on the tables as built here, so a table's
C2ST and its joined C2ST mean what they mean for a single table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..evaluation import evaluate
from .keys import children_per_parent
from .schema import DatasetSchema, Relation

AGGREGATE_LIMIT = 8  # child columns aggregated per parent (numbers first)


def evaluate_dataset(
    real: Mapping[str, pd.DataFrame],
    synthetic: Mapping[str, pd.DataFrame],
    schema: DatasetSchema,
    holdout: Mapping[str, pd.DataFrame] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """The scores of `synthetic` against `real` (see the module docstring), as plain JSON."""
    for label, data in (("real", real), ("synthetic", synthetic), ("holdout", holdout or {})):
        missing = [t for t in schema.tables if data and t not in data]
        if missing:
            raise DataError(f"the {label} dataset has no table '{missing[0]}'")
    tables = {}
    for name in schema.order():
        own = _own(schema, name, real[name])
        if own:
            tables[name] = _scores(
                real[name][own],
                synthetic[name][own],
                None if holdout is None else holdout[name][own],
                seed,
            )
    relations = [
        _relation_scores(r, real, synthetic, holdout, schema, seed) for r in schema.relations
    ]
    keys = {
        name: _key_scores(synthetic[name], table.primary_key)
        for name, table in schema.tables.items()
        if table.primary_key is not None
    }
    pii = {name: _pii(schema, name) for name in schema.order()}
    left_out = {name: columns for name, columns in pii.items() if columns}
    return {"tables": tables, "relations": relations, "keys": keys, "left_out": left_out}


def _scores(
    real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, seed: int
) -> dict[str, Any]:
    report = evaluate(real, synthetic, holdout=holdout, seed=seed, verbose=False)
    fidelity, privacy = report.fidelity, report.privacy
    return {
        "rows": [len(real), len(synthetic)],
        "column_shapes": fidelity.column_shapes,
        "column_pair_trends": fidelity.column_pair_trends,
        "detection_auc": fidelity.detection_auc,
        "detection_auc_floor": report.reference.detection_auc,
        "reference": report.reference.source,
        "share_closer_than_holdout_p5": privacy.share_closer_than_holdout_p5,
        "exact_copy_share": privacy.exact_copy_share,
        "holdout_exact_copy_share": privacy.holdout_exact_copy_share,
    }


def _relation_scores(
    relation: Relation,
    real: Mapping[str, pd.DataFrame],
    synthetic: Mapping[str, pd.DataFrame],
    holdout: Mapping[str, pd.DataFrame] | None,
    schema: DatasetSchema,
    seed: int,
) -> dict[str, Any]:
    child, parent = synthetic[relation.child], synthetic[relation.parent]
    filled = child[relation.child_key].dropna()
    integrity = (
        float(filled.isin(set(parent[relation.parent_key].tolist())).mean()) if len(filled) else 1.0
    )
    real_counts = children_per_parent(real[relation.child], real[relation.parent], relation)
    synthetic_counts = children_per_parent(child, parent, relation)
    out: dict[str, Any] = {
        "relation": str(relation),
        "referential_integrity": integrity,
        "empty_share": [
            float(real[relation.child][relation.child_key].isna().mean()),
            float(child[relation.child_key].isna().mean()),
        ],
        "children_per_parent_ks": ks_distance(real_counts, synthetic_counts),
        "children_per_parent_mean": [float(real_counts.mean()), float(synthetic_counts.mean())],
    }
    sides = {"real": real, "synthetic": synthetic, **({"holdout": holdout} if holdout else {})}
    joined = {k: joined_rows(v, relation, schema, seed) for k, v in sides.items()}
    if joined["real"].shape[1]:
        out["joined"] = _scores(joined["real"], joined["synthetic"], joined.get("holdout"), seed)
    parents = {k: parents_with_children(v, relation, schema) for k, v in sides.items()}
    out["parents"] = _scores(parents["real"], parents["synthetic"], parents.get("holdout"), seed)
    return out


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """sup |F_a - F_b| of two samples. Range [0, 1]; 0 = the same distribution."""
    from scipy import stats

    return float(stats.ks_2samp(a, b).statistic) if len(a) and len(b) else float("nan")


def joined_rows(
    data: Mapping[str, pd.DataFrame],
    relation: Relation,
    schema: DatasetSchema,
    seed: int | None = None,
) -> pd.DataFrame:
    """Each child row's own columns beside its parent's (prefixed `parent.`), keys left out;
    child rows without a parent are left out. With a `seed`, one child row per parent,
    drawn at random (seeded)."""
    child, parent = data[relation.child], data[relation.parent]
    own_child = _own(schema, relation.child, child)
    own_parent = _own(schema, relation.parent, parent)
    lookup = parent.set_index(relation.parent_key)[own_parent]
    lookup.columns = [f"{relation.parent}.{c}" for c in own_parent]
    rows = child[child[relation.child_key].notna()]
    if seed is not None:
        rows = rows.groupby(relation.child_key, sort=False).sample(n=1, random_state=seed)
    found = lookup.reindex(rows[relation.child_key].to_numpy()).reset_index(drop=True)
    return pd.concat([rows[own_child].reset_index(drop=True), found], axis=1)


def parents_with_children(
    data: Mapping[str, pd.DataFrame], relation: Relation, schema: DatasetSchema
) -> pd.DataFrame:
    """Each parent row's own columns with aggregates of its children: their count, the mean
    of each numerical column and the most frequent value of each other column (the first
    `AGGREGATE_LIMIT` child columns, numbers first)."""
    child, parent = data[relation.child], data[relation.parent]
    own_child = _own(schema, relation.child, child)
    numbers = [c for c in own_child if pd.api.types.is_numeric_dtype(child[c].dtype)]
    numbers = [c for c in numbers if not pd.api.types.is_bool_dtype(child[c].dtype)]
    others = [c for c in own_child if c not in numbers]
    chosen = [*numbers, *others][:AGGREGATE_LIMIT]
    grouped = child.groupby(relation.child_key, sort=False)
    parts = {"children": grouped.size()}
    for column in chosen:
        if column in numbers:
            parts[f"mean {column}"] = grouped[column].mean()
        else:
            parts[f"mode {column}"] = grouped[column].agg(_mode)
    aggregates = pd.DataFrame(parts).reindex(parent[relation.parent_key].to_numpy())
    aggregates["children"] = aggregates["children"].fillna(0).astype(np.int64)
    aggregates = aggregates.reset_index(drop=True)
    own_parent = parent[_own(schema, relation.parent, parent)].reset_index(drop=True)
    return pd.concat([own_parent, aggregates], axis=1)


def _mode(values: pd.Series) -> Any:
    counts = values.dropna().value_counts()
    return counts.index[0] if len(counts) else None


def _own(schema: DatasetSchema, table: str, frame: pd.DataFrame) -> list[str]:
    """A table's scored columns: all but its keys and its PII columns."""
    skipped = set(schema.key_columns(table)) | set(_pii(schema, table))
    return [str(c) for c in frame.columns if str(c) not in skipped]


def _pii(schema: DatasetSchema, table: str) -> list[str]:
    metadata = schema.tables[table].metadata
    if metadata is None:
        return []
    return [name for name, column in metadata.columns.items() if column.kind == "pii"]


def _key_scores(frame: pd.DataFrame, key: str) -> dict[str, Any]:
    values = frame[key]
    return {"unique": bool(values.is_unique), "empty": int(values.isna().sum())}
