"""Bias: are class balance, group sizes and the target's rates across groups kept?"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .fidelity import frequencies


def share_differences(real: pd.Series, synthetic: pd.Series) -> dict[str, Any]:
    """Category shares in both columns and max_c |p_synth(c) - p_real(c)|.
    The maximum ranges over [0, 1]; 0 means the same balance."""
    p, q = frequencies(real, synthetic)
    return {
        "real": {str(k): float(v) for k, v in p.items()},
        "synthetic": {str(k): float(v) for k, v in q.items()},
        "max_difference": float(np.abs(p - q).max()) if len(p) else 0.0,
    }


def group_rates(target: pd.Series, groups: pd.Series, positive: Any = None) -> dict[str, float]:
    """Per group g of `groups` (nulls dropped): the share of rows whose target equals `positive`
    (a categorical target) or, with `positive=None`, the mean of a numerical target. Range
    [0, 1] for rates; a numerical target's mean has the target's range."""
    present = groups.notna() & target.notna()
    values = (
        (target[present] == positive).astype(float) if positive is not None else target[present]
    )
    means = values.astype(float).groupby(groups[present].astype(object), sort=True).mean()
    return {str(k): float(v) for k, v in means.items()}


def parity_gap(rates: dict[str, float]) -> float:
    """max_g rate(g) - min_g rate(g): the demographic-parity difference of the target across
    groups. Range [0, 1] for rates; 0 means every group has the same rate."""
    values = [v for v in rates.values() if np.isfinite(v)]
    return float(max(values) - min(values)) if len(values) >= 2 else 0.0


def target_gap_by_group(
    real: pd.DataFrame, synthetic: pd.DataFrame, target: str, group: str, categorical: bool
) -> dict[str, Any]:
    """The target's rate (or mean) per group in both tables and their parity gaps.

    For a categorical target the rate is that of each class in turn and the class with the
    largest real gap is reported (for a binary target, the rarer class). A numerical target's
    gap is (max - min of group means) / real standard deviation. `gap_difference` is
    gap_synth - gap_real: positive means the synthetic data exaggerate the disparity. Range of
    a rate gap [0, 1] and of `gap_difference` [-1, 1] (a numerical target's, in standard
    deviations, unbounded).
    """
    if categorical:
        counts = real[target].value_counts()
        classes = [counts.index[-1]] if len(counts) == 2 else list(counts.index)
        best: dict[str, Any] | None = None
        for label in classes:
            rates_real = group_rates(real[target], real[group], label)
            rates_synth = group_rates(synthetic[target], synthetic[group], label)
            candidate = {
                "positive": str(label),
                "rates_real": rates_real,
                "rates_synthetic": rates_synth,
                "gap_real": parity_gap(rates_real),
                "gap_synthetic": parity_gap(rates_synth),
            }
            if best is None or candidate["gap_real"] > best["gap_real"]:
                best = candidate
        assert best is not None
        result = best
    else:
        scale = float(real[target].std()) or 1.0
        rates_real = group_rates(real[target], real[group])
        rates_synth = group_rates(synthetic[target], synthetic[group])
        result = {
            "positive": None,
            "rates_real": rates_real,
            "rates_synthetic": rates_synth,
            "gap_real": parity_gap(rates_real) / scale,
            "gap_synthetic": parity_gap(rates_synth) / scale,
        }
    result["gap_difference"] = result["gap_synthetic"] - result["gap_real"]
    return result
