"""Draws of a normal restricted to an interval, the step of every Gibbs sampler over scores
(ddpm's ranged conditions, `diffusion.py`; the copula's imputation, `copula_fill.py`)."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri


def truncated_normal(
    mean: np.ndarray,
    scale: float,
    low: float | np.ndarray,
    high: float | np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draws of N(mean, scale^2) restricted to [low, high] (per row when the ends are arrays;
    equal ends give that value), by the inverse CDF (on the side of the mean where the
    interval's tail probabilities keep their precision)."""
    a, b = (low - mean) / scale, (high - mean) / scale
    upper = a > 0  # the interval lies above the mean: work with the mirrored lower tail
    lo = np.where(upper, -b, a)
    hi = np.where(upper, -a, b)
    p_lo, p_hi = ndtr(lo), ndtr(hi)
    u = p_lo + (p_hi - p_lo) * rng.random(len(mean))
    z = np.clip(ndtri(np.clip(u, 1e-300, 1 - 1e-16)), lo, hi)
    z = np.where(upper, -z, z)
    return np.clip(mean + scale * z, low, high)
