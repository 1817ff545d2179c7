"""The measured areas of the typed report: fidelity, utility, diversity, privacy and bias.

Each class is the JSON object of its area without the verdict (`schema.AreaVerdict`, written
first in the JSON); fields are declared in the order their keys are written. Formulas and
ranges are in the metric functions' docstrings (`metrics.METRICS` says which fills which key).
A float that may be NaN is `float`: the JSON writes null and reads it back as NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._codec import flat, optional

# --- shared -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Overlap:
    """How much of the holdout is training rows (`privacy.holdout_overlap`)."""

    copy_share: float
    chance_share: float
    overlap: float
    contaminated: bool


# --- fidelity ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Moments:
    """Synthetic - real differences of the first four moments (`fidelity.moment_differences`)."""

    mean: float
    std: float
    skewness: float
    kurtosis: float


@dataclass(frozen=True, kw_only=True)
class ChiSquare:
    """Goodness of fit of the synthetic category counts (`fidelity.chi_square_test`)."""

    statistic: float
    p_value: float


@dataclass(frozen=True, kw_only=True)
class ColumnFidelity:
    """Every score of one column; `shape` is its KS (numbers) or TV (categories) complement,
    `reference` the unseen real rows' shape. Numbers have `wasserstein` and `moments`,
    categories `chi_square`."""

    kind: str
    metric: str
    shape: float
    js_distance: float
    wasserstein: float | None = optional()
    moments: Moments | None = optional()
    chi_square: ChiSquare | None = optional()
    null_share_difference: float
    reference: float | None


@dataclass(frozen=True, kw_only=True)
class Correlation:
    """A numerical pair's correlations in each table and their similarity (None: a constant
    column)."""

    real: float | None
    synthetic: float | None
    similarity: float | None


@dataclass(frozen=True, kw_only=True)
class PairFidelity:
    """Every score of one column pair (`pairs.pair_fidelity`), and the unseen real rows' score.
    Numerical pairs have `pearson` and `spearman` (in the JSON `pearson_real` ...)."""

    columns: tuple[str, str]
    kinds: tuple[str, str]
    contingency_similarity: float
    mutual_information_real: float
    mutual_information_synthetic: float
    mutual_information_difference: float
    pearson: Correlation | None = flat("pearson_")
    spearman: Correlation | None = flat("spearman_")
    metric: str
    score: float | None
    real_association: float | None
    sdmetrics_default: bool
    reference: float | None

    @property
    def name(self) -> str:
        """'a × b', as the reference's pairs are keyed."""
        return " × ".join(self.columns)


@dataclass(frozen=True, kw_only=True)
class PairTrendsMeans:
    """The mean pair score over every pair and over SDMetrics' default pairs
    (`pairs.pair_trends_means`)."""

    used: str
    all_pairs: float | None
    sdmetrics_default: float | None
    pairs: int
    pairs_in_sdmetrics_default: int
    thresholds: dict[str, float]


@dataclass(frozen=True, kw_only=True)
class Importance:
    """A column's permutation importance to the real-vs-synthetic classifier."""

    column: str
    importance: float


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A rule the real rows keep, with the shares of synthetic and unseen real rows breaking
    it (`rules.broken_rules`)."""

    kind: str
    rule: str
    columns: tuple[str, ...]
    synthetic_share: float
    reference_share: float
    excess: float


@dataclass(frozen=True, kw_only=True)
class DeclaredRule:
    """A rule the user declared, with the shares of real (training), synthetic and holdout
    rows breaking it (`declared.declared_rule_shares`)."""

    rule: str
    kind: str
    columns: tuple[str, ...]
    real_share: float
    synthetic_share: float
    holdout_share: float | None = optional()


@dataclass(frozen=True, kw_only=True)
class FidelityReference:
    """The unseen real rows' fidelity scores, beside the synthetic ones."""

    column_shapes: float | None
    column_pair_trends: float | None
    detection_auc: float
    holdout_overlap: Overlap | None = optional()


@dataclass(frozen=True, kw_only=True)
class Fidelity:
    """How closely the synthetic rows follow the real ones: columns, pairs, the detection test
    and the rules real rows keep. In the JSON the area also shows privacy's `far_share` and
    `distance_ratio` (far-away rows are unrealistic) and the verdict's caps."""

    column_shapes: float | None
    column_pair_trends: float | None
    pair_trends_convention: PairTrendsMeans
    detection_auc: float
    detection_score: float
    detection_rows: tuple[int, int]
    detection_importance: tuple[Importance, ...]
    rules: tuple[Rule, ...]
    rules_checked: int
    declared_rules: tuple[DeclaredRule, ...] | None = optional()
    columns: dict[str, ColumnFidelity]
    pairs: tuple[PairFidelity, ...]  # worst first
    reference: FidelityReference


# --- utility ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ModelScores:
    """One model's scores (metric name -> value) trained on real and on synthetic rows, and
    their ratios."""

    real: dict[str, float | None]
    synthetic: dict[str, float | None]
    ratio: dict[str, float | None]


@dataclass(frozen=True, kw_only=True)
class UtilityRows:
    train_real: int
    train_synthetic: int
    test: int


@dataclass(frozen=True, kw_only=True)
class Utility:
    """Train on synthetic, test on real, against train on real (`utility.utility_scores`)."""

    task: str
    target: str
    primary_metric: str
    models: dict[str, ModelScores]
    trivial: dict[str, float | None]
    ratio: float | None
    gain: float | None
    below_chance: tuple[str, ...]
    rows: UtilityRows


# --- diversity --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Coverage:
    """A column's coverage: of categories, or of the real range."""

    category_coverage: float | None = optional()
    range_coverage: float | None = optional()

    @property
    def value(self) -> float | None:
        return self.category_coverage if self.category_coverage is not None else self.range_coverage


@dataclass(frozen=True, kw_only=True)
class DiversityReference:
    knn_precision: float
    knn_recall: float
    holdout_overlap: Overlap | None = optional()


@dataclass(frozen=True, kw_only=True)
class Diversity:
    """Coverage of categories and ranges, and k-NN precision and recall."""

    category_coverage: float | None
    range_coverage: float | None
    knn_precision: float
    knn_recall: float
    knn_k: int
    knn_rows: tuple[int, int]
    columns: dict[str, Coverage]
    reference: DiversityReference


# --- privacy ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Distances:
    """Percentiles and mean of distances (`privacy.dcr_summary`)."""

    p1: float
    p5: float
    p25: float
    p50: float
    mean: float


@dataclass(frozen=True, kw_only=True)
class DcrShare:
    share: float
    low: float
    high: float
    reference_rows: int


@dataclass(frozen=True, kw_only=True)
class DcrRows:
    reference: int
    queries: int


@dataclass(frozen=True, kw_only=True)
class AttributeInference:
    """`privacy.attribute_inference` of one sensitive column."""

    sensitive: str
    metric: str
    training_rows: float
    holdout_rows: float | None
    baseline: float
    advantage: float
    leak: float | None


@dataclass(frozen=True, kw_only=True)
class Rate:
    """An attack's success rate with its Wilson interval, over `n` attempts."""

    rate: float | None
    low: float
    high: float
    n: int


@dataclass(frozen=True, kw_only=True)
class SinglingOut:
    predicates: int


@dataclass(frozen=True, kw_only=True)
class Linkability:
    halves: tuple[tuple[str, ...], tuple[str, ...]] | None
    neighbours: int | None = optional()


@dataclass(frozen=True, kw_only=True)
class Inference:
    secret: str
    tolerance: float | None


@dataclass(frozen=True, kw_only=True)
class Attack:
    """One anonymeter-style attack (`attacks.py`): main, control and baseline rates and the
    risk; its kind's own details (`singling_out`, `linkability` or `inference`) follow in the
    same JSON object."""

    attack: str
    detail: str
    main: Rate
    control: Rate
    baseline: Rate
    risk: float | None
    risk_estimate: float | None
    risk_low: float
    risk_high: float
    singling_out: SinglingOut | None = flat()
    linkability: Linkability | None = flat()
    inference: Inference | None = flat()


@dataclass(frozen=True, kw_only=True)
class Privacy:
    """Copies, distances to closest records, membership and attribute inference, attacks.
    The holdout's distances and overlap are there only when a holdout was given."""

    exact_copy_share: float
    holdout_exact_copy_share: float | None
    membership_auc: float | None
    dcr_synthetic_p5: float
    dcr_holdout_p5: float | None
    share_closer_than_holdout_p5: float | None
    dcr_share: DcrShare | None
    far_share: float | None
    distance_ratio: float | None
    dcr_synthetic: Distances
    nndr_synthetic: Distances
    dcr_holdout: Distances | None = optional()
    nndr_holdout: Distances | None = optional()
    dcr_rows: DcrRows
    attribute_inference: tuple[AttributeInference, ...]
    attacks: tuple[Attack, ...]
    holdout_overlap: Overlap | None = optional()


# --- bias -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Balance:
    """Category shares in both tables and their largest difference (`bias.share_differences`)."""

    real: dict[str, float]
    synthetic: dict[str, float]
    max_difference: float


@dataclass(frozen=True, kw_only=True)
class TargetRates:
    """The target's rate per group in both tables and their parity gaps
    (`bias.target_gap_by_group`)."""

    positive: str | None
    rates_real: dict[str, float]
    rates_synthetic: dict[str, float]
    gap_real: float
    gap_synthetic: float
    gap_difference: float


@dataclass(frozen=True, kw_only=True)
class Group:
    balance: Balance
    target_rates: TargetRates | None = optional()


@dataclass(frozen=True, kw_only=True)
class Bias:
    """Class balance of the target and of each sensitive column's groups."""

    target_balance: Balance | None
    groups: dict[str, Group]
