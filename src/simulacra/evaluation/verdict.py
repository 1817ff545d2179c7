"""A one-word verdict and a plain-language sentence per area, from its scores."""

from __future__ import annotations

from typing import Any

# Quality grades of a score in [0, 1] where 1 is best.
GRADES = ((0.9, "excellent"), (0.8, "good"), (0.65, "fair"), (0.0, "poor"))


def grade(score: float | None) -> str:
    """'excellent' (>= 0.9), 'good' (>= 0.8), 'fair' (>= 0.65), 'poor', or 'n/a' (no score)."""
    if score is None:
        return "n/a"
    return next(word for floor, word in GRADES if score >= floor)


def fidelity_verdict(s: dict[str, Any]) -> tuple[float | None, str, str]:
    """Score = mean of column shapes, column pair trends and the detection score."""
    auc = s["detection_auc"]
    parts = [
        v
        for v in (s["column_shapes"], s["column_pair_trends"], s["detection_score"])
        if v is not None
    ]
    score = sum(parts) / len(parts) if parts else None
    tell = (
        "cannot tell them apart"
        if auc < 0.6
        else "tells them apart sometimes"
        if auc < 0.8
        else "tells them apart easily"
    )
    sentence = (
        f"Columns follow the real distributions at {_pct(s['column_shapes'])} (column shapes) and "
        f"relationships between columns at {_pct(s['column_pair_trends'])} (pair trends); a "
        f"classifier {tell} (ROC AUC {auc:.2f}, 0.5 is ideal)."
    )
    return score, grade(score), sentence


def utility_verdict(s: dict[str, Any] | None) -> tuple[float | None, str, str]:
    if s is None:
        return None, "n/a", "Not measured: give a target column (--target) to test utility."
    ratio = s["ratio"]
    metric = "macro F1" if s["primary_metric"] == "f1" else "R2"
    if ratio is None:
        return (
            None,
            "n/a",
            f"The models trained on real rows scored no better than chance ({metric}).",
        )
    sentence = (
        f"Models trained on synthetic rows reach {_pct(ratio)} of the {metric} of the same models "
        f"trained on real rows, predicting '{s['target']}' on real test rows."
    )
    return ratio, grade(min(ratio, 1.0)), sentence


def diversity_verdict(s: dict[str, Any]) -> tuple[float | None, str, str]:
    parts = [
        s[k]
        for k in ("category_coverage", "range_coverage", "knn_precision", "knn_recall")
        if s[k] is not None
    ]
    score = sum(parts) / len(parts) if parts else None
    coverage = [
        f"{_pct(s[k])} of the real {w}"
        for k, w in (("category_coverage", "categories"), ("range_coverage", "ranges"))
        if s[k] is not None
    ]
    sentence = (
        f"Synthetic rows cover {' and '.join(coverage)}; {_pct(s['knn_precision'])} of them lie "
        f"among real rows (precision) and they reach {_pct(s['knn_recall'])} of the real rows "
        "(recall)."
    )
    return score, grade(score), sentence


def privacy_verdict(s: dict[str, Any]) -> tuple[float | None, str, str]:
    copies = s["exact_copy_share"]
    natural = s["holdout_exact_copy_share"] or 0.0
    auc = s["membership_auc"]
    closer = s["share_closer_than_holdout_p5"]
    copy_text = f"{_pct(copies, 2)} of synthetic rows copy a training row"
    if auc is None or closer is None:
        risk = "high risk" if copies > 0.01 else "unknown"
        sentence = (
            f"{copy_text}. Give a holdout of real rows the generator never saw (--holdout) to "
            "measure distances and membership inference."
        )
        return None, risk, sentence
    if copies > max(2 * natural, 0.01) or auc > 0.6 or closer > 0.15:
        risk = "high risk"
    elif copies > natural + 0.001 or auc > 0.55 or closer > 0.08:
        risk = "moderate risk"
    else:
        risk = "low risk"
    sentence = (
        f"{copy_text} (unseen real rows: {_pct(natural, 2)}); {_pct(closer)} of synthetic rows are "
        "closer to the training data than 95% of unseen real rows are (5% expected); a membership "
        f"attack reaches ROC AUC {auc:.2f} (0.5 = no leak)."
    )
    return 1.0 - max(0.0, 2 * (auc - 0.5)), risk, sentence


def bias_verdict(s: dict[str, Any]) -> tuple[float | None, str, str]:
    if s["target_balance"] is None and not s["groups"]:
        return None, "n/a", "Not measured: give a categorical target or sensitive columns."
    gaps = []
    parts = []
    if s["target_balance"] is not None:
        gap = s["target_balance"]["max_difference"]
        gaps.append(gap)
        parts.append(f"class shares of the target differ by at most {_pts(gap)}")
    for name, group in s["groups"].items():
        gaps.append(group["balance"]["max_difference"])
        rates = group.get("target_rates")
        if rates is not None:
            gaps.append(abs(rates["gap_difference"]))
            parts.append(
                f"the target's gap across '{name}' groups is {rates['gap_real']:.2f} real vs "
                f"{rates['gap_synthetic']:.2f} synthetic"
            )
        else:
            gap = group["balance"]["max_difference"]
            parts.append(f"'{name}' group shares differ by at most {_pts(gap)}")
    worst = max(gaps)
    score = max(0.0, 1.0 - 2.0 * worst)
    return score, grade(score), "; ".join(parts).capitalize() + "."


def _pct(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:.{digits}%}"


def _pts(value: float) -> str:
    return f"{100 * value:.1f} points"
