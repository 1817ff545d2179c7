"""Levels taken from the discrete Gaussian noise's own tail (`mechanisms.noise_level`): the
whole-number noise of a ledger has a heavier tail than the normal one at small sigma, so levels
set in sigmas from the normal let pure noise through more often than their stated share."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtri

from simulacra.privacy.budget import PrivacyBudget
from simulacra.privacy.ledger import PrivacyLedger
from simulacra.privacy.mechanisms import (
    RANGE_FALSE_SHARE,
    category_threshold,
    dp_range,
    noise_level,
)


def exact_tail(sigma: float, k: int) -> float:
    """P(X >= k) for the discrete Gaussian of scale sigma, summed term by term."""
    values = np.arange(-60 * int(np.ceil(sigma)) - 60, 60 * int(np.ceil(sigma)) + 61)
    weights = np.exp(-(values.astype(np.float64) ** 2) / (2 * sigma**2))
    return float(weights[values >= k].sum() / weights.sum())


@pytest.mark.parametrize("sigma", [0.3, 0.6, 1.0, 3.0, 17.0])
@pytest.mark.parametrize("share", [1e-2, 1e-5, 1e-8])
def test_noise_level_is_the_least_level_noise_reaches_within_its_share(
    sigma: float, share: float
) -> None:
    k = noise_level(sigma, share)
    assert exact_tail(sigma, k) <= share
    assert k == 0 or exact_tail(sigma, k - 1) > share


def test_noise_level_holds_for_the_ledgers_own_noise() -> None:
    ledger = PrivacyLedger(PrivacyBudget(1e6, 1e-5))
    draws = ledger.counts(np.zeros(40_000, np.int64), 0.6, "test")
    k = noise_level(0.6, 0.01)  # 2: P(X >= 2) = 0.003, P(X >= 1) = 0.17
    assert (draws >= k).mean() < 0.01
    assert (draws >= k - 1).mean() > 0.01


def test_a_one_row_category_passes_within_delta_where_the_normal_level_did_not() -> None:
    sigma, delta = 3.0, 1e-5
    # the level set from the normal tail: 1 + sigma * z, which a one-row category (1 + X)
    # passed with probability 1.4e-5, above delta
    normal = 1.0 + sigma * float(ndtri(1 - delta))
    assert exact_tail(sigma, int(np.floor(normal - 1)) + 1) > delta
    threshold = category_threshold(sigma, delta)  # noisy counts above it are kept
    assert exact_tail(sigma, int(np.floor(threshold - 1)) + 1) <= delta


def test_pure_noise_stretches_a_range_within_the_false_share() -> None:
    """At sigma 0.6 the normal level (4.9 sigma = 2.9) let a stray bucket of noise 3 through in
    3.5e-4 of fits, ruining the column (every value read in a bucket near -2^44)."""
    cells = 167  # the buckets of dp_range: zero and +-[2^k, 2^(k+1)) for k in -20..62
    sigma = 0.6
    level = noise_level(sigma, RANGE_FALSE_SHARE / cells)
    assert cells * exact_tail(sigma, level) <= RANGE_FALSE_SHARE

    class Stray:
        """Noise that puts a count just under the level in one far bucket."""

        def __init__(self, value: int) -> None:
            self.sigma, self.value = sigma, value

        def noisy(self, counts: np.ndarray) -> np.ndarray:
            out = np.asarray(counts, np.float64).copy()
            out[5] += self.value
            return out

    values = np.random.default_rng(0).gamma(2.0, 3.0, 200)
    low, high = dp_range(values, Stray(level - 1))
    assert low >= 0 and high <= 64
    low, _ = dp_range(values, Stray(level))
    assert low < -1e10  # at the level itself the bucket counts (its probability is bounded)
