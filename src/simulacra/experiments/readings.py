"""What the paper's reported figures imply: closed forms for its data-generating processes.

These functions say which reading of the paper's text would produce its numbers. They are
computed, not assumed, and the reproduction checks them against measured runs.
"""

from __future__ import annotations

import math

import numpy as np

from .. import seeding

# y = 2 x0 + 3 x1 - x2 with independent N(0, 1) features: Var(2 x0 + 3 x1 - x2) = 4 + 9 + 1.
SIGNAL_VARIANCE = 14.0
_GAUSS_MAE = math.sqrt(2.0 / math.pi)  # E|e| / sd for Gaussian e


def binary_accuracy_with_label_noise(sd: float) -> float:
    """Bayes accuracy when the label is (x0 + x1 + e > 0), e ~ N(0, sd^2), x ~ N(0, I).

    s = x0 + x1 ~ N(0, 2); P(sign(s) != sign(s + e)) = arccos(corr(s, s + e)) / pi
    = arctan(sd / sqrt(2)) / pi. Range (0.5, 1].
    """
    return 1.0 - math.atan(sd / math.sqrt(2.0)) / math.pi


def label_noise_sd_for_accuracy(accuracy: float) -> float:
    """The noise sd inside the label that caps accuracy at `accuracy` (inverse of the above)."""
    return math.sqrt(2.0) * math.tan(math.pi * (1.0 - accuracy))


def flip_rate_for_accuracy(clean_accuracy: float, accuracy: float) -> float:
    """Share of randomly flipped test labels that turns `clean_accuracy` into `accuracy`.

    observed = (1 - p) * clean + p * (1 - clean)  =>  p = (clean - observed) / (2 clean - 1).
    """
    return (clean_accuracy - accuracy) / (2.0 * clean_accuracy - 1.0)


def regression_expectation(sd: float, n_train: int, features: int = 10) -> dict[str, float]:
    """Expected test R2, MSE and MAE of OLS (with intercept) for y = 2x0 + 3x1 - x2 + N(0, sd^2).

    Out-of-sample MSE of OLS with Gaussian features: sd^2 (1 + p / (n - p - 1)), p = features;
    R2 = 1 - MSE / (14 + sd^2); MAE = sqrt(2 / pi) sqrt(MSE) for Gaussian residuals.
    """
    mse = sd**2 * (1.0 + features / (n_train - features - 1))
    return {
        "r2": 1.0 - mse / (SIGNAL_VARIANCE + sd**2),
        "mse": mse,
        "mae": _GAUSS_MAE * math.sqrt(mse),
    }


def noise_sd_for_mse(mse: float, n_train: int, features: int = 10) -> float:
    """The noise sd whose expected OLS test MSE is `mse`."""
    return math.sqrt(mse / (1.0 + features / (n_train - features - 1)))


def noise_sd_for_r2(r2: float, n_train: int, features: int = 10) -> float:
    """The noise sd whose expected OLS test R2 is `r2` (solves 1 - c s^2 / (14 + s^2) = r2)."""
    c = 1.0 + features / (n_train - features - 1)
    return math.sqrt(SIGNAL_VARIANCE * (1.0 - r2) / (c - (1.0 - r2)))


def noise_sd_for_mae(mae: float, n_train: int, features: int = 10) -> float:
    """The noise sd whose expected OLS test MAE is `mae`."""
    return noise_sd_for_mse((mae / _GAUSS_MAE) ** 2, n_train, features)


def simplex_bayes_accuracy(
    separation: float, classes: int, draws: int = 200_000, seed: int = 0
) -> float:
    """Bayes accuracy for equally likely classes N(m_k, I) whose means are all `separation` apart.

    Estimated by Monte Carlo in the classes-dimensional span of the means (other dimensions carry
    no information). Range [1 / classes, 1].
    """
    rng = seeding.rng(seed, "experiments", 0)
    means = np.eye(classes) * separation / math.sqrt(2.0)
    labels = rng.integers(0, classes, draws)
    x = means[labels] + rng.standard_normal((draws, classes))
    nearest = ((x[:, None, :] - means[None, :, :]) ** 2).sum(-1).argmin(1)
    return float((nearest == labels).mean())


def separation_for_bayes_accuracy(accuracy: float, classes: int) -> float:
    """The class-mean separation (in sd) at which the Bayes accuracy equals `accuracy`."""
    low, high = 0.0, 20.0
    for _ in range(30):
        mid = (low + high) / 2
        if simplex_bayes_accuracy(mid, classes, draws=40_000) < accuracy:
            low = mid
        else:
            high = mid
    return (low + high) / 2
