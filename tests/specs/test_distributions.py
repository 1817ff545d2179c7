"""Every distribution's samples against its scipy.stats definition (KS test), bounds, errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulacra.errors import ParameterError
from simulacra.specs.distributions import parse_distribution

N = 20_000
CONTINUOUS = [
    ({"distribution": "normal", "mean": 3.0, "sd": 2.0}, stats.norm(3.0, 2.0)),
    ({"distribution": "uniform", "low": -1.0, "high": 4.0}, stats.uniform(-1.0, 5.0)),
    ({"distribution": "lognormal", "mean": 1.0, "sigma": 0.5}, stats.lognorm(0.5, scale=np.e)),
    ({"distribution": "gamma", "shape": 2.5, "scale": 3.0}, stats.gamma(2.5, scale=3.0)),
    ({"distribution": "beta", "a": 2.0, "b": 5.0}, stats.beta(2.0, 5.0)),
    ({"distribution": "exponential", "scale": 4.0}, stats.expon(scale=4.0)),
]
DISCRETE = [
    ({"distribution": "poisson", "lam": 3.5}, stats.poisson(3.5)),
    ({"distribution": "binomial", "n": 12, "p": 0.3}, stats.binom(12, 0.3)),
    ({"distribution": "integers", "low": 1, "high": 6}, stats.randint(1, 7)),
]


@pytest.mark.parametrize(("spec", "reference"), CONTINUOUS, ids=lambda v: str(v)[:30])
def test_continuous_samples_pass_ks_against_scipy(spec: dict, reference: object) -> None:
    sample = parse_distribution(spec, "x").sample(np.random.default_rng(0), N)
    assert stats.kstest(sample, reference.cdf).pvalue > 0.001  # type: ignore[attr-defined]


@pytest.mark.parametrize(("spec", "reference"), DISCRETE, ids=lambda v: str(v)[:30])
def test_discrete_samples_match_scipy_pmf(spec: dict, reference: object) -> None:
    sample = parse_distribution(spec, "x").sample(np.random.default_rng(0), N)
    assert sample.dtype == np.int64
    values, counts = np.unique(sample, return_counts=True)
    expected = reference.pmf(values) * N  # type: ignore[attr-defined]
    keep = expected >= 5
    chi2 = stats.chisquare(counts[keep], expected[keep] * counts[keep].sum() / expected[keep].sum())
    assert chi2.pvalue > 0.001
    # and the empirical CDF never strays far from scipy's (a discrete KS distance)
    grid = np.arange(values.min(), values.max() + 1)
    ecdf = np.searchsorted(np.sort(sample), grid, side="right") / N
    assert np.abs(ecdf - reference.cdf(grid)).max() < 0.02  # type: ignore[attr-defined]


def test_gaussian_mixture_passes_ks_against_its_cdf() -> None:
    comps = [{"weight": 0.3, "mean": -2.0, "sd": 0.5}, {"weight": 0.7, "mean": 3.0, "sd": 1.5}]
    dist = parse_distribution({"distribution": "mixture", "components": comps}, "x")
    sample = dist.sample(np.random.default_rng(0), N)

    def cdf(x: np.ndarray) -> np.ndarray:
        return 0.3 * stats.norm.cdf(x, -2.0, 0.5) + 0.7 * stats.norm.cdf(x, 3.0, 1.5)

    assert stats.kstest(sample, cdf).pvalue > 0.001


@pytest.mark.parametrize(("spec", "reference"), CONTINUOUS[:4], ids=lambda v: str(v)[:30])
def test_bounds_truncate_to_the_conditional_distribution(spec: dict, reference: object) -> None:
    ref = reference  # scipy frozen distribution
    low, high = ref.ppf(0.2), ref.ppf(0.9)  # type: ignore[attr-defined]
    sample = parse_distribution(spec, "x", low, high).sample(np.random.default_rng(0), N)
    assert sample.min() >= low and sample.max() <= high

    def truncated_cdf(x: np.ndarray) -> np.ndarray:
        return (ref.cdf(x) - 0.2) / 0.7  # type: ignore[attr-defined]

    assert stats.kstest(sample, truncated_cdf).pvalue > 0.001


def test_truncated_discrete_and_mixture_stay_in_bounds() -> None:
    rng = np.random.default_rng(0)
    poisson = parse_distribution({"distribution": "poisson", "lam": 4}, "x", 2, 6).sample(rng, N)
    assert poisson.min() == 2 and poisson.max() == 6
    comps = [{"weight": 1, "mean": 0, "sd": 1}, {"weight": 1, "mean": 5, "sd": 1}]
    mixture = parse_distribution({"distribution": "mixture", "components": comps}, "x", 0, 5)
    values = mixture.sample(rng, N)
    assert values.min() >= 0 and values.max() <= 5 and len(values) == N


@pytest.mark.parametrize(
    ("spec", "low", "high", "message"),
    [
        ({"distribution": "cauchy"}, None, None, "unknown distribution 'cauchy'"),
        ({"distribution": "normal", "mu": 1}, None, None, "unknown parameter 'mu' for normal"),
        ({"distribution": "normal", "sd": -1}, None, None, "'sd' must be > 0"),
        ({"distribution": "gamma"}, None, None, "gamma needs parameter 'shape'"),
        ({"distribution": "binomial", "n": 2.5, "p": 0.5}, None, None, "an integer >= 0"),
        ({"distribution": "uniform", "low": 2, "high": 1}, None, None, "low <= high"),
        ({"distribution": "normal"}, 3, 1, "min 3 is greater than max 1"),
        ({"distribution": "beta", "a": 2, "b": 2}, 2, None, "impossible bounds"),
        ({"distribution": "poisson", "lam": 2}, -5, -1, "impossible bounds"),
        ({"distribution": "mixture"}, None, None, "non-empty list 'components'"),
        ({"distribution": "mixture", "components": [{"mean": 0, "sd": 0}]}, None, None, "> 0"),
    ],
)
def test_invalid_distributions_name_the_problem(
    spec: dict, low: float | None, high: float | None, message: str
) -> None:
    with pytest.raises(ParameterError, match="column 'x'") as info:
        parse_distribution(spec, "column 'x'", low, high)
    assert message in str(info.value)
