"""Per-column fidelity metrics against hand computations and known shifts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulacra.evaluation.fidelity import (
    chi_square_test,
    column_fidelity,
    js_distance,
    ks_complement,
    moment_differences,
    tv_complement,
    wasserstein_scaled,
)


def test_known_shift_gives_known_ks() -> None:
    grid = pd.Series(np.arange(1000.0))
    # shifting a uniform grid by a fifth of its range moves the CDF by at most 0.2
    assert ks_complement(grid, grid + 200) == pytest.approx(0.8, abs=1e-12)
    assert ks_complement(grid, grid) == 1.0


def test_ks_matches_scipy_and_ignores_nulls() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=500), rng.normal(0.3, 1.2, size=700)
    expected = 1 - stats.ks_2samp(a, b).statistic
    with_nulls = pd.Series(np.concatenate([a, [np.nan] * 50]))
    assert ks_complement(with_nulls, pd.Series(b)) == pytest.approx(expected)


def test_ks_compares_datetimes_as_numbers() -> None:
    days = pd.Series(pd.date_range("2020-01-01", periods=100, freq="D"))
    assert ks_complement(days, days + pd.Timedelta(days=10)) == pytest.approx(0.9)


def test_tv_complement_by_hand() -> None:
    real = pd.Series(["a", "a", "b"])
    synth = pd.Series(["a", "b", "b"])
    # shares (2/3, 1/3) vs (1/3, 2/3): TVD = 1/2 * (1/3 + 1/3) = 1/3
    assert tv_complement(real, synth) == pytest.approx(2 / 3)
    assert tv_complement(real, pd.Series(["c", "c"])) == pytest.approx(0.0)


def test_tv_complement_counts_nulls_as_a_category() -> None:
    real = pd.Series(["a", None, "a", None])
    synth = pd.Series(["a", "a", "a", "a"])
    assert tv_complement(real, synth) == pytest.approx(0.5)


def test_tv_complement_accepts_categoricals() -> None:
    real = pd.Series(pd.Categorical(["a", "a", "b", None], categories=["a", "b", "z"]))
    synth = pd.Series(pd.Categorical(["a", "b", "b", "b"], categories=["a", "b", "z"]))
    plain = tv_complement(real.astype(object), synth.astype(object))
    assert tv_complement(real, synth) == pytest.approx(plain)
    assert plain == pytest.approx(1 - 0.5 * (0.25 + 0.5 + 0.25))


def test_chi_square_by_hand() -> None:
    real = pd.Series(["a"] * 50 + ["b"] * 50)
    synth = pd.Series(["a"] * 60 + ["b"] * 40)
    result = chi_square_test(real, synth)
    # expected 50/50: (10^2 + 10^2) / 50 = 4, one degree of freedom
    assert result["statistic"] == pytest.approx(4.0)
    assert result["p_value"] == pytest.approx(stats.chi2.sf(4.0, 1))
    assert chi_square_test(real, real)["p_value"] == pytest.approx(1.0)


def test_js_distance_range() -> None:
    real = pd.Series(["a", "b"] * 10)
    assert js_distance(real, real) == pytest.approx(0.0)
    assert js_distance(real, pd.Series(["c", "d"] * 10)) == pytest.approx(1.0)
    numbers = pd.Series(np.arange(100.0))
    assert js_distance(numbers, numbers) == pytest.approx(0.0)
    assert js_distance(numbers, numbers + 1000) == pytest.approx(1.0)


def test_wasserstein_is_scaled_by_the_real_range() -> None:
    real = pd.Series(np.linspace(0.0, 10.0, 101))
    assert wasserstein_scaled(real, real + 1.0) == pytest.approx(0.1)
    assert wasserstein_scaled(real, real) == pytest.approx(0.0)


def test_moment_differences() -> None:
    rng = np.random.default_rng(1)
    real = pd.Series(rng.normal(size=2000))
    same = moment_differences(real, real)
    assert all(v == pytest.approx(0.0) for v in same.values())
    doubled = moment_differences(real, 2 * real)
    assert doubled["std"] == pytest.approx(1.0)
    assert doubled["skewness"] == pytest.approx(0.0, abs=1e-9)
    shifted = moment_differences(real, real + np.std(real.to_numpy()))
    assert shifted["mean"] == pytest.approx(1.0)


def test_column_fidelity_picks_the_metric_by_kind() -> None:
    numbers = pd.Series([1.0, 2.0, 3.0, np.nan])
    assert column_fidelity(numbers, numbers, numerical=True)["metric"] == "KS complement"
    labels = pd.Series(["x", "y", None])
    entry = column_fidelity(labels, labels, numerical=False)
    assert entry["metric"] == "TV complement"
    assert entry["shape"] == 1.0
    assert entry["null_share_difference"] == 0.0
