"""Fidelity of column pairs: correlations, contingency tables and mutual information.

Numerical columns are discretised the way SDMetrics does for its ContingencySimilarity: ten
equal-width bins over the real column's range, the outer bins open-ended so synthetic values
outside the real range fall into them, and nulls in a bin of their own.

Nulls: correlations use the rows where both columns are non-null (in each table separately);
contingency tables keep nulls as a category of categorical columns and as a bin of their own
for numbers and datetimes. SDMetrics' CorrelationSimilarity and ContingencySimilarity do the
same: on tables with 10% nulls in three numeric, two categorical or the datetime column, or in
the synthetic table only, every pair score agrees to 4e-15 (benchmarks/sdmetrics_nulls.py). The
0.911 vs 0.843 reported in issue 15 was not reproduced with SDMetrics 0.32.

Which pairs count: `column_pair_trends` is the mean over every pair. SDMetrics' QualityReport
by default averages only the pairs whose real association is strong (|Pearson r| > 0.5 for two
numerical columns, Cramér's V > 0.3 otherwise; `SDMETRICS_THRESHOLDS`), so each pair here
carries its real association and whether that default would count it (`sdmetrics_default`),
and the report gives both means. Two more differences, from reading SDMetrics' source
(`ColumnPairTrends`), not measured: its report bins each table's numbers on that table's own
range (here both on the real range), and kinds come from the metadata it is given (simulacra
infers them unless given metadata: `evaluate(metadata=...)`, `simulacra evaluate --metadata`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .prepare import Tables, codes

PAIR_BINS = 10
# SDMetrics' QualityReport defaults: pairs whose real association is at or below these are
# left out of its mean (real_correlation_threshold, real_association_threshold)
SDMETRICS_THRESHOLDS = {"correlation": 0.5, "cramers_v": 0.3}


def correlation_similarity(
    real: pd.DataFrame, synthetic: pd.DataFrame, method: str = "pearson"
) -> float:
    """1 - |r_real - r_synth| / 2, where r is the Pearson (or Spearman, `method="spearman"`)
    correlation of the two columns of each frame, over the rows where both are non-null.
    Range [0, 1]; 1 means the same correlation. Same definition as SDMetrics'
    CorrelationSimilarity. NaN when a column is constant.
    """
    r_real = _correlation(real, method)
    r_synth = _correlation(synthetic, method)
    return float(1.0 - abs(r_real - r_synth) / 2.0)


def contingency_similarity(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    continuous: Sequence[str] = (),
    bins: int = PAIR_BINS,
) -> float:
    """1 - TVD of the two columns' joint distributions:
    1 - 1/2 * sum_{a,b} |P_real(a, b) - P_synth(a, b)|, with the `continuous` columns binned as
    the module describes and nulls as a category. Range [0, 1]; 1 means identical contingency
    tables. Same definition as SDMetrics' ContingencySimilarity.
    """
    p, q = _joint_of_frames(real, synthetic, continuous, bins)
    return float(1.0 - 0.5 * np.abs(p - q).sum())


def mutual_information_difference(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    continuous: Sequence[str] = (),
    bins: int = PAIR_BINS,
) -> float:
    """|NMI_real - NMI_synth|, where NMI(X, Y) = I(X; Y) / sqrt(H(X) H(Y)) is the normalised
    mutual information of the two (binned) columns' joint distribution, and 0 when either column
    has a single value. Range [0, 1]; 0 means the same strength of dependence.
    """
    p, q = _joint_of_frames(real, synthetic, continuous, bins)
    return abs(normalised_mutual_information(p) - normalised_mutual_information(q))


def normalised_mutual_information(joint: np.ndarray) -> float:
    """I(X; Y) / sqrt(H(X) H(Y)) of a joint probability table (natural logarithms). Range [0, 1]."""
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    hx, hy = _entropy(px), _entropy(py)
    if hx <= 0 or hy <= 0:
        return 0.0
    nz = joint > 0
    outer = np.outer(px, py)
    mutual = float(np.sum(joint[nz] * np.log(joint[nz] / outer[nz])))
    return float(min(max(mutual / np.sqrt(hx * hy), 0.0), 1.0))


def cramers_v(joint: np.ndarray) -> float:
    """Cramér's V of a joint probability table, its empty rows and columns dropped:
    sqrt(phi2 / (min(r, c) - 1)) with phi2 = sum_ij (p_ij - p_i p_j)^2 / (p_i p_j), as
    scipy.stats.contingency.association(method="cramer") without continuity correction.
    Range [0, 1]; 0 when either column holds a single value (0 = independent)."""
    joint = joint[joint.sum(axis=1) > 0][:, joint.sum(axis=0) > 0]
    if min(joint.shape) < 2:
        return 0.0
    expected = np.outer(joint.sum(axis=1), joint.sum(axis=0))
    phi2 = float(np.sum((joint - expected) ** 2 / expected))
    return float(min(1.0, np.sqrt(phi2 / (min(joint.shape) - 1))))


def pair_trends_means(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """The mean pair score over every pair (simulacra's `column_pair_trends`) and over the
    pairs SDMetrics' QualityReport counts by default (None when there is none), with counts.
    Range of each mean [0, 1]; 1 means every pair's relationship is kept."""
    scored = [p for p in pairs if p["score"] is not None and np.isfinite(p["score"])]
    strong = [p["score"] for p in scored if p["sdmetrics_default"]]
    return {
        "used": "all pairs",
        "all_pairs": float(np.mean([p["score"] for p in scored])) if scored else None,
        "sdmetrics_default": float(np.mean(strong)) if strong else None,
        "pairs": len(scored),
        "pairs_in_sdmetrics_default": len(strong),
        "thresholds": dict(SDMETRICS_THRESHOLDS),
    }


def discretise(
    real: np.ndarray, synthetic: np.ndarray, bins: int = PAIR_BINS
) -> tuple[np.ndarray, np.ndarray]:
    """Bin codes of numerical values: `bins` equal-width bins over the real non-null range with
    open outer edges; nulls get code `bins + 1`."""
    present = real[~np.isnan(real)]
    if len(present) == 0:
        return np.full(len(real), bins + 1), np.full(len(synthetic), bins + 1)
    edges = np.histogram_bin_edges(present, bins=bins)
    edges[0], edges[-1] = -np.inf, np.inf
    return np.digitize(real, edges), np.digitize(synthetic, edges)


def pair_fidelity(tables: Tables, bins: int = PAIR_BINS) -> list[dict[str, Any]]:
    """Scores of every pair of compared columns, from whole tables.

    Numerical pairs get Pearson and Spearman correlation similarities and use the Pearson one as
    their `score`; other pairs use the contingency similarity. Every pair also gets the
    contingency similarity, the normalised mutual information difference, the two columns'
    kinds, the real association its score's metric is judged by (|Pearson r| or Cramér's V)
    and whether SDMetrics' default would count it (`sdmetrics_default`, see the module).
    Range of every similarity and association [0, 1] (None for a correlation of a constant
    column).
    """
    columns = tables.columns
    numerical = set(tables.numerical)
    binned: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
    for name in columns:
        if name in numerical:
            r, s = discretise(tables.real[name].to_numpy(), tables.synthetic[name].to_numpy(), bins)
            binned[name] = (r, s, bins + 2)
        else:
            size = len(tables.real[name].cat.categories) + 1
            binned[name] = (codes(tables.real[name]), codes(tables.synthetic[name]), size)
    corr: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    if len(tables.numerical) >= 2:
        for method in ("pearson", "spearman"):
            corr[method] = (
                tables.real[tables.numerical].corr(method=method),
                tables.synthetic[tables.numerical].corr(method=method),
            )
    results = []
    for i, a in enumerate(columns):
        for b in columns[i + 1 :]:
            p = _joint(binned[a][0], binned[b][0], binned[a][2], binned[b][2])
            q = _joint(binned[a][1], binned[b][1], binned[a][2], binned[b][2])
            entry: dict[str, Any] = {
                "columns": [a, b],
                "kinds": [tables.kinds[a], tables.kinds[b]],
                "contingency_similarity": float(1.0 - 0.5 * np.abs(p - q).sum()),
                "mutual_information_real": normalised_mutual_information(p),
                "mutual_information_synthetic": normalised_mutual_information(q),
            }
            entry["mutual_information_difference"] = abs(
                entry["mutual_information_real"] - entry["mutual_information_synthetic"]
            )
            if a in numerical and b in numerical:
                for method, (real_corr, synth_corr) in corr.items():
                    r_real, r_synth = float(real_corr.at[a, b]), float(synth_corr.at[a, b])
                    entry[f"{method}_real"] = _none_if_nan(r_real)
                    entry[f"{method}_synthetic"] = _none_if_nan(r_synth)
                    entry[f"{method}_similarity"] = _none_if_nan(1.0 - abs(r_real - r_synth) / 2)
                entry["metric"] = "correlation similarity"
                entry["score"] = entry["pearson_similarity"]
                entry["real_association"] = _none_if_nan(abs(float(corr["pearson"][0].at[a, b])))
                threshold = SDMETRICS_THRESHOLDS["correlation"]
            else:
                entry["metric"] = "contingency similarity"
                entry["score"] = entry["contingency_similarity"]
                entry["real_association"] = cramers_v(p)
                threshold = SDMETRICS_THRESHOLDS["cramers_v"]
            strength = entry["real_association"]
            entry["sdmetrics_default"] = strength is not None and strength > threshold
            results.append(entry)
    return results


def _joint(a: np.ndarray, b: np.ndarray, size_a: int, size_b: int) -> np.ndarray:
    counts = np.bincount(a * size_b + b, minlength=size_a * size_b).astype(np.float64)
    return (counts / max(len(a), 1)).reshape(size_a, size_b)


def _joint_of_frames(
    real: pd.DataFrame, synthetic: pd.DataFrame, continuous: Sequence[str], bins: int
) -> tuple[np.ndarray, np.ndarray]:
    pairs = []
    for column in list(real.columns)[:2]:
        if column in continuous:
            r, s = discretise(
                pd.to_numeric(real[column]).to_numpy(np.float64),
                pd.to_numeric(synthetic[column]).to_numpy(np.float64),
                bins,
            )
            pairs.append((r, s, bins + 2))
        else:
            both = pd.concat([real[column], synthetic[column]], ignore_index=True).astype(object)
            labels, uniques = pd.factorize(both, use_na_sentinel=True)
            labels = np.where(labels < 0, len(uniques), labels)
            pairs.append((labels[: len(real)], labels[len(real) :], len(uniques) + 1))
    (ra, sa, ka), (rb, sb, kb) = pairs
    return _joint(ra, rb, ka, kb), _joint(sa, sb, ka, kb)


def _correlation(frame: pd.DataFrame, method: str) -> float:
    a, b = (pd.to_numeric(frame[c]).astype("float64") for c in list(frame.columns)[:2])
    both = a.notna() & b.notna()
    if both.sum() < 2:
        return float("nan")
    return float(a[both].corr(b[both], method=method))


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-np.sum(p * np.log(p)))


def _none_if_nan(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)
