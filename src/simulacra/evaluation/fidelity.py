"""Fidelity: how closely synthetic columns and column pairs follow the real ones."""

from __future__ import annotations

import numpy as np
import pandas as pd


def ks_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - D, where D = sup_x |F_real(x) - F_synth(x)| is the two-sample Kolmogorov-Smirnov
    statistic of the non-null values. Range [0, 1]; 1 means identical distributions.
    Same definition as SDMetrics' KSComplement. Datetimes are compared as numbers.
    """
    a = _numbers(real)
    b = _numbers(synthetic)
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return float(1.0 - np.max(np.abs(cdf_a - cdf_b)))


def tv_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - TVD, where TVD = 1/2 * sum_c |p_real(c) - p_synth(c)| over categories (nulls are a
    category). Range [0, 1]; 1 means identical frequencies. Same definition as SDMetrics'
    TVComplement.
    """
    p = real.astype(object).where(real.notna(), "<null>").value_counts(normalize=True)
    q = synthetic.astype(object).where(synthetic.notna(), "<null>").value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return float(1.0 - 0.5 * np.abs(p - q).sum())


def _numbers(values: pd.Series) -> np.ndarray:
    values = values.dropna()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.astype("int64").to_numpy(np.float64)
    return pd.to_numeric(values).to_numpy(np.float64)
