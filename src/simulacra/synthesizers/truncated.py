"""Draws of a normal restricted to an interval, and the Gibbs sweeps built on them (ddpm's
ranged conditions, `diffusion.py`; the copula's imputation, `copula_fill.py`)."""

from __future__ import annotations

from collections.abc import Mapping

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


def gibbs_in_intervals(
    values: np.ndarray,
    precision: np.ndarray,
    intervals: Mapping[int, tuple[float | np.ndarray, float | np.ndarray]],
    sweeps: int,
    rng: np.random.Generator,
) -> None:
    """Draw, in place, the columns of `values` that `intervals` names ({column: (low, high)},
    the ends scalars or one per row) from a zero-mean Gaussian of `precision` restricted to
    them: each column in turn from its truncated conditional given all the others, for
    `sweeps` sweeps (one when a single column is restricted: then it is exact)."""
    for _ in range(1 if len(intervals) == 1 else sweeps):
        for k, (low, high) in intervals.items():
            scale = 1 / np.sqrt(precision[k, k])
            others = np.delete(np.arange(len(precision)), k)
            mean = -(values[:, others] @ precision[others, k]) * scale**2
            values[:, k] = truncated_normal(mean, scale, low, high, rng)
