"""The five areas of an evaluation, each measured from prepared tables into its typed record
(`schema.py`).

Each builder calls the area's metric functions (registered in `metrics.py`) and puts every
score beside its reference; fidelity and privacy also return the arrays the HTML page draws,
utility the notes the report states. Costly metrics work on seeded subsamples whose sizes are
set by `Limits` and stated in the report. `privacy_area` and `utility_area` give the JSON view
of their area, for scripts that read it as a dict (benchmarks/bench_realism.py).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from .. import seeding
from ..metadata import Metadata
from ._codec import build, to_plain
from ._figures import marginal, pair_figure
from ._space import feature_space
from .attacks import privacy_attacks
from .bias import share_differences, target_gap_by_group
from .declared import declared_rule_shares
from .detection import detection_auc, detection_importance, detection_score
from .diversity import category_coverage, knn_precision_recall, range_coverage
from .fidelity import column_fidelity
from .limits import Limits
from .pairs import pair_fidelity, pair_trends_means
from .prepare import Tables, subsample
from .privacy import (
    attribute_inference,
    closest_distances,
    dcr_share,
    dcr_summary,
    exact_copy_share,
    far_share,
    membership_auc,
    nndr,
)
from .reference import reference_tables
from .rules import broken_rules
from .schema import (
    Attack,
    AttributeInference,
    Balance,
    Bias,
    ColumnFidelity,
    Coverage,
    DcrRows,
    DcrShare,
    DeclaredRule,
    Distances,
    Diversity,
    DiversityReference,
    Fidelity,
    FidelityFigures,
    FidelityReference,
    Group,
    Importance,
    Overlap,
    PairFidelity,
    PairTrendsMeans,
    Privacy,
    PrivacyFigures,
    Reference,
    Rule,
    TargetRates,
    Utility,
)
from .utility import utility_scores

# purposes of the evaluation's random streams: seeding.rng(seed, "evaluation", purpose)
DETECTION_REAL, DETECTION_SYNTHETIC, UTILITY_SPLIT, UTILITY_TRAIN, UTILITY_TEST = range(5)
DIVERSITY, DCR_TRAINING, DCR_SYNTHETIC, DCR_HOLDOUT = range(5, 9)
ATTRIBUTE_SYNTHETIC, ATTRIBUTE_TRAINING, ATTRIBUTE_HOLDOUT = range(9, 12)
MEMBERSHIP_REFERENCE, MEMBERSHIP_QUERIES = range(12, 14)
REFERENCE_SPLIT, DCR_SHARE_TRAINING, RULES_REAL, RULES_OTHER, IMPORTANCE = range(14, 19)
# 19: the privacy attacks (attacks.ATTACKS)

MAX_RULES = 100
WORST_PAIRS = 4


def measure_fidelity(
    tables: Tables, limits: Limits, seed: int, reference: Reference
) -> tuple[Fidelity, FidelityFigures]:
    """Per-column and per-pair scores on whole tables, and the detection test on samples."""
    columns: dict[str, ColumnFidelity] = {}
    marginals: dict[str, dict[str, Any]] = {}
    for name in tables.columns:
        numerical = name in tables.numerical
        real, synth = tables.real[name], tables.synthetic[name]
        scores = column_fidelity(real, synth, numerical)
        columns[name] = build(
            ColumnFidelity,
            {"kind": tables.kinds[name], **scores, "reference": reference.columns.get(name)},
        )
        marginals[name] = marginal(real, synth, numerical, tables.kinds[name])
    measured = pair_fidelity(tables)
    unsorted = [
        build(PairFidelity, {**p, "reference": reference.pairs.get(" × ".join(p["columns"]))})
        for p in measured
    ]
    pairs = sorted(unsorted, key=lambda p: _or(p.score, 1.0))
    real_sample = subsample(tables.real, limits.model_rows, seed, DETECTION_REAL)
    synth_sample = subsample(tables.synthetic, limits.model_rows, seed, DETECTION_SYNTHETIC)
    auc = detection_auc(real_sample, synth_sample, tables.categorical, seed=seed)
    small = limits.knn_rows  # permutation importance refits nothing but predicts many times
    importance = detection_importance(
        subsample(real_sample, small, seed, IMPORTANCE),
        subsample(synth_sample, small, seed, IMPORTANCE),
        tables.categorical,
        seed=seed,
    )
    ref, _ = reference_tables(tables, limits, seed)
    rules = broken_rules(
        tables,
        subsample(ref.real, limits.model_rows, seed, RULES_REAL),
        subsample(tables.synthetic, limits.model_rows, seed, RULES_OTHER),
        subsample(ref.synthetic, limits.model_rows, seed, RULES_OTHER),
    )
    shapes = [c.shape for c in columns.values() if np.isfinite(c.shape)]
    # in the order measured, not sorted: a mean of floats depends on the order
    trends = [p.score for p in unsorted if p.score is not None and np.isfinite(p.score)]
    fidelity = Fidelity(
        column_shapes=float(np.mean(shapes)) if shapes else None,
        column_pair_trends=float(np.mean(trends)) if trends else None,
        pair_trends_convention=build(PairTrendsMeans, pair_trends_means(measured)),
        detection_auc=auc,
        detection_score=detection_score(auc),
        detection_rows=(len(real_sample), len(synth_sample)),
        detection_importance=tuple(build(Importance, r) for r in importance),
        rules=tuple(build(Rule, r) for r in rules[:MAX_RULES]),
        rules_checked=len(rules),
        columns=columns,
        pairs=tuple(pairs),
        reference=FidelityReference(
            column_shapes=reference.column_shapes,
            column_pair_trends=reference.column_pair_trends,
            detection_auc=reference.detection_auc,
            holdout_overlap=reference.holdout_overlap,
        ),
    )
    worst = [p for p in pairs if p.score is not None][:WORST_PAIRS]
    figures = FidelityFigures(
        marginals=marginals,
        worst_pairs=tuple(pair_figure(tables, list(p.columns), seed, IMPORTANCE) for p in worst),
    )
    return fidelity, figures


def measure_utility(
    tables: Tables, target: str, limits: Limits, seed: int
) -> tuple[Utility | None, list[str]]:
    """Train-on-synthetic / train-on-real scores on real test rows (the holdout when given);
    None, with a note, when the real training or test rows hold a single target value (any
    model scores perfectly there, which says nothing)."""
    notes = []
    task = "classification" if target in tables.categorical else "regression"
    real, synth = tables.real, tables.synthetic
    if tables.holdout is not None:
        test = tables.holdout
    else:
        rng = seeding.rng(seed, "evaluation", UTILITY_SPLIT)
        is_test = rng.random(len(real)) < limits.holdout_share
        test, real = real[is_test].reset_index(drop=True), real[~is_test].reset_index(drop=True)
        notes.append(
            f"utility: no holdout given, so {limits.holdout_share:.0%} of the real rows were held "
            "out as test rows; the generator may have seen them, which flatters the synthetic "
            "models"
        )
    if task == "regression":
        real, synth, test = (f[f[target].notna()] for f in (real, synth, test))
    real = subsample(real, limits.model_rows, seed, UTILITY_TRAIN)
    # same purpose: the same rows when the tables are the same
    synth = subsample(synth, limits.model_rows, seed, UTILITY_TRAIN)
    test = subsample(test, limits.model_rows, seed, UTILITY_TEST)
    for label, frame in (("real training", real), ("test", test)):
        if frame[target].nunique(dropna=True) < 2:
            notes.append(
                f"utility: target '{target}' holds a single value in the {label} rows, so "
                "there is nothing to predict; utility was not measured"
            )
            return None, notes
    scores = utility_scores(real, synth, test, target, task, tables.categorical, seed)
    rows = {"train_real": len(real), "train_synthetic": len(synth), "test": len(test)}
    return build(Utility, {**scores, "rows": rows}), notes


def utility_area(
    tables: Tables, target: str, limits: Limits, seed: int
) -> tuple[dict[str, Any] | None, list[str]]:
    """`measure_utility` with the area as its JSON view."""
    utility, notes = measure_utility(tables, target, limits, seed)
    return (None if utility is None else to_plain(utility)), notes


def measure_diversity(tables: Tables, limits: Limits, seed: int, reference: Reference) -> Diversity:
    """Category and range coverage on whole tables, k-NN precision/recall on samples."""
    columns: dict[str, Coverage] = {}
    for name in tables.columns:
        real, synth = tables.real[name], tables.synthetic[name]
        if name in tables.categorical:
            columns[name] = Coverage(category_coverage=category_coverage(real, synth))
        else:
            columns[name] = Coverage(range_coverage=range_coverage(real, synth))
    space = feature_space(tables)
    real = space.transform(subsample(tables.real, limits.knn_rows, seed, DIVERSITY))
    synth = space.transform(subsample(tables.synthetic, limits.knn_rows, seed, DIVERSITY))
    knn = knn_precision_recall(real, synth)
    return Diversity(
        category_coverage=_mean(c.category_coverage for c in columns.values()),
        range_coverage=_mean(c.range_coverage for c in columns.values()),
        knn_precision=knn["precision"],
        knn_recall=knn["recall"],
        knn_k=int(knn["k"]),
        knn_rows=(len(real), len(synth)),
        columns=columns,
        reference=DiversityReference(
            knn_precision=reference.knn_precision,
            knn_recall=reference.knn_recall,
            holdout_overlap=reference.holdout_overlap,
        ),
    )


def measure_privacy(
    tables: Tables,
    sensitive: list[str],
    limits: Limits,
    seed: int,
    holdout_overlap: Overlap | None = None,
) -> tuple[Privacy, PrivacyFigures, float]:
    """Exact copies on whole tables; distances, membership, attribute inference and the
    anonymeter-style attacks (attacks.py) on samples. Returns the area, the distances the page
    draws and the seconds the attacks took."""
    space = feature_space(tables)
    training = space.transform(subsample(tables.real, limits.reference_rows, seed, DCR_TRAINING))
    queries = space.transform(subsample(tables.synthetic, limits.query_rows, seed, DCR_SYNTHETIC))
    d1, d2 = closest_distances(queries, training)
    dcr_synthetic = build(Distances, dcr_summary(d1))
    nndr_synthetic = build(Distances, dcr_summary(nndr(d1, d2)))
    holdout = tables.holdout
    held = None
    if holdout is not None:
        held = _holdout_privacy(tables, holdout, space, training, queries, d1, limits, seed)
    inferred = []
    for name in sensitive:
        synth = subsample(tables.synthetic, limits.model_rows, seed, ATTRIBUTE_SYNTHETIC)
        train = subsample(tables.real, limits.model_rows, seed, ATTRIBUTE_TRAINING)
        held_rows = (
            subsample(holdout, limits.model_rows, seed, ATTRIBUTE_HOLDOUT)
            if holdout is not None
            else None
        )
        inferred.append(
            attribute_inference(synth, train, held_rows, name, tables.categorical, seed)
        )
    started = time.perf_counter()
    anonymeter = privacy_attacks(tables, sensitive, limits, seed)
    seconds = round(time.perf_counter() - started, 3)
    privacy = Privacy(
        exact_copy_share=exact_copy_share(tables.synthetic, tables.real),
        holdout_exact_copy_share=None if held is None else held.exact_copy_share,
        membership_auc=None if held is None else held.membership_auc,
        dcr_synthetic_p5=dcr_synthetic.p5,
        dcr_holdout_p5=None if held is None else held.dcr.p5,
        share_closer_than_holdout_p5=None if held is None else held.closer,
        dcr_share=None if held is None else held.dcr_share,
        far_share=None if held is None else held.far_share,
        distance_ratio=None if held is None else held.distance_ratio,
        dcr_synthetic=dcr_synthetic,
        nndr_synthetic=nndr_synthetic,
        dcr_holdout=None if held is None else held.dcr,
        nndr_holdout=None if held is None else held.nndr,
        dcr_rows=DcrRows(reference=len(training), queries=len(queries)),
        attribute_inference=tuple(build(AttributeInference, a) for a in inferred),
        attacks=tuple(build(Attack, a) for a in anonymeter),
        holdout_overlap=holdout_overlap,
    )
    figures = PrivacyFigures(dcr_synthetic=d1, dcr_holdout=None if held is None else held.distances)
    return privacy, figures, seconds


def privacy_area(
    tables: Tables, sensitive: list[str], limits: Limits, seed: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`measure_privacy` with the area as its JSON view, and the distances drawn."""
    privacy, figures, _ = measure_privacy(tables, sensitive, limits, seed)
    drawn = {"dcr_synthetic": figures.dcr_synthetic, "dcr_holdout": figures.dcr_holdout}
    return to_plain(privacy), drawn


@dataclass(frozen=True)
class _Held:
    """The privacy measures that need a holdout."""

    exact_copy_share: float
    dcr: Distances
    nndr: Distances
    closer: float
    far_share: float
    distance_ratio: float | None
    dcr_share: DcrShare
    membership_auc: float
    distances: np.ndarray


def _holdout_privacy(
    tables: Tables,
    holdout: pd.DataFrame,
    space: Any,
    training: np.ndarray,
    queries: np.ndarray,
    d1: np.ndarray,
    limits: Limits,
    seed: int,
) -> _Held:
    copies = exact_copy_share(holdout, tables.real)
    h1, h2 = closest_distances(
        space.transform(subsample(holdout, limits.query_rows, seed, DCR_HOLDOUT)), training
    )
    dcr = build(Distances, dcr_summary(h1))
    return _Held(
        exact_copy_share=copies,
        dcr=dcr,
        nndr=build(Distances, dcr_summary(nndr(h1, h2))),
        closer=float(np.mean(d1 < dcr.p5)),
        far_share=far_share(d1, h1),
        distance_ratio=_ratio_of_means(d1, h1),
        dcr_share=build(DcrShare, _dcr_share(tables, holdout, space, queries, limits, seed)),
        membership_auc=_membership(tables, holdout, space, limits, seed),
        distances=h1,
    )


def _dcr_share(
    tables: Tables,
    holdout: pd.DataFrame,
    space: Any,
    queries: np.ndarray,
    limits: Limits,
    seed: int,
) -> dict[str, Any]:
    """DCR share against as many training rows as there are holdout rows (see `dcr_share`)."""
    size = min(len(holdout), len(tables.real), limits.reference_rows)
    training = space.transform(subsample(tables.real, size, seed, DCR_SHARE_TRAINING))
    held = space.transform(subsample(holdout, size, seed, DCR_SHARE_TRAINING))
    to_training, _ = closest_distances(queries, training)
    to_holdout, _ = closest_distances(queries, held)
    return {**dcr_share(to_training, to_holdout), "reference_rows": size}


def _ratio_of_means(synthetic: np.ndarray, holdout: np.ndarray) -> float | None:
    """Mean distance to the closest training row, synthetic / holdout rows: about 1 for
    realistic rows, far above 1 when synthetic rows sit away from every real one."""
    base = float(np.mean(holdout))
    return float(np.mean(synthetic)) / base if base > 0 else None


def _membership(
    tables: Tables, holdout: pd.DataFrame, space: Any, limits: Limits, seed: int
) -> float:
    size = min(limits.query_rows, len(holdout), len(tables.real))
    reference = space.transform(
        subsample(tables.synthetic, limits.reference_rows, seed, MEMBERSHIP_REFERENCE)
    )
    members = space.transform(subsample(tables.real, size, seed, MEMBERSHIP_QUERIES))
    outsiders = space.transform(subsample(holdout, size, seed, MEMBERSHIP_QUERIES))
    m1, _ = closest_distances(members, reference)
    o1, _ = closest_distances(outsiders, reference)
    return membership_auc(m1, o1)


def measure_bias(tables: Tables, target: str | None, sensitive: list[str]) -> Bias:
    """Class balance of the target and of each sensitive column, and target rates by group."""
    target_balance = None
    if target is not None and target in tables.categorical:
        target_balance = build(
            Balance, share_differences(tables.real[target], tables.synthetic[target])
        )
    groups: dict[str, Group] = {}
    for name in sensitive:
        real_groups, synth_groups = _groups(tables, name)
        rates = None
        if target is not None and target != name:
            real = pd.DataFrame({"t": tables.real[target], "g": real_groups})
            synth = pd.DataFrame({"t": tables.synthetic[target], "g": synth_groups})
            gaps = target_gap_by_group(
                real, synth, "t", "g", categorical=target in tables.categorical
            )
            rates = build(TargetRates, gaps)
        balance = build(Balance, share_differences(real_groups, synth_groups))
        groups[name] = Group(balance=balance, target_rates=rates)
    return Bias(target_balance=target_balance, groups=groups)


def _groups(tables: Tables, name: str) -> tuple[pd.Series, pd.Series]:
    """A sensitive column as groups; numerical ones are cut at the real quartiles."""
    real, synth = tables.real[name], tables.synthetic[name]
    if name in tables.categorical:
        return real, synth
    edges = np.unique(np.nanquantile(real.to_numpy(np.float64), [0, 0.25, 0.5, 0.75, 1.0]))
    edges[0], edges[-1] = -np.inf, np.inf
    labels = [f"q{i + 1}" for i in range(len(edges) - 1)]
    return (pd.cut(real, edges, labels=labels), pd.cut(synth, edges, labels=labels))


def _mean(values: Any) -> float | None:
    kept = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(kept)) if kept else None


def _or(value: float | None, default: float) -> float:
    return default if value is None or not np.isfinite(value) else value


def with_declared_rules(
    fidelity: Fidelity,
    rules: Sequence[str] | None,
    metadata: Metadata | None,
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None,
) -> Fidelity:
    """`fidelity` with the declared rules (`rules` and the metadata's) and their shares of
    breaking rows (`declared.declared_rule_shares`); as it is when none is declared."""
    texts = [*(metadata.rules if metadata is not None else []), *(rules or [])]
    if not texts:
        return fidelity
    meta = metadata if metadata is not None else Metadata.infer(real)
    shares = declared_rule_shares(texts, meta, real, synthetic, holdout)
    return replace(fidelity, declared_rules=tuple(build(DeclaredRule, r) for r in shares))
