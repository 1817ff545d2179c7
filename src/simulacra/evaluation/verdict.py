"""A one-word verdict and a plain-language sentence per area, from its typed scores.

`judge` gives every verdict of a report (`schema.Verdicts`); each area's judge reads the area's
record (`schema.py`), so a score it reads that the record lacks is a mypy error.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._grading import CLOSER, MEMBERSHIP, detection_word
from ._grading import pct as _pct
from ._schema_sequences import SequenceScores
from .schema import (
    AreaVerdict,
    Attack,
    Bias,
    Cap,
    DeclaredRule,
    Diversity,
    Fidelity,
    Overall,
    Overlap,
    Privacy,
    Rule,
    Utility,
    Verdicts,
)
from .sequence_verdict import entity_caps, entity_risk, worse_risk

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


def judge(
    fidelity: Fidelity,
    utility: Utility | None,
    diversity: Diversity,
    privacy: Privacy,
    bias: Bias,
    sequences: SequenceScores | None = None,
) -> Verdicts:
    """Every verdict of a report: each area's, fidelity's caps and the overall one. Fidelity
    reads privacy's share of far-away rows (unrealistic rows are a fidelity failure); with
    `sequences`, fidelity and privacy read whole entities too (`sequence_verdict.py`)."""
    caps = caps_of(fidelity) + entity_caps(sequences)
    judged = {
        "fidelity": fidelity_verdict(fidelity, privacy.far_share, caps),
        "utility": utility_verdict(utility),
        "diversity": diversity_verdict(diversity),
    }
    risk = privacy_verdict(privacy, sequences)
    return Verdicts(
        overall=overall_verdict(judged, risk),
        fidelity=judged["fidelity"],
        fidelity_caps=caps,
        utility=judged["utility"],
        diversity=judged["diversity"],
        privacy=risk,
        bias=bias_verdict(bias),
    )


def fidelity_verdict(
    f: Fidelity, far: float | None, caps: tuple[Cap, ...] | None = None
) -> AreaVerdict:
    """Score = mean of column shapes and pair trends, each relative to unseen real rows (see
    reference.py), and the detection score; its grade capped by `caps` (by default
    `caps_of(f)`). `far` is the share of synthetic rows far from every real row
    (`privacy.far_share`)."""
    ref = f.reference
    auc = f.detection_auc
    parts = [
        v
        for v in (
            relative(f.column_shapes, ref.column_shapes),
            relative(f.column_pair_trends, ref.column_pair_trends),
            f.detection_score,
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
        f"Columns follow the real distributions at {_pct(f.column_shapes)}"
        f"{_ref(ref.column_shapes)} and relationships between columns at "
        f"{_pct(f.column_pair_trends)}{_ref(ref.column_pair_trends)}; a classifier "
        f"{tell} (ROC AUC {auc:.2f}{_ref(ref.detection_auc, '.2f')}, 0.5 is ideal)."
    )
    if far is not None and far > 0.15:
        sentence += (
            f" {_pct(far)} of synthetic rows lie farther from every real row than 95% of unseen "
            "real rows do (unrealistic rows; about 5% expected)."
        )
    caps = caps_of(f) if caps is None else caps
    rules = [r for r in f.rules if r.excess > 0.05]
    if rules and not any(c.rule == rules[0].rule for c in caps):
        r = rules[0]
        sentence += f" Most telling broken rule: {r.rule} ({_pct(r.synthetic_share)} of rows)."
    sentence += _declared_sentence(f.declared_rules or ())
    word = capped(grade(score), caps)
    if word != grade(score):
        reasons = "; ".join(c.reason for c in caps)
        sentence = f"Capped at {word} (the scores alone say {grade(score)}): {reasons}. {sentence}"
    return AreaVerdict(
        score=score, verdict=word, sentence=sentence + _contaminated(ref.holdout_overlap)
    )


# A rule that synthetic rows break at least RULE_RATIO times as often as unseen real rows do,
# in at least a cap's share of rows more, caps the fidelity verdict (and so the overall one).
# 4x, not 10x: a formula rule's tolerance is the real rows' 95th percentile of error, so about
# 5% of unseen real rows break it by design, and 10x would wait for half the synthetic rows.
RULE_RATIO = 4.0
RULE_CAPS = ((0.25, "poor"), (0.05, "fair"))
# So does a detection ROC AUC far above its floor (`_grading.detection_word`).


def caps_of(f: Fidelity) -> tuple[Cap, ...]:
    """`fidelity_caps` of a fidelity area, and the caps of its declared rules."""
    caps = fidelity_caps(f.rules, f.detection_auc, f.detection_rows, f.reference.detection_auc)
    return caps + declared_caps(f.declared_rules or ())


def _declared_sentence(rules: Sequence[DeclaredRule]) -> str:
    """What the synthetic rows do with the declared rules, in a sentence ('' without any)."""
    if not rules:
        return ""
    broken = [r for r in rules if r.synthetic_share > 0]
    if not broken:
        return f" Every synthetic row keeps the {len(rules)} declared rule(s)."
    r = max(broken, key=lambda r: r.synthetic_share)
    return (
        f" {len(broken)} of {len(rules)} declared rules are broken by synthetic rows, most "
        f"{r.rule} ({_pct(r.synthetic_share)} of rows; real rows {_pct(r.real_share, 1)})."
    )


def declared_caps(rules: Sequence[DeclaredRule]) -> tuple[Cap, ...]:
    """The cap of the declared rule synthetic rows break most beyond the real rows: a share
    of rows `RULE_CAPS` above the real rows' (a declared rule is one the user says must hold)."""
    worst = max(rules, key=lambda r: r.synthetic_share - r.real_share, default=None)
    if worst is None:
        return ()
    word = next(
        (w for floor, w in RULE_CAPS if worst.synthetic_share - worst.real_share >= floor), None
    )
    if word is None:
        return ()
    reason = (
        f"{_pct(worst.synthetic_share)} of synthetic rows break the declared rule "
        f"{worst.rule}, against {_pct(worst.real_share, 1)} of real rows"
    )
    return (Cap(verdict=word, by="declared rule", rule=worst.rule, reason=reason),)


def fidelity_caps(
    rules: Sequence[Rule], auc: float, rows: tuple[int, int], reference_auc: float | None
) -> tuple[Cap, ...]:
    """The grades fidelity cannot exceed, each with its reason: the most broken real-data rule
    (`rules.broken_rules`, largest excess first) and the detection test (ROC AUC `auc` on
    `rows` real and synthetic rows, against the unseen real rows' `reference_auc`)."""
    caps = []
    for rule in rules:
        synth, real = rule.synthetic_share, rule.reference_share
        word = next((w for floor, w in RULE_CAPS if synth - real >= floor), None)
        if word is not None and synth >= RULE_RATIO * real:
            reason = (
                f"{_pct(synth)} of synthetic rows break the rule {rule.rule}, against "
                f"{_pct(real, 1)} of unseen real rows"
            )
            caps.append(Cap(verdict=word, by="rule", rule=rule.rule, reason=reason))
            break
    word = detection_word(auc, reference_auc, rows)
    if word is not None:
        reason = (
            f"a classifier tells synthetic from real rows at ROC AUC {auc:.2f}, against "
            f"{max(0.5, reference_auc or 0.5):.2f} for unseen real rows"
        )
        caps.append(Cap(verdict=word, by="detection", reason=reason))
    return tuple(caps)


def capped(word: str, caps: Sequence[Cap]) -> str:
    """The worse of a grade and the caps' grades."""
    order = [w for _, w in GRADES]
    if word not in order:
        return word
    return max([word, *(c.verdict for c in caps)], key=order.index)


def utility_verdict(u: Utility | None) -> AreaVerdict:
    """Score = the share of the real-trained models' lead over the trivial model (majority class
    or mean) that the synthetic-trained models keep (`gain`); ROC AUC below 0.5 is flagged."""
    if u is None:
        return AreaVerdict(
            score=None,
            verdict="n/a",
            sentence="Not measured: give a target column (--target) to test utility.",
        )
    metric = "macro F1" if u.primary_metric == "f1" else "R2"
    gain = u.gain
    if gain is None:
        return AreaVerdict(
            score=None,
            verdict="n/a",
            sentence="The models trained on real rows scored no better than the trivial model "
            f"({metric}).",
        )
    trivial = "the majority class" if u.primary_metric == "f1" else "the mean"
    primary = u.primary_metric
    synth = [m.synthetic[primary] for m in u.models.values()]
    real = [m.real[primary] for m in u.models.values()]
    sentence = (
        f"Models trained on synthetic rows keep {_pct(gain)} of the lead that models trained on "
        f"real rows have over always predicting {trivial} ({metric} {_range(synth)} vs "
        f"{_range(real)} real, {u.trivial[primary]:.2f} trivial), predicting '{u.target}'."
    )
    if u.below_chance:
        sentence += (
            f" ROC AUC below 0.5 (worse than a coin flip) for the {' and '.join(u.below_chance)}"
            " model trained on synthetic rows."
        )
    return AreaVerdict(score=gain, verdict=grade(min(gain, 1.0)), sentence=sentence)


def diversity_verdict(d: Diversity) -> AreaVerdict:
    """Score = the weakest of category coverage, range coverage, k-NN precision and recall, the
    last two relative to unseen real rows (rows that cover everything but lie off the real data
    are not diverse, they are wrong)."""
    ref = d.reference
    parts = [
        v
        for v in (
            d.category_coverage,
            d.range_coverage,
            relative(d.knn_precision, ref.knn_precision),
            relative(d.knn_recall, ref.knn_recall),
        )
        if v is not None
    ]
    score = min(parts) if parts else None
    coverage = [
        f"{_pct(value)} of the real {w}"
        for value, w in ((d.category_coverage, "categories"), (d.range_coverage, "ranges"))
        if value is not None
    ]
    sentence = (
        f"Synthetic rows cover {' and '.join(coverage)}; {_pct(d.knn_precision)} of them lie "
        f"among real rows{_ref(ref.knn_precision)} (precision) and they reach "
        f"{_pct(d.knn_recall)} of the real rows{_ref(ref.knn_recall)} (recall)."
    )
    return AreaVerdict(
        score=score, verdict=grade(score), sentence=sentence + _contaminated(ref.holdout_overlap)
    )


# synthetic rows this much farther from the training rows than unseen real rows make the
# distance-based privacy tests meaningless: far rows are safe because they are unrealistic
FAR_RATIO = 2.0
FAR_SHARE = 0.25  # rows beyond the holdout's 95th percentile of distances: 5% expected
# an attack whose risk interval lies above these (lower 95% bound) is a finding
ATTACK_MODERATE, ATTACK_HIGH = 0.1, 0.5


def privacy_verdict(p: Privacy, sequences: SequenceScores | None = None) -> AreaVerdict:
    """The rows' verdict (`row_privacy_verdict`); with `sequences`, the graver of it and the
    entities' risk (`sequence_verdict.entity_risk`), the lower score and both sentences."""
    rows = row_privacy_verdict(p)
    risk, sentence, score = entity_risk(sequences)
    if risk is None:
        return rows
    # no number where the rows' verdict is inconclusive, nor one from no unseen entities
    score = rows.score if rows.score is None or score is None else min(rows.score, score)
    return AreaVerdict(
        score=score,
        verdict=worse_risk(rows.verdict, risk),
        sentence=f"{rows.sentence} {sentence}",
    )


def row_privacy_verdict(p: Privacy) -> AreaVerdict:
    """Score = 1 - 2 (membership AUC - 0.5), with a risk from copies, distances and attacks;
    no score (None) without a holdout or when the verdict is inconclusive."""
    copies = p.exact_copy_share
    natural = p.holdout_exact_copy_share or 0.0
    auc = p.membership_auc
    closer = p.share_closer_than_holdout_p5
    share = p.dcr_share
    copy_text = f"{_pct(copies, 2)} of synthetic rows copy a training row"
    if auc is None or closer is None:
        risk = "high risk" if copies > 0.01 else "unknown"
        sentence = (
            f"{copy_text}. Give a holdout of real rows the generator never saw (--holdout) to "
            "measure distances and membership inference."
        )
        return AreaVerdict(score=None, verdict=risk, sentence=sentence)
    leaning = share.low if share else 0.5
    if (
        copies > max(2 * natural, 0.01)
        or auc > MEMBERSHIP[1]
        or closer > CLOSER[1]
        or leaning > 0.7
    ):
        risk = "high risk"
    elif copies > natural + 0.001 or auc > MEMBERSHIP[0] or closer > CLOSER[0] or leaning > 0.55:
        risk = "moderate risk"
    else:
        risk = "low risk"
    attacks = p.attacks
    found = max((a.risk_low for a in attacks if a.risk is not None), default=0.0)
    if found > ATTACK_HIGH:
        risk = "high risk"
    elif found > ATTACK_MODERATE and risk == "low risk":
        risk = "moderate risk"
    share_text = (
        f"{_pct(share.share)} of synthetic rows are closer to training rows than to as many "
        f"unseen real rows (50% ideal; 95% CI {_pct(share.low)}-{_pct(share.high)}); "
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
    overlap = p.holdout_overlap
    if overlap is not None and overlap.contaminated:
        # membership, copies and distances compared with rows the generator saw: the risk
        # found is a floor, and no number can stand for the privacy level
        risk = "inconclusive" if risk == "low risk" else risk
        score = None
        sentence = (
            f"No score: about {_pct(overlap.overlap)} of the holdout is training rows, so "
            f"every comparison with unseen real rows below understates the risk. {sentence}"
        )
    ratio, far = p.distance_ratio, p.far_share
    if risk == "low risk" and ratio is not None and (ratio > FAR_RATIO or (far or 0) > FAR_SHARE):
        risk, score = "inconclusive", None  # a number would read as a measured level of privacy
        sentence = (
            f"No score: synthetic rows sit {ratio:.1f}x farther from the training rows than "
            "unseen real rows do: they are unrealistic rather than private (see fidelity), so "
            f"low distances prove little. {sentence}"
        )
    return AreaVerdict(score=score, verdict=risk, sentence=sentence)


def attack_sentence(attacks: Sequence[Attack]) -> str:
    """The highest risk of each kind of attack, with its 95% interval."""
    parts = []
    for kind in ("singling out", "linkability", "inference"):
        runs = [(a, a.risk) for a in attacks if a.attack == kind and a.risk is not None]
        if runs:
            a, risk = max(runs, key=lambda run: (run[0].risk_low, run[1]))
            which = f" of '{a.detail}'" if kind == "inference" else ""
            parts.append(f"{kind}{which} {risk:.2f} ({a.risk_low:.2f} to {a.risk_high:.2f})")
    return (
        "Attack risks (0 = no leak beyond unseen rows, 1 = total; 95% CI): "
        + ", ".join(parts)
        + "."
    )


def overall_verdict(graded: dict[str, AreaVerdict], privacy: AreaVerdict) -> Overall:
    """One verdict for the page: the worst grade among the `graded` areas (fidelity, utility
    and diversity), with the `privacy` risk beside it, and the sentence of the weakest area."""
    order = [word for _, word in GRADES]
    ranked = [
        (order.index(v.verdict), -(v.score or 0.0), area, v)
        for area, v in graded.items()
        if v.verdict in order
    ]
    if not ranked:
        return Overall(
            verdict="n/a",
            weakest=None,
            privacy=privacy.verdict,
            sentence="Nothing could be graded.",
        )
    rank, _, weakest, v = max(ranked, key=lambda r: r[:3])
    word = order[rank]
    sentence = (
        f"{word.capitalize()} overall (weakest: {weakest}, {v.score or 0.0:.2f}); "
        f"privacy: {privacy.verdict}. {v.sentence}"
    )
    return Overall(verdict=word, weakest=weakest, privacy=privacy.verdict, sentence=sentence)


def bias_verdict(b: Bias) -> AreaVerdict:
    """Score = 1 - 2 x the largest gap: of class shares, of group shares, or (with a target)
    of the target's parity gap across groups."""
    if b.target_balance is None and not b.groups:
        return AreaVerdict(
            score=None,
            verdict="n/a",
            sentence="Not measured: give a categorical target or sensitive columns.",
        )
    gaps = []
    parts = []
    if b.target_balance is not None:
        gap = b.target_balance.max_difference
        gaps.append(gap)
        parts.append(f"class shares of the target differ by at most {_pts(gap)}")
    for name, group in b.groups.items():
        gaps.append(group.balance.max_difference)
        rates = group.target_rates
        if rates is not None:
            gaps.append(abs(rates.gap_difference))
            parts.append(
                f"the target's gap across '{name}' groups is {rates.gap_real:.2f} real vs "
                f"{rates.gap_synthetic:.2f} synthetic"
            )
        else:
            gap = group.balance.max_difference
            parts.append(f"'{name}' group shares differ by at most {_pts(gap)}")
    worst = max(gaps)
    score = max(0.0, 1.0 - 2.0 * worst)
    return AreaVerdict(
        score=score, verdict=grade(score), sentence="; ".join(parts).capitalize() + "."
    )


def _contaminated(overlap: Overlap | None) -> str:
    """' ...' saying the holdout-based figures are flattered, when the holdout overlaps the
    training rows (`privacy.holdout_overlap`), else ''."""
    if overlap is None or not overlap.contaminated:
        return ""
    return (
        f" Unseen real rows are not all unseen: about {_pct(overlap.overlap)} of the holdout "
        "is training rows, so the references above are too good."
    )


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
