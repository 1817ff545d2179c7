"""A one-word verdict and a plain-language sentence per area, from its scores."""

from __future__ import annotations

import math
from typing import Any

# Quality grades of a score in [0, 1] where 1 is best.
GRADES = ((0.9, "excellent"), (0.8, "good"), (0.65, "fair"), (0.0, "poor"))


def grade(score: float | None) -> str:
    """'excellent' (>= 0.9), 'good' (>= 0.8), 'fair' (>= 0.65), 'poor', or 'n/a' (no score)."""
    if score is None:
        return "n/a"
    return next(word for floor, word in GRADES if score >= floor)


def relative(score: float | None, reference: float | None) -> float | None:
    """score / reference, capped at 1: a score as a share of what unseen real rows reach."""
    if score is None or reference is None or reference <= 0:
        return score
    return min(1.0, score / reference)


def fidelity_verdict(s: dict[str, Any]) -> tuple[float | None, str, str]:
    """Score = mean of column shapes and pair trends, each relative to unseen real rows (see
    reference.py), and the detection score; its grade capped by `fidelity_caps`."""
    ref = s.get("reference") or {}
    auc = s["detection_auc"]
    parts = [
        v
        for v in (
            relative(s["column_shapes"], ref.get("column_shapes")),
            relative(s["column_pair_trends"], ref.get("column_pair_trends")),
            s["detection_score"],
        )
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
        f"Columns follow the real distributions at {_pct(s['column_shapes'])}"
        f"{_ref(ref.get('column_shapes'))} and relationships between columns at "
        f"{_pct(s['column_pair_trends'])}{_ref(ref.get('column_pair_trends'))}; a classifier "
        f"{tell} (ROC AUC {auc:.2f}{_ref(ref.get('detection_auc'), '.2f')}, 0.5 is ideal)."
    )
    far = s.get("far_share")
    if far is not None and far > 0.15:
        sentence += (
            f" {_pct(far)} of synthetic rows lie farther from every real row than 95% of unseen "
            "real rows do (unrealistic rows; about 5% expected)."
        )
    caps = fidelity_caps(s)
    rules = [r for r in s.get("rules") or [] if r["excess"] > 0.05]
    if rules and not any(c.get("rule") == rules[0]["rule"] for c in caps):
        r = rules[0]
        sentence += (
            f" Most telling broken rule: {r['rule']} ({_pct(r['synthetic_share'])} of rows)."
        )
    word = capped(grade(score), caps)
    if word != grade(score):
        reasons = "; ".join(c["reason"] for c in caps)
        sentence = f"Capped at {word} (the scores alone say {grade(score)}): {reasons}. {sentence}"
    return score, word, sentence + _contaminated(ref)


# A rule that synthetic rows break at least RULE_RATIO times as often as unseen real rows do,
# in at least a cap's share of rows more, caps the fidelity verdict (and so the overall one).
# 4x, not 10x: a formula rule's tolerance is the real rows' 95th percentile of error, so about
# 5% of unseen real rows break it by design, and 10x would wait for half the synthetic rows.
RULE_RATIO = 4.0
RULE_CAPS = ((0.25, "poor"), (0.05, "fair"))
# So does a detection ROC AUC this far above its floor (the unseen real rows' AUC, at least
# 0.5), when the gap is also beyond 3 standard errors of chance at the detector's sample sizes
# (0.4: a classifier that recognises nearly every synthetic row).
DETECTION_CAPS = ((0.4, "poor"), (0.1, "fair"))


def fidelity_caps(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The grades fidelity cannot exceed, each with its reason: the most broken real-data rule
    (`rules.broken_rules`, largest excess first) and the detection test."""
    caps = []
    for rule in s.get("rules") or []:
        synth, real = rule["synthetic_share"], rule["reference_share"]
        word = next((w for floor, w in RULE_CAPS if synth - real >= floor), None)
        if word is not None and synth >= RULE_RATIO * real:
            reason = (
                f"{_pct(synth)} of synthetic rows break the rule {rule['rule']}, against "
                f"{_pct(real, 1)} of unseen real rows"
            )
            caps.append({"verdict": word, "by": "rule", "rule": rule["rule"], "reason": reason})
            break
    auc = s["detection_auc"]
    floor = max(0.5, (s.get("reference") or {}).get("detection_auc") or 0.5)
    n_real, n_synth = s.get("detection_rows") or (0, 0)
    chance = 3 * math.sqrt((n_real + n_synth + 1) / (12 * n_real * n_synth)) if n_real else 0.0
    word = next((w for gap, w in DETECTION_CAPS if auc - floor >= gap), None)
    if word is not None and auc - floor > chance:
        reason = (
            f"a classifier tells synthetic from real rows at ROC AUC {auc:.2f}, against "
            f"{floor:.2f} for unseen real rows"
        )
        caps.append({"verdict": word, "by": "detection", "reason": reason})
    return caps


def capped(word: str, caps: list[dict[str, Any]]) -> str:
    """The worse of a grade and the caps' grades."""
    order = [w for _, w in GRADES]
    if word not in order:
        return word
    return max([word, *(c["verdict"] for c in caps)], key=order.index)


def utility_verdict(s: dict[str, Any] | None) -> tuple[float | None, str, str]:
    """Score = the share of the real-trained models' lead over the trivial model (majority class
    or mean) that the synthetic-trained models keep (`gain`); ROC AUC below 0.5 is flagged."""
    if s is None:
        return None, "n/a", "Not measured: give a target column (--target) to test utility."
    metric = "macro F1" if s["primary_metric"] == "f1" else "R2"
    gain = s.get("gain")
    if gain is None:
        return (
            None,
            "n/a",
            f"The models trained on real rows scored no better than the trivial model ({metric}).",
        )
    trivial = "the majority class" if s["primary_metric"] == "f1" else "the mean"
    primary = s["primary_metric"]
    synth = [m["synthetic"][primary] for m in s["models"].values()]
    real = [m["real"][primary] for m in s["models"].values()]
    sentence = (
        f"Models trained on synthetic rows keep {_pct(gain)} of the lead that models trained on "
        f"real rows have over always predicting {trivial} ({metric} {_range(synth)} vs "
        f"{_range(real)} real, {s['trivial'][primary]:.2f} trivial), predicting '{s['target']}'."
    )
    if s.get("below_chance"):
        sentence += (
            f" ROC AUC below 0.5 (worse than a coin flip) for the {' and '.join(s['below_chance'])}"
            " model trained on synthetic rows."
        )
    return gain, grade(min(gain, 1.0)), sentence


def diversity_verdict(s: dict[str, Any]) -> tuple[float | None, str, str]:
    """Score = the weakest of category coverage, range coverage, k-NN precision and recall, the
    last two relative to unseen real rows (rows that cover everything but lie off the real data
    are not diverse, they are wrong)."""
    ref = s.get("reference") or {}
    parts = [
        v
        for v in (
            s["category_coverage"],
            s["range_coverage"],
            relative(s["knn_precision"], ref.get("knn_precision")),
            relative(s["knn_recall"], ref.get("knn_recall")),
        )
        if v is not None
    ]
    score = min(parts) if parts else None
    coverage = [
        f"{_pct(s[k])} of the real {w}"
        for k, w in (("category_coverage", "categories"), ("range_coverage", "ranges"))
        if s[k] is not None
    ]
    sentence = (
        f"Synthetic rows cover {' and '.join(coverage)}; {_pct(s['knn_precision'])} of them lie "
        f"among real rows{_ref(ref.get('knn_precision'))} (precision) and they reach "
        f"{_pct(s['knn_recall'])} of the real rows{_ref(ref.get('knn_recall'))} (recall)."
    )
    return score, grade(score), sentence + _contaminated(ref)


# synthetic rows this much farther from the training rows than unseen real rows make the
# distance-based privacy tests meaningless: far rows are safe because they are unrealistic
FAR_RATIO = 2.0
FAR_SHARE = 0.25  # rows beyond the holdout's 95th percentile of distances: 5% expected
# an attack whose risk interval lies above these (lower 95% bound) is a finding
ATTACK_MODERATE, ATTACK_HIGH = 0.1, 0.5


def privacy_verdict(s: dict[str, Any]) -> tuple[float | None, str, str]:
    """Score = 1 - 2 (membership AUC - 0.5), with a risk from copies, distances and attacks;
    no score (None) without a holdout or when the verdict is inconclusive."""
    copies = s["exact_copy_share"]
    natural = s["holdout_exact_copy_share"] or 0.0
    auc = s["membership_auc"]
    closer = s["share_closer_than_holdout_p5"]
    share = s.get("dcr_share")
    copy_text = f"{_pct(copies, 2)} of synthetic rows copy a training row"
    if auc is None or closer is None:
        risk = "high risk" if copies > 0.01 else "unknown"
        sentence = (
            f"{copy_text}. Give a holdout of real rows the generator never saw (--holdout) to "
            "measure distances and membership inference."
        )
        return None, risk, sentence
    leaning = share["low"] if share else 0.5
    if copies > max(2 * natural, 0.01) or auc > 0.6 or closer > 0.15 or leaning > 0.7:
        risk = "high risk"
    elif copies > natural + 0.001 or auc > 0.55 or closer > 0.08 or leaning > 0.55:
        risk = "moderate risk"
    else:
        risk = "low risk"
    attacks = s.get("attacks") or []
    found = max((a["risk_low"] for a in attacks if a["risk"] is not None), default=0.0)
    if found > ATTACK_HIGH:
        risk = "high risk"
    elif found > ATTACK_MODERATE and risk == "low risk":
        risk = "moderate risk"
    share_text = (
        f"{_pct(share['share'])} of synthetic rows are closer to training rows than to as many "
        f"unseen real rows (50% ideal; 95% CI {_pct(share['low'])}-{_pct(share['high'])}); "
        if share
        else ""
    )
    sentence = (
        f"{copy_text} (unseen real rows: {_pct(natural, 2)}); {share_text}{_pct(closer)} of "
        "synthetic rows are closer to the training data than 95% of unseen real rows are (5% "
        f"expected); a membership attack reaches ROC AUC {auc:.2f} (0.5 = no leak)."
    )
    if attacks:
        sentence += " " + attack_sentence(attacks)
    score: float | None = 1.0 - max(0.0, 2 * (auc - 0.5))
    overlap = s.get("holdout_overlap") or {}
    if overlap.get("contaminated"):
        # membership, copies and distances compared with rows the generator saw: the risk
        # found is a floor, and no number can stand for the privacy level
        risk = "inconclusive" if risk == "low risk" else risk
        score = None
        sentence = (
            f"No score: about {_pct(overlap['overlap'])} of the holdout is training rows, so "
            f"every comparison with unseen real rows below understates the risk. {sentence}"
        )
    ratio, far = s.get("distance_ratio"), s.get("far_share")
    if risk == "low risk" and ratio is not None and (ratio > FAR_RATIO or (far or 0) > FAR_SHARE):
        risk, score = "inconclusive", None  # a number would read as a measured level of privacy
        sentence = (
            f"No score: synthetic rows sit {ratio:.1f}x farther from the training rows than "
            "unseen real rows do: they are unrealistic rather than private (see fidelity), so "
            f"low distances prove little. {sentence}"
        )
    return score, risk, sentence


def attack_sentence(attacks: list[dict[str, Any]]) -> str:
    """The highest risk of each kind of attack, with its 95% interval."""
    parts = []
    for kind in ("singling out", "linkability", "inference"):
        runs = [a for a in attacks if a["attack"] == kind and a["risk"] is not None]
        if runs:
            a = max(runs, key=lambda a: (a["risk_low"], a["risk"]))
            which = f" of '{a['detail']}'" if kind == "inference" else ""
            parts.append(
                f"{kind}{which} {a['risk']:.2f} ({a['risk_low']:.2f} to {a['risk_high']:.2f})"
            )
    return (
        "Attack risks (0 = no leak beyond unseen rows, 1 = total; 95% CI): "
        + ", ".join(parts)
        + "."
    )


def overall_verdict(scores: dict[str, Any]) -> dict[str, Any]:
    """One verdict for the page: the worst grade among fidelity, utility and diversity, with
    the privacy risk beside it, and the sentence of the weakest area."""
    order = [word for _, word in GRADES]
    graded = [
        (order.index(scores[a]["verdict"]), -(scores[a]["score"] or 0.0), a)
        for a in ("fidelity", "utility", "diversity")
        if scores[a]["verdict"] in order
    ]
    if not graded:
        return {"verdict": "n/a", "weakest": None, "privacy": scores["privacy"]["verdict"],
                "sentence": "Nothing could be graded."}  # fmt: skip
    rank, _, weakest = max(graded)
    word = order[rank]
    privacy = scores["privacy"]["verdict"]
    sentence = (
        f"{word.capitalize()} overall (weakest: {weakest}, {scores[weakest]['score']:.2f}); "
        f"privacy: {privacy}. {scores[weakest]['sentence']}"
    )
    return {"verdict": word, "weakest": weakest, "privacy": privacy, "sentence": sentence}


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


def _contaminated(s: dict[str, Any]) -> str:
    """' ...' saying the holdout-based figures are flattered, when the holdout overlaps the
    training rows (`privacy.holdout_overlap`), else ''."""
    overlap = s.get("holdout_overlap") or {}
    if not overlap.get("contaminated"):
        return ""
    return (
        f" Unseen real rows are not all unseen: about {_pct(overlap['overlap'])} of the holdout "
        "is training rows, so the references above are too good."
    )


def _pct(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:.{digits}%}"


def _ref(value: float | None, fmt: str = "pct") -> str:
    """' (unseen real rows: X)' beside a score, or nothing without a reference."""
    if value is None:
        return ""
    return f" (unseen real rows: {_pct(value) if fmt == 'pct' else format(value, fmt)})"


def _range(values: list[float | None]) -> str:
    kept = sorted(v for v in values if v is not None)
    if not kept:
        return "n/a"
    return f"{kept[0]:.2f}" if kept[0] == kept[-1] else f"{kept[0]:.2f}-{kept[-1]:.2f}"


def _pts(value: float) -> str:
    return f"{100 * value:.1f} points"
