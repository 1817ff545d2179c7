"""Encoders for continuous values: quantile-to-normal, min-max and mode-specific normalisation."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
from scipy.special import ndtr, ndtri

from ..errors import DataError
from .base import Encoder

GRID_SIZE = 1_000
TAIL_SQUEEZE = 4  # each end's excluded share of rows is taken from this many times as much
_GMM_FIT_ROWS = 5_000
_GMM_LARGEST = 1e150  # the mixture squares values: larger ones overflow to inf


def to_normal(u: np.ndarray, n: int) -> np.ndarray:
    """Standard-normal scores of probabilities, clipped half a rank away from 0 and 1."""
    eps = 0.5 / max(n, 2)
    return ndtri(np.clip(u, eps, 1 - eps))


def quantile_grid(n: int, size: int = GRID_SIZE) -> np.ndarray:
    """Probabilities at which to keep quantiles: evenly spaced in normal-score space.

    Even spacing in probability would leave the outermost cell (0.1% of rows for 1,000 points)
    spanning from the 99.9th percentile to the maximum, so a sample would put far too many rows
    between them; spacing in score space makes the outer cells half a rank wide.
    """
    if n <= size:
        return np.linspace(0.0, 1.0, max(n, 2))
    edge = float(ndtri(1 - 0.5 / n))
    return np.concatenate([[0.0], ndtr(np.linspace(-edge, edge, size - 2)), [1.0]])


def tail_probabilities(probs: np.ndarray, n: int, min_count: int, shares: np.ndarray) -> np.ndarray:
    """The probabilities at which to take the quantiles of grid `probs` over `n` values so
    that the `min_count` most extreme values at each end are never reached: a lone outlier
    is not re-emitted, nor the minimum or maximum stored.

    The outer quantiles lie between the `min_count`-th and the next value from each end,
    moved by `shares` (two random shares of a rank, as the bins of `tokens.QuantileBins`);
    the grid's outer `TAIL_SQUEEZE` x that share of each end is squeezed linearly into what
    is left, the rest of the grid is unchanged. `probs` itself for a column too short."""
    k = min_count
    if k < 1 or n < 2 * k + 2:
        return probs
    low, high = (k - 1 + shares[0]) / (n - 1), (n - k - shares[1]) / (n - 1)
    start, stop = min(TAIL_SQUEEZE * low, 0.5), max(1 - TAIL_SQUEEZE * (1 - high), 0.5)
    out = probs.astype(np.float64)
    below, above = probs < start, probs > stop
    out[below] = low + probs[below] / start * (start - low)
    out[above] = high - (1 - probs[above]) / (1 - stop) * (high - stop)
    return out


class QuantileNormal(Encoder):
    """Empirical quantile function: x -> F(x) -> Phi^-1(F(x)), and back by interpolation.

    The learned state is a grid of `GRID_SIZE` quantiles (see `quantile_grid`), not the data,
    so a model file holds no real record: the grid spans the values inside the `min_count`
    most extreme ones at each end (`tail_probabilities`), so samples never come near a
    single row's extreme value. Ties (point masses, integers) get a random probability
    inside their step.
    """

    name = "quantile"
    _state_keys = ("probs_", "quantiles_", "n_")
    options: ClassVar[tuple[str, ...]] = ("min_count",)
    shares_: np.ndarray | None = None  # where the tails end (None: a model saved before)

    def __init__(self, min_count: int = 1):
        self.min_count = min_count

    def _fit(self, values: np.ndarray, rng: np.random.Generator) -> None:
        self.probs_ = quantile_grid(len(values))
        # a child stream: the draws of the caller's other columns stay as they were
        self.shares_ = rng.spawn(1)[0].random(2)
        inner = tail_probabilities(self.probs_, len(values), self.min_count, self.shares_)
        self.quantiles_ = np.quantile(values, inner)
        self.n_ = len(values)

    def get_state(self) -> dict[str, Any]:
        shares = {} if self.shares_ is None else {"shares_": self.shares_}
        return {**super().get_state(), **shares}

    def set_state(self, state: dict[str, Any]) -> Encoder:
        super().set_state(state)
        shares = state.get("shares_")
        self.shares_ = None if shares is None else np.asarray(shares, dtype=np.float64)
        return self

    def probability(self, values: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """F(x): linear between the grid's quantiles; a value equal to grid quantiles (a tie)
        gets a random probability between the first and last of them.

        Speed (the bulk of encoding a large table): one binary search per value; everything
        else is looked up in per-cell tables of the grid (a few thousand entries, in cache)
        and computed in place."""
        q, p = self.quantiles_, self.probs_
        lo = np.searchsorted(q, values, "left")
        # cell k = [q[k], q[k + 1]] of each value (the outer cells for values outside)
        cell = np.clip(lo, 1, len(q) - 1)
        cell -= 1
        x0 = q[:-1]
        span = np.where(q[1:] > x0, q[1:] - x0, 1.0)
        u = np.subtract(values, x0[cell])
        u /= span[cell]
        np.clip(u, 0, 1, out=u)
        u *= (p[1:] - p[:-1])[cell]
        u += p[:-1][cell]
        # tied: the value is a grid quantile, the first of a run of equal ones at `lo`
        at = np.minimum(lo, len(q) - 1)
        tied = q[at] == values
        if tied.any():
            run_end = np.searchsorted(q, q, "right")  # per grid point, past its run of ties
            first, last = p[at], p[run_end - 1][at]
            share = rng.random(len(values)) if rng is not None else np.full(len(values), 0.5)
            u = np.where(tied, first + (last - first) * share, u)
        return u

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return to_normal(self.probability(values, rng), self.n_)[:, None]

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        return np.interp(ndtr(encoded[:, 0]), self.probs_, self.quantiles_)

    def score_bounds(self, value: float) -> tuple[float, float]:
        """One score, or for a value with a step of its own (a point mass) the step's scores."""
        low, high = self.score_intervals(np.array([value], dtype=np.float64))
        return float(low[0]), float(high[0])

    def score_intervals(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        q, p = self.quantiles_, self.probs_
        lo, hi = np.searchsorted(q, values, "left"), np.searchsorted(q, values, "right")
        low = to_normal(self.probability(values, None), self.n_)
        high = low.copy()
        step = hi - lo > 1
        low[step] = to_normal(p[lo[step]], self.n_)
        high[step] = to_normal(p[hi[step] - 1], self.n_)
        return low, high

    def layout(self) -> list[tuple[str, str, int]]:
        return [("value", "normal", 1)]

    def describe(self) -> dict[str, Any]:
        return {"encoder": self.name, "marginal": "empirical", "grid": len(self.probs_)}


class MinMax(Encoder):
    """Linear map of [min, max] onto [-1, 1]."""

    name = "minmax"
    _state_keys = ("low_", "high_")

    def _fit(self, values: np.ndarray, rng: np.random.Generator) -> None:
        self.low_, self.high_ = float(values.min()), float(values.max())

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        span = (self.high_ - self.low_) or 1.0
        return (2 * (values - self.low_) / span - 1)[:, None]

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        span = (self.high_ - self.low_) or 1.0
        return (np.clip(encoded[:, 0], -1, 1) + 1) / 2 * span + self.low_

    def layout(self) -> list[tuple[str, str, int]]:
        return [("value", "tanh", 1)]


class ModeNormal(Encoder):
    """Mode-specific normalisation (Xu et al. 2019): a Bayesian GMM finds up to `max_modes`
    modes; each value becomes a scalar alpha = (x - mu_k) / (4 sigma_k) in [-1, 1] plus a one-hot
    of the mode k drawn from its posterior. The mixture is fitted on at most 5,000 rows (as many
    modes as on 20,000 for diamonds, in a quarter of the time).
    """

    name = "gmm"
    _state_keys = ("means_", "stds_", "weights_")
    max_modes: ClassVar[int] = 10

    def _fit(self, values: np.ndarray, rng: np.random.Generator) -> None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.mixture import BayesianGaussianMixture

        largest = float(np.abs(values).max()) if len(values) else 0.0
        if largest > _GMM_LARGEST:
            raise DataError(
                f"values as large as {largest:.3g} overflow the mixture of modes (gmm: ctgan, "
                "tvae); rescale the column (e.g. to other units) or use the copula"
            )
        rows = values if len(values) <= _GMM_FIT_ROWS else rng.choice(values, _GMM_FIT_ROWS)
        modes = min(self.max_modes, len(np.unique(rows)))
        gmm = BayesianGaussianMixture(
            n_components=modes,
            weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=0.001,
            max_iter=100,
            n_init=1,
            random_state=int(rng.integers(2**31)),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gmm.fit(rows.reshape(-1, 1))
        keep = gmm.weights_ > 0.005
        if not keep.any():
            keep = gmm.weights_ == gmm.weights_.max()
        self.means_ = gmm.means_[keep, 0].astype(np.float64)
        self.stds_ = np.sqrt(gmm.covariances_[keep].reshape(-1)).astype(np.float64)
        self.stds_ = np.maximum(self.stds_, 1e-6 * (np.abs(self.means_) + 1))
        self.weights_ = (gmm.weights_[keep] / gmm.weights_[keep].sum()).astype(np.float64)

    def posterior(self, values: np.ndarray) -> np.ndarray:
        z = (values[:, None] - self.means_) / self.stds_
        log_p = -0.5 * z**2 - np.log(self.stds_) + np.log(self.weights_)
        log_p -= log_p.max(axis=1, keepdims=True)
        p = np.exp(log_p)
        return p / p.sum(axis=1, keepdims=True)

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        post = self.posterior(values)
        cum = post.cumsum(axis=1)
        mode = (rng.random((len(values), 1)) > cum).sum(axis=1).clip(0, len(self.means_) - 1)
        alpha = (values - self.means_[mode]) / (4 * self.stds_[mode])
        out = np.zeros((len(values), 1 + len(self.means_)))
        out[:, 0] = np.clip(alpha, -0.99, 0.99)
        out[np.arange(len(values)), 1 + mode] = 1.0
        return out

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        mode = encoded[:, 1:].argmax(axis=1)
        alpha = np.clip(encoded[:, 0], -1, 1)
        return alpha * 4 * self.stds_[mode] + self.means_[mode]

    def layout(self) -> list[tuple[str, str, int]]:
        return [("value", "tanh", 1), ("mode", "softmax", len(self.means_))]

    def describe(self) -> dict[str, Any]:
        return {"encoder": self.name, "modes": len(self.means_)}
