"""Metrics of sequences: tables with several ordered rows (events) per entity.

Every function takes events already sorted by entity then index (`sort_events`), with the
entity as integer codes and the compared columns prepared (`prepare.prepare`: numbers as
floats, categories as Categoricals). The area builder (`_sequence_area.py`) composes them,
each beside the same measure of unseen real entities (the holdout, or a fifth of the real
entities held out), into the report's `sequences` record.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

MAX_SIGNATURES = 200_000  # entities hashed to find copied sequences


def sort_events(events: pd.DataFrame, entity: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The row order that sorts events by entity, then index (stable: ties keep their order)."""
    return np.lexsort((index, entity))


def sequence_lengths(entity: np.ndarray) -> np.ndarray:
    """Events per entity (entities coded 0..k-1). Range: whole numbers >= 0."""
    return np.bincount(entity)


def within_differences(values: np.ndarray, entity: np.ndarray) -> np.ndarray:
    """x_t - x_(t-1) over consecutive events of the same entity (sorted events). Range: real
    numbers; empty when no entity has two events."""
    same = entity[1:] == entity[:-1]
    return np.asarray(values[1:] - values[:-1], dtype=np.float64)[same]


def ks_distance(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic sup |F_real - F_synthetic| over the non-null
    values. Range [0, 1]; 0 = same distribution. NaN when a side has no value."""
    real, synthetic = real[~np.isnan(real)], synthetic[~np.isnan(synthetic)]
    if not len(real) or not len(synthetic):
        return float("nan")
    return float(stats.ks_2samp(real, synthetic).statistic)


def index_order(index: np.ndarray, entity: np.ndarray) -> dict[str, float]:
    """Share of entities (with two events or more) whose index strictly increases, and whose
    index never decreases, in the events' given order. Range [0, 1] each; NaN without such
    entities."""
    lengths = np.bincount(entity)
    several = lengths > 1
    if not several.any():
        return {"strictly_increasing": float("nan"), "non_decreasing": float("nan")}
    steps = within_differences(index, entity)
    owner = entity[1:][entity[1:] == entity[:-1]]
    down = np.bincount(owner, weights=(steps < 0), minlength=len(lengths)) > 0
    flat = np.bincount(owner, weights=(steps <= 0), minlength=len(lengths)) > 0
    return {
        "strictly_increasing": float(np.mean(~flat[several])),
        "non_decreasing": float(np.mean(~down[several])),
    }


def static_columns(frame: pd.DataFrame, entity: np.ndarray, columns: Sequence[str]) -> list[str]:
    """The columns constant (an empty cell counting as a value) within every entity, when an
    entity has two events or more. Range: a subset of `columns`."""
    if not (np.bincount(entity) > 1).any():
        return []
    distinct = frame[list(columns)].groupby(entity).nunique(dropna=False)
    return [c for c in columns if int(distinct[c].max()) <= 1]


def static_kept(
    frame: pd.DataFrame, entity: np.ndarray, columns: Sequence[str]
) -> dict[str, float]:
    """Per column, the share of entities within which it is constant. Range [0, 1]; 1 for a
    column that is static in the real data means it was kept in every entity."""
    distinct = frame[list(columns)].groupby(entity).nunique(dropna=False)
    return {c: float((distinct[c] <= 1).mean()) for c in columns}


def lag1_autocorrelation(values: np.ndarray, entity: np.ndarray) -> float:
    """Pearson correlation of (x_(t-1), x_t) over consecutive events of the same entity (sorted
    events; pairs with a null dropped): how much an entity's next value follows its last.
    Range [-1, 1]; NaN with fewer than 3 pairs or a constant side."""
    same = entity[1:] == entity[:-1]
    before, after = values[:-1][same], values[1:][same]
    keep = ~(np.isnan(before) | np.isnan(after))
    before, after = before[keep], after[keep]
    if len(before) < 3 or np.std(before) == 0 or np.std(after) == 0:
        return float("nan")
    return float(np.corrcoef(before, after)[0, 1])


def transition_similarity(
    real: pd.Series, real_entity: np.ndarray, synthetic: pd.Series, synthetic_entity: np.ndarray
) -> float:
    """How alike a categorical column changes from one event to the next: 1 - total variation
    distance between the real and synthetic distributions of consecutive pairs (previous value,
    value) within entities (sorted events; nulls a value of their own). Range [0, 1]; 1 =
    identical transitions. NaN when a side has no pair."""

    def pairs(values: pd.Series, entity: np.ndarray) -> pd.Series:
        text = values.astype(object).where(values.notna(), "<null>").astype(str).to_numpy()
        same = entity[1:] == entity[:-1]
        joined = pd.Series(text[:-1][same]) + " -> " + pd.Series(text[1:][same])
        return joined.value_counts(normalize=True)

    a, b = pairs(real, real_entity), pairs(synthetic, synthetic_entity)
    if a.empty or b.empty:
        return float("nan")
    shares = pd.concat([a, b], axis=1).fillna(0.0).to_numpy()
    return float(1.0 - 0.5 * np.abs(shares[:, 0] - shares[:, 1]).sum())


def change_similarity(
    real: np.ndarray, real_entity: np.ndarray, synthetic: np.ndarray, synthetic_entity: np.ndarray
) -> float:
    """How alike a numerical column changes from one event to the next: 1 - KS statistic of
    the within-entity differences x_t - x_(t-1). Range [0, 1]; 1 = identical changes. NaN when
    a side has no difference."""
    distance = ks_distance(
        within_differences(real, real_entity), within_differences(synthetic, synthetic_entity)
    )
    return float("nan") if np.isnan(distance) else 1.0 - distance


def copied_share(
    synthetic: pd.DataFrame, s_entity: np.ndarray, real: pd.DataFrame, r_entity: np.ndarray
) -> float:
    """Share of synthetic entities whose whole sequence (every compared column, the index
    included, event by event) equals a real entity's. Range [0, 1]; 0 = no sequence copied."""
    real_set = set(_signatures(real, r_entity))
    mine = _signatures(synthetic, s_entity)
    return float(np.mean([s in real_set for s in mine])) if mine else float("nan")


def _signatures(frame: pd.DataFrame, entity: np.ndarray) -> list[int]:
    """One hash per entity (the first `MAX_SIGNATURES`) of its events' values in order."""
    rows = pd.util.hash_pandas_object(frame.astype(object), index=False).to_numpy()
    keep = entity < MAX_SIGNATURES
    rows, entity = rows[keep], entity[keep]
    position = np.arange(len(entity)) - np.searchsorted(entity, entity)
    mixed = rows ^ (position.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    joined: list[int] = [0] * (int(entity.max(initial=-1)) + 1)
    for owner, value in zip(entity.tolist(), mixed.tolist(), strict=True):
        joined[owner] = hash((joined[owner], value))
    return joined


def entity_features(
    frame: pd.DataFrame,
    entity: np.ndarray,
    index: np.ndarray,
    numerical: Sequence[str],
    categorical: Sequence[str],
) -> pd.DataFrame:
    """One row per entity summarising its sequence, for the entity-level detection test and
    distances: length, first index, span and mean gap; per numerical column its first, last,
    mean, standard deviation and mean absolute change; per categorical column its first value,
    its most frequent value, its number of distinct values and its share of changes. Range:
    numbers (NaN where undefined, such as the change of a one-event entity) and Categoricals."""
    count = int(entity.max(initial=-1)) + 1
    frame = frame.reset_index(drop=True)
    groups = pd.Series(entity)
    first = np.searchsorted(entity, np.arange(count))
    last = np.searchsorted(entity, np.arange(count), side="right") - 1
    lengths = np.bincount(entity, minlength=count).astype(np.float64)
    out: dict[str, pd.Series | np.ndarray] = {
        "length": lengths,
        "first_index": index[first],
        "span": index[last] - index[first],
    }
    out["mean_gap"] = np.where(lengths > 1, out["span"] / np.maximum(lengths - 1, 1), np.nan)
    for name in numerical:
        values = frame[name].to_numpy(np.float64)
        by = pd.Series(values).groupby(groups)
        out[f"{name}.first"], out[f"{name}.last"] = values[first], values[last]
        out[f"{name}.mean"], out[f"{name}.std"] = by.mean().to_numpy(), by.std().to_numpy()
        change = np.abs(np.diff(values, prepend=np.nan))
        change[first] = np.nan
        out[f"{name}.change"] = pd.Series(change).groupby(groups).mean().to_numpy()
    for name in categorical:
        values = frame[name]
        codes = values.cat.codes.to_numpy()
        out[f"{name}.first"] = values.iloc[first].reset_index(drop=True)
        mode = (
            pd.DataFrame({"e": entity, "c": codes})
            .groupby("e")["c"]
            .agg(lambda c: c.value_counts().index[0])
        )
        out[f"{name}.mode"] = pd.Categorical.from_codes(
            mode.to_numpy(), categories=values.cat.categories
        )
        out[f"{name}.distinct"] = pd.Series(codes).groupby(groups).nunique().to_numpy(np.float64)
        moved = np.diff(codes, prepend=codes[:1]) != 0
        moved[first] = False
        share = pd.Series(moved.astype(np.float64)).groupby(groups).sum().to_numpy()
        out[f"{name}.changes"] = np.where(lengths > 1, share / np.maximum(lengths - 1, 1), np.nan)
    return pd.DataFrame({k: pd.Series(v).reset_index(drop=True) for k, v in out.items()})
