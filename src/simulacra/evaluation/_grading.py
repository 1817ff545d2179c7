"""Thresholds and tests shared by the row verdicts (`verdict.py`) and the entity verdicts
(`sequence_verdict.py`), so an entity verdict means what a row verdict means."""

from __future__ import annotations

import math

# A detection ROC AUC this far above its floor (the unseen real rows' or entities' AUC, at
# least 0.5) caps fidelity, when the gap is also beyond 3 standard errors of chance at the
# detector's sample sizes (0.4: a classifier that recognises nearly every synthetic row).
DETECTION_CAPS = ((0.4, "poor"), (0.1, "fair"))
# privacy: (moderate, high) risk above these membership AUCs and shares of synthetic records
# closer to training than the holdout's 5th percentile (5% expected)
MEMBERSHIP, CLOSER = (0.55, 0.6), (0.08, 0.15)


def chance(rows: tuple[int, int]) -> float:
    """3 standard errors of a ROC AUC of no signal between `rows` (one side, the other)."""
    n, m = rows
    return 3 * math.sqrt((n + m + 1) / (12 * n * m)) if n and m else 0.0


def detection_word(auc: float, reference_auc: float | None, rows: tuple[int, int]) -> str | None:
    """The grade a detection ROC AUC `auc` on `rows` (real, synthetic) caps fidelity at,
    against its floor `reference_auc`; None when it caps nothing."""
    floor = max(0.5, reference_auc or 0.5)
    word = next((w for gap, w in DETECTION_CAPS if auc - floor >= gap), None)
    return word if word is not None and auc - floor > chance(rows) else None


def pct(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:.{digits}%}"
