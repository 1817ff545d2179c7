"""Empirical auditing of a differential privacy claim with canaries (after Jagielski et al.
2020 and Nasr et al. 2021): fit many times on a table with and without one planted row, score
each fitted model with an attack (higher: "the canary was in"), and turn the attack's true and
false positive rates into a lower bound on the epsilon the fits really spend.

An (epsilon, delta)-DP fit bounds every test: TPR <= e^epsilon FPR + delta and
1 - FPR <= e^epsilon (1 - TPR) + delta. With Clopper-Pearson intervals at `confidence`, the
bound log((TPR_low - delta) / FPR_high) (and its mirror) is below the real epsilon with that
confidence; an audit fails when it exceeds the claimed one. The threshold is chosen on half of
the trials and the rates counted on the other half, so choosing it does not inflate the bound.
The bound shows a violation, never proves privacy: it is as strong as the attack and as tight
as the number of trials allows (about log(trials) at best).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import beta

from ..metadata import Column, Metadata


@dataclass(frozen=True)
class AuditResult:
    """One audit: trials per side, the attack's threshold and rates, and the lower bound on
    epsilon they imply (0 when the attack does no better than chance)."""

    trials: int
    threshold: float
    tpr: float
    fpr: float
    epsilon_lower_bound: float
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def epsilon_lower_bound(
    positives: int, hits: int, negatives: int, false_hits: int, delta: float, confidence: float
) -> float:
    """The lower bound on epsilon of `hits` of `positives` canary fits flagged and
    `false_hits` of `negatives` clean fits flagged, at `confidence` (Clopper-Pearson, both
    rates at once: each interval at 1 - (1 - confidence) / 2)."""
    alpha = (1.0 - confidence) / 2.0
    tpr_low = _lower(hits, positives, alpha)
    fpr_high = _upper(false_hits, negatives, alpha)
    tnr_low = _lower(negatives - false_hits, negatives, alpha)
    fnr_high = _upper(positives - hits, positives, alpha)
    bounds = [0.0]
    if tpr_low - delta > 0 and fpr_high > 0:
        bounds.append(math.log((tpr_low - delta) / fpr_high))
    if tnr_low - delta > 0 and fnr_high > 0:
        bounds.append(math.log((tnr_low - delta) / fnr_high))
    return max(bounds)


def audit(
    scores_with: np.ndarray, scores_without: np.ndarray, delta: float, confidence: float = 0.95
) -> AuditResult:
    """Audit from the attack's scores of fits with the canary and without it."""
    with_, without = np.asarray(scores_with, float), np.asarray(scores_without, float)
    half_with, half_without = len(with_) // 2, len(without) // 2
    threshold = _best_threshold(with_[:half_with], without[:half_without])
    test_with, test_without = with_[half_with:], without[half_without:]
    hits, false_hits = int((test_with > threshold).sum()), int((test_without > threshold).sum())
    bound = epsilon_lower_bound(
        len(test_with), hits, len(test_without), false_hits, delta, confidence
    )
    return AuditResult(
        trials=min(len(with_), len(without)),
        threshold=float(threshold),
        tpr=hits / max(len(test_with), 1),
        fpr=false_hits / max(len(test_without), 1),
        epsilon_lower_bound=bound,
        confidence=confidence,
    )


def _best_threshold(with_: np.ndarray, without: np.ndarray) -> float:
    """The threshold that best separates the two sets of scores (largest TPR - FPR): the
    midpoint between two neighbouring scores, the middle one when several tie."""
    scores = np.unique(np.concatenate([with_, without]))
    if len(scores) < 2:
        return float(scores[0]) if len(scores) else 0.0
    candidates = (scores[:-1] + scores[1:]) / 2
    gaps = np.array([(with_ > t).mean() - (without > t).mean() for t in candidates])
    best = np.flatnonzero(gaps == gaps.max())
    return float(candidates[best[len(best) // 2]])


def _lower(successes: int, trials: int, alpha: float) -> float:
    return 0.0 if successes == 0 else float(beta.ppf(alpha, successes, trials - successes + 1))


def _upper(successes: int, trials: int, alpha: float) -> float:
    if successes == trials:
        return 1.0
    return float(beta.ppf(1 - alpha, successes + 1, trials - successes))


CANARY = "canary"


def canary_tables(rows: int = 100, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, Metadata]:
    """A small table without and with one planted row, and public metadata for both.

    Column `a` lists its categories publicly, the canary's value among them, so every fit
    measures the canary's category and the attack has the easiest case the mechanisms allow:
    one row alone decides whether a category is held at all."""
    rng = np.random.default_rng(seed)
    base = pd.DataFrame(
        {
            "a": rng.choice(["x", "y", "z"], rows),
            "b": rng.choice(["p", "q"], rows),
            "n": rng.integers(0, 10, rows).astype(float),
        }
    )
    planted = pd.DataFrame({"a": [CANARY], "b": ["p"], "n": [5.0]})
    metadata = Metadata(
        {
            "a": Column("categorical", "object", categories=["x", "y", "z", CANARY], public=True),
            "b": Column("categorical", "object", categories=["p", "q"], public=True),
            "n": Column("numerical", "float64", min=0.0, max=10.0, decimals=0, public=True),
        }
    )
    return base, pd.concat([base, planted], ignore_index=True), metadata


def canary_share(sample: pd.DataFrame) -> float:
    """The attack: the share of sampled rows that carry the canary's category."""
    return float((sample["a"] == CANARY).mean())


def run_canary_audit(
    fit_and_score: Callable[[pd.DataFrame, Metadata], float],
    trials: int,
    delta: float,
    confidence: float = 0.95,
    rows: int = 100,
) -> AuditResult:
    """`trials` fits with the canary and as many without it, each scored by
    `fit_and_score(table, metadata)`, audited (`audit`)."""
    without, with_, metadata = canary_tables(rows)
    scores_with = np.array([fit_and_score(with_, metadata) for _ in range(trials)])
    scores_without = np.array([fit_and_score(without, metadata) for _ in range(trials)])
    return audit(scores_with, scores_without, delta, confidence)
