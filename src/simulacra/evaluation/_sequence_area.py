"""The `sequences` area of a report: events tables compared as sequences of their entities.

`measure_sequences` groups each table's events by the sequence key, orders them by the index,
and scores lengths, gaps, order, static columns, lag-1 autocorrelation, coherence, an
entity-level detection test, copied sequences and entity-level distances (`sequences.py`),
each beside the same measure of unseen real entities: the holdout's, or, without one, a seeded
fifth of the real entities (`Limits.holdout_share`) held out from the rest, which are then the
real side. Context tables (one row per entity) add their columns to the entity features.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .. import seeding
from ..errors import DataError
from ..metadata import Metadata
from ._schema_sequences import (
    Coherence,
    Copies,
    Entities,
    EntityDetection,
    EntityDistances,
    Gaps,
    Lag,
    Lengths,
    Order,
    SequenceScores,
    Static,
)
from ._space import FeatureSpace
from .detection import detection_auc
from .limits import Limits
from .prepare import Tables, prepare, subsample
from .privacy import closest_distances, membership_auc
from .sequences import (
    change_similarity,
    copied_share,
    entity_features,
    index_order,
    ks_distance,
    lag1_autocorrelation,
    sequence_lengths,
    sort_events,
    static_columns,
    static_kept,
    transition_similarity,
    within_differences,
)

# purposes of the area's random streams: seeding.rng(seed, "evaluation", purpose)
SPLIT, FEATURES_REAL, FEATURES_SYNTHETIC, FEATURES_REFERENCE, MEMBERS = 40, 41, 42, 43, 44
DAY_NS = 86_400e9


@dataclass
class Side:
    """One table's events, prepared and sorted: entity codes (0..k-1, sorted), index values
    (days for datetimes) and the entities' keys."""

    frame: pd.DataFrame
    entity: np.ndarray
    index: np.ndarray
    keys: pd.Index


def check_sequence_options(
    key: str | None,
    index: str | None,
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None,
) -> None:
    """One DataError when the sequence key and index are not given together or are not
    columns of every table."""
    if key is None or index is None:
        raise DataError("give the sequence key and the sequence index together")
    for label, frame in (("real", real), ("synthetic", synthetic), ("holdout", holdout)):
        for role, name in (("sequence key", key), ("sequence index", index)):
            if frame is not None and name not in frame.columns:
                raise DataError(f"{role} '{name}' is not a column of the {label} table")


def without_key(metadata: Metadata | None, real: pd.DataFrame, key: str) -> Metadata:
    """The metadata of the rows' metrics: the sequence key as an id (left out, like every id:
    keys are regenerated, their values carry no distribution)."""
    columns = dict((metadata if metadata is not None else Metadata.infer(real)).columns)
    if key in columns:
        columns[key] = replace(columns[key], kind="id")
    return Metadata(columns)


def measure_sequences(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    key: str,
    index: str,
    holdout: pd.DataFrame | None = None,
    contexts: dict[str, pd.DataFrame] | None = None,
    metadata: Metadata | None = None,
    seed: int = 0,
    limits: Limits | None = None,
) -> SequenceScores:
    """The typed `sequences` record (see the module docstring). `contexts` maps "real",
    "synthetic" (and "holdout") to context tables joined by `key`."""
    limits = limits or Limits()
    check_sequence_options(key, index, real, synthetic, holdout)
    source = "the holdout's entities"
    given_holdout = holdout is not None
    if holdout is None:
        real, holdout = _split_entities(real, key, limits.holdout_share, seed)
        source = (
            f"a held-out {limits.holdout_share:.0%} of the real entities (seen in training: "
            "good for the fidelity floors, not a privacy reference)"
        )
    columns = [c for c in real.columns if c != key]
    meta = metadata if metadata is not None else Metadata.infer(real[columns])
    if index not in meta or meta[index].kind not in ("numerical", "datetime"):
        raise DataError(f"sequence index '{index}' must hold numbers, dates or datetimes")
    tables = prepare(
        real[columns], synthetic[columns], Metadata(dict(meta.columns)), holdout[columns]
    )
    if index not in tables.kinds:
        raise DataError(f"sequence index '{index}' cannot be compared")
    assert tables.holdout is not None
    scale = DAY_NS if tables.kinds[index] == "datetime" else 1.0
    sides = {
        "real": _side(tables.real, real[key], index, scale),
        "synthetic": _side(tables.synthetic, synthetic[key], index, scale),
        "reference": _side(tables.holdout, holdout[key], index, scale),
    }
    events = [c for c in tables.columns if c != index]
    static = static_columns(sides["real"].frame, sides["real"].entity, events)
    moving = [c for c in events if c not in static]
    numerical = [c for c in moving if c in tables.numerical]
    categorical = [c for c in moving if c in tables.categorical]
    notes = [f"reference: {source}"]
    features, feature_categories = _features(sides, tables, events, contexts, key)
    return SequenceScores(
        key=key,
        index=index,
        entities=Entities(
            real=len(sides["real"].keys),
            synthetic=len(sides["synthetic"].keys),
            reference=len(sides["reference"].keys),
            events_real=len(sides["real"].frame),
            events_synthetic=len(sides["synthetic"].frame),
            reference_source=source,
        ),
        lengths=_lengths(sides),
        gaps=_gaps(sides),
        order=_order(sides),
        static=_static(sides["synthetic"], static),
        autocorrelation={name: _lag(sides, name) for name in numerical},
        coherence=_coherence(sides, numerical, categorical),
        detection=_detection(features, feature_categories, seed, limits),
        copies=Copies(
            synthetic=copied_share(*_whole(sides["synthetic"]), *_whole(sides["real"])),
            reference=copied_share(*_whole(sides["reference"]), *_whole(sides["real"])),
        ),
        distances=_distances(features, feature_categories, seed, limits, given_holdout),
        notes=tuple(notes),
    )


def _split_entities(
    real: pd.DataFrame, key: str, share: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The real events split by entity: (the rest, a seeded `share` of the entities)."""
    codes, keys = pd.factorize(real[key], sort=False)
    if len(keys) < 10:
        raise DataError(f"the real table has {len(keys)} entities; evaluate needs at least 10")
    rng = seeding.rng(seed, "evaluation", SPLIT)
    held = np.zeros(len(keys), dtype=bool)
    held[rng.choice(len(keys), max(2, int(round(share * len(keys)))), replace=False)] = True
    mask = held[codes]
    return real[~mask].reset_index(drop=True), real[mask].reset_index(drop=True)


def _side(frame: pd.DataFrame, keys: pd.Series, index: str, scale: float) -> Side:
    codes, uniques = pd.factorize(keys.reset_index(drop=True), sort=False)
    values = frame[index].to_numpy(np.float64) / scale
    order = sort_events(frame, codes, values)
    return Side(frame.iloc[order].reset_index(drop=True), codes[order], values[order], uniques)


def _whole(side: Side) -> tuple[pd.DataFrame, np.ndarray]:
    return side.frame, side.entity


def _lengths(sides: dict[str, Side]) -> Lengths:
    real, synth, ref = (
        sequence_lengths(sides[k].entity) for k in ("real", "synthetic", "reference")
    )
    return Lengths(
        ks=ks_distance(real.astype(float), synth.astype(float)),
        reference_ks=ks_distance(real.astype(float), ref.astype(float)),
        real_mean=float(real.mean()),
        synthetic_mean=float(synth.mean()),
        real_single_share=float(np.mean(real == 1)),
        synthetic_single_share=float(np.mean(synth == 1)),
    )


def _gaps(sides: dict[str, Side]) -> Gaps:
    real, synth, ref = (
        within_differences(sides[k].index, sides[k].entity)
        for k in ("real", "synthetic", "reference")
    )
    return Gaps(
        ks=ks_distance(real, synth),
        reference_ks=ks_distance(real, ref),
        real_median=float(np.median(real)) if len(real) else float("nan"),
        synthetic_median=float(np.median(synth)) if len(synth) else float("nan"),
    )


def _order(sides: dict[str, Side]) -> Order:
    """Order in the file as given: each side's events are re-sorted by index here, so the
    shares read the synthetic index as written (stable sort keeps ties in file order)."""
    synth, real = (index_order(sides[k].index, sides[k].entity) for k in ("synthetic", "real"))
    return Order(
        strictly_increasing=synth["strictly_increasing"],
        non_decreasing=synth["non_decreasing"],
        real_strictly_increasing=real["strictly_increasing"],
        real_non_decreasing=real["non_decreasing"],
    )


def _static(synthetic: Side, static: list[str]) -> Static:
    if not static:
        return Static(columns={}, kept=None)
    kept = static_kept(synthetic.frame, synthetic.entity, static)
    everything = static_kept(
        synthetic.frame.assign(_all=synthetic.frame[static].astype(str).agg("|".join, axis=1)),
        synthetic.entity,
        ["_all"],
    )["_all"]
    return Static(columns=kept, kept=everything)


def _lag(sides: dict[str, Side], name: str) -> Lag:
    real, synth, ref = (
        lag1_autocorrelation(sides[k].frame[name].to_numpy(np.float64), sides[k].entity)
        for k in ("real", "synthetic", "reference")
    )
    return Lag(real=real, synthetic=synth, reference=ref, difference=abs(synth - real))


def _coherence(sides: dict[str, Side], numerical: list[str], categorical: list[str]) -> Coherence:
    real = sides["real"]

    def score(other: Side, name: str) -> float:
        if name in categorical:
            return transition_similarity(
                real.frame[name], real.entity, other.frame[name], other.entity
            )
        return change_similarity(
            real.frame[name].to_numpy(np.float64),
            real.entity,
            other.frame[name].to_numpy(np.float64),
            other.entity,
        )

    names = [*categorical, *numerical]
    synth = {name: score(sides["synthetic"], name) for name in names}
    ref = {name: score(sides["reference"], name) for name in names}
    return Coherence(columns=synth, reference=ref, mean=_mean(synth), reference_mean=_mean(ref))


def _mean(scores: dict[str, float]) -> float | None:
    values = [v for v in scores.values() if v == v]
    return float(np.mean(values)) if values else None


def _features(
    sides: dict[str, Side],
    tables: Tables,
    events: list[str],
    contexts: dict[str, pd.DataFrame] | None,
    key: str,
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Each side's entity features (with its context columns when every side has a context
    table) and the categorical feature names."""
    numerical = [c for c in events if c in tables.numerical]
    categorical = [c for c in events if c in tables.categorical]
    out = {
        label: entity_features(side.frame, side.entity, side.index, numerical, categorical)
        for label, side in sides.items()
    }
    names = [f"{c}.first" for c in categorical] + [f"{c}.mode" for c in categorical]
    labels = {"real": "real", "synthetic": "synthetic", "reference": "holdout"}
    if not contexts or not all(labels[k] in contexts for k in sides):
        return out, names
    given = {k: contexts[labels[k]].drop_duplicates(key) for k in sides}
    for label, frame in given.items():
        if key not in frame.columns:
            raise DataError(f"the {labels[label]} context table has no column '{key}'")
    columns = [c for c in given["real"].columns if c != key]
    prepared = prepare(
        given["real"][columns], given["synthetic"][columns], None, given["reference"][columns]
    )
    frames = {"real": prepared.real, "synthetic": prepared.synthetic, "reference": prepared.holdout}
    for label, side in sides.items():
        context = frames[label]
        assert context is not None
        context = context.set_axis(pd.Index(given[label][key].to_numpy()), axis=0)
        joined = context.reindex(side.keys).reset_index(drop=True)
        for name in prepared.columns:
            out[label][f"context.{name}"] = joined[name]
    return out, names + [f"context.{c}" for c in prepared.categorical]


def _detection(
    features: dict[str, pd.DataFrame], categorical: list[str], seed: int, limits: Limits
) -> EntityDetection:
    size = min(len(features["reference"]), limits.model_rows)
    real = subsample(features["real"], limits.model_rows, seed, FEATURES_REAL)
    synth = subsample(features["synthetic"], size, seed, FEATURES_SYNTHETIC)
    ref = subsample(features["reference"], size, seed, FEATURES_REFERENCE)
    auc = detection_auc(real, synth, categorical, seed=seed)
    floor = detection_auc(real, ref, categorical, seed=seed)
    return EntityDetection(
        auc=auc,
        floor=floor,
        excess=max(auc, 0.5) - max(floor, 0.5),
        features=real.shape[1],
        entities=len(real) + len(synth),
    )


def _distances(
    features: dict[str, pd.DataFrame],
    categorical: list[str],
    seed: int,
    limits: Limits,
    members: bool,
) -> EntityDistances:
    """Entity-level DCR and, when `members` (the reference is a holdout, unseen in training),
    the membership attack: training entities against the holdout's, scored by the distance
    to the closest synthetic entity."""
    space = FeatureSpace(columns=list(features["real"].columns), categorical=categorical)
    real = subsample(features["real"], limits.reference_rows, seed, FEATURES_REAL)
    space.fit(real)
    reference = space.transform(real)
    synth = space.transform(
        subsample(features["synthetic"], limits.query_rows, seed, FEATURES_SYNTHETIC)
    )
    ref = space.transform(
        subsample(features["reference"], limits.query_rows, seed, FEATURES_REFERENCE)
    )
    to_synth = closest_distances(synth, reference)[0]
    to_ref = closest_distances(ref, reference)[0]
    p5 = float(np.percentile(to_ref, 5))
    attack = None
    if members:
        queried = space.transform(subsample(real, limits.query_rows, seed, MEMBERS))
        attack = membership_auc(
            closest_distances(queried, synth)[0], closest_distances(ref, synth)[0]
        )
    return EntityDistances(
        synthetic_median=float(np.median(to_synth)),
        reference_median=float(np.median(to_ref)),
        synthetic_p5=float(np.percentile(to_synth, 5)),
        reference_p5=p5,
        closer_than_reference_p5=float(np.mean(to_synth < p5)),
        membership_auc=attack,
    )
