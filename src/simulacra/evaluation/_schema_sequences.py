"""The report's `sequences` record (`schema.SequenceScores`): how faithful and private a
synthetic events table is as sequences, every measure beside the same measure of unseen real
entities (the reference: the holdout, or a held-out fifth of the real entities)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Entities:
    """Entities (and events) of each table; where the reference entities come from."""

    real: int
    synthetic: int
    reference: int
    events_real: int
    events_synthetic: int
    reference_source: str


@dataclass(frozen=True, kw_only=True)
class Lengths:
    """Events per entity: KS statistic against the real lengths (0 = same), means and the
    share of one-event entities."""

    ks: float
    reference_ks: float
    real_mean: float
    synthetic_mean: float
    real_single_share: float
    synthetic_single_share: float


@dataclass(frozen=True, kw_only=True)
class Gaps:
    """Index steps between consecutive events of an entity (in index units; days for dates)."""

    ks: float
    reference_ks: float
    real_median: float
    synthetic_median: float


@dataclass(frozen=True, kw_only=True)
class Order:
    """Shares of entities (two events or more) whose index strictly increases, or never
    decreases, in the file's order."""

    strictly_increasing: float
    non_decreasing: float
    real_strictly_increasing: float
    real_non_decreasing: float


@dataclass(frozen=True, kw_only=True)
class Static:
    """Columns constant within every real entity, and the share of synthetic entities within
    which each stays constant (`kept`: all of them at once)."""

    columns: dict[str, float]
    kept: float | None


@dataclass(frozen=True, kw_only=True)
class Lag:
    """A numerical column's within-entity lag-1 autocorrelation."""

    real: float
    synthetic: float
    reference: float
    difference: float


@dataclass(frozen=True, kw_only=True)
class Coherence:
    """How attributes change from one event to the next: per column 1 - TV of (previous,
    current) pairs (categories) or 1 - KS of the changes (numbers); 1 = identical."""

    columns: dict[str, float]
    reference: dict[str, float]
    mean: float | None
    reference_mean: float | None


@dataclass(frozen=True, kw_only=True)
class EntityDetection:
    """Classifier two-sample test on one row of sequence features per entity: ROC AUC of real
    against synthetic, and the floor, real against the reference entities (0.5 = chance)."""

    auc: float
    floor: float
    excess: float
    features: int
    entities: int


@dataclass(frozen=True, kw_only=True)
class Copies:
    """Share of synthetic (reference) entities whose whole sequence equals a real one's."""

    synthetic: float
    reference: float


@dataclass(frozen=True, kw_only=True)
class EntityDistances:
    """Distances from each entity's features to the closest real entity's (normalised space):
    medians and 5th percentiles, the share of synthetic entities closer than 95% of the
    reference entities are, and a membership attack on the distances the other way."""

    synthetic_median: float
    reference_median: float
    synthetic_p5: float
    reference_p5: float
    closer_than_reference_p5: float
    # ROC AUC of calling a real entity a training member when a synthetic entity lies close to
    # it (training entities against the holdout's); None when the reference entities were
    # held out of the real table (seen in training: no non-members)
    membership_auc: float | None = None


@dataclass(frozen=True, kw_only=True)
class SequenceScores:
    """The `sequences` section of a report (see the module docstring)."""

    key: str
    index: str
    entities: Entities
    lengths: Lengths
    gaps: Gaps
    order: Order
    static: Static
    autocorrelation: dict[str, Lag]
    coherence: Coherence
    detection: EntityDetection
    copies: Copies
    distances: EntityDistances
    notes: tuple[str, ...]
