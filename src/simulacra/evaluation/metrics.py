"""Every metric of the report, registered in one place.

`METRICS` maps each area to its metric functions: small pure typed functions whose docstring
gives the formula and the range, each with the key of the report's JSON it fills (a dotted
path; `*` stands for every column, pair, group or attack). The area builders (`areas.py`,
`reference.py`) call them on prepared tables and samples, `evaluate` composes the areas into the
typed report (`schema.py`), and the tests hold the registry to the report: every registered
metric appears in the JSON of a full report, every function here documents its range, and every
public function of the metric modules is registered or named in `HELPERS`
(tests/evaluation/test_schema.py).

Adding a metric: write it in its area's module, give the area's record (`_schema_areas.py`) a
field for it, fill that field in the area's builder, and register it here; a renderer that
shows it reads the typed field.

Column pairs: `pairs.pair_fidelity` scores every pair at once from shared contingency tables
and correlation matrices; the single-pair functions registered for its keys are the
definitions it agrees with (tests/evaluation/test_pairs.py checks that they do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import (
    attacks,
    bias,
    declared,
    detection,
    diversity,
    fidelity,
    pairs,
    privacy,
    rules,
    sequences,
    utility,
)


@dataclass(frozen=True)
class Metric:
    """A metric function and the JSON key it fills."""

    function: Callable[..., Any]
    path: str

    @property
    def name(self) -> str:
        return self.function.__name__


def _area(*entries: tuple[Callable[..., Any], str]) -> tuple[Metric, ...]:
    return tuple(Metric(function, path) for function, path in entries)


METRICS: dict[str, tuple[Metric, ...]] = {
    "fidelity": _area(
        (fidelity.column_fidelity, "fidelity.columns"),
        (fidelity.ks_complement, "fidelity.columns.*.shape"),
        (fidelity.tv_complement, "fidelity.columns.*.shape"),
        (fidelity.js_distance, "fidelity.columns.*.js_distance"),
        (fidelity.wasserstein_scaled, "fidelity.columns.*.wasserstein"),
        (fidelity.moment_differences, "fidelity.columns.*.moments"),
        (fidelity.chi_square_test, "fidelity.columns.*.chi_square"),
        (fidelity.null_share_difference, "fidelity.columns.*.null_share_difference"),
        (pairs.pair_fidelity, "fidelity.pairs"),
        (pairs.correlation_similarity, "fidelity.pairs.*.pearson_similarity"),
        (pairs.contingency_similarity, "fidelity.pairs.*.contingency_similarity"),
        (pairs.normalised_mutual_information, "fidelity.pairs.*.mutual_information_real"),
        (pairs.mutual_information_difference, "fidelity.pairs.*.mutual_information_difference"),
        (pairs.cramers_v, "fidelity.pairs.*.real_association"),
        (pairs.pair_trends_means, "fidelity.pair_trends_convention"),
        (detection.detection_auc, "fidelity.detection_auc"),
        (detection.detection_score, "fidelity.detection_score"),
        (detection.detection_importance, "fidelity.detection_importance"),
        (rules.broken_rules, "fidelity.rules"),
        (declared.declared_rule_shares, "fidelity.declared_rules"),
        (privacy.far_share, "fidelity.far_share"),
    ),
    "utility": _area(
        (utility.utility_scores, "utility.models"),
        (utility.classification_scores, "utility.models.*.real"),
        (utility.regression_scores, "utility.models.*.synthetic"),
        (utility.trivial_scores, "utility.trivial"),
        (utility.relative_gain, "utility.gain"),
    ),
    "diversity": _area(
        (diversity.category_coverage, "diversity.columns.*.category_coverage"),
        (diversity.range_coverage, "diversity.columns.*.range_coverage"),
        (diversity.knn_precision_recall, "diversity.knn_precision"),
    ),
    "privacy": _area(
        (privacy.exact_copy_share, "privacy.exact_copy_share"),
        (privacy.holdout_overlap, "privacy.holdout_overlap"),
        (privacy.dcr_summary, "privacy.dcr_synthetic"),
        (privacy.nndr, "privacy.nndr_synthetic"),
        (privacy.dcr_share, "privacy.dcr_share"),
        (privacy.far_share, "privacy.far_share"),
        (privacy.membership_auc, "privacy.membership_auc"),
        (privacy.attribute_inference, "privacy.attribute_inference"),
        (attacks.privacy_attacks, "privacy.attacks"),
        (attacks.singling_out, "privacy.attacks.*.predicates"),
        (attacks.linkability, "privacy.attacks.*.halves"),
        (attacks.inference, "privacy.attacks.*.secret"),
        (attacks.risk_of, "privacy.attacks.*.risk"),
    ),
    "bias": _area(
        (bias.share_differences, "bias.target_balance"),
        (bias.group_rates, "bias.groups.*.target_rates.rates_real"),
        (bias.parity_gap, "bias.groups.*.target_rates.gap_real"),
        (bias.target_gap_by_group, "bias.groups.*.target_rates"),
    ),
    "reference": _area(
        (fidelity.ks_complement, "reference.columns"),
        (fidelity.tv_complement, "reference.columns"),
        (pairs.pair_fidelity, "reference.pairs"),
        (detection.detection_auc, "reference.detection_auc"),
        (diversity.knn_precision_recall, "reference.knn_recall"),
    ),
    # only in reports of events tables (evaluate with a sequence key): tests/evaluation/
    # test_sequences.py checks these paths
    "sequences": _area(
        (sequences.sequence_lengths, "sequences.lengths.real_mean"),
        (sequences.ks_distance, "sequences.lengths.ks"),
        (sequences.within_differences, "sequences.gaps.ks"),
        (sequences.index_order, "sequences.order.strictly_increasing"),
        (sequences.static_columns, "sequences.static.columns"),
        (sequences.static_kept, "sequences.static.kept"),
        (sequences.lag1_autocorrelation, "sequences.autocorrelation.*.real"),
        (sequences.transition_similarity, "sequences.coherence.columns"),
        (sequences.change_similarity, "sequences.coherence.columns"),
        (sequences.entity_features, "sequences.detection.features"),
        (detection.detection_auc, "sequences.detection.auc"),
        (sequences.copied_share, "sequences.copies.synthetic"),
        (privacy.membership_auc, "sequences.distances.membership_auc"),
    ),
}

# public functions of the metric modules that are not metrics: they compose, bin, sample or
# compute intermediate values for the metrics above
HELPERS = {
    "fidelity.frequencies": fidelity.frequencies,
    "pairs.discretise": pairs.discretise,
    "privacy.closest_distances": privacy.closest_distances,
    "privacy.wilson_interval": privacy.wilson_interval,
    "attacks.expected_single": attacks.expected_single,
    "sequences.sort_events": sequences.sort_events,
}
METRIC_MODULES = (
    fidelity,
    pairs,
    detection,
    diversity,
    privacy,
    bias,
    utility,
    attacks,
    rules,
    declared,
    sequences,
)


def registered() -> list[Metric]:
    """Every registered metric, area by area."""
    return [metric for entries in METRICS.values() for metric in entries]
