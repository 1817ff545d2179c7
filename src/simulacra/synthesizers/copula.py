"""The Gaussian-copula synthesizer (the reference paper's method).

1. Statistical analysis: every modelled column is mapped to a standard-normal score through its
   marginal (empirical quantile function, or the best parametric family by KS statistic);
   categories through frequency intervals.
2. Dependence: the correlation matrix of the normal scores, projected to the nearest positive
   definite matrix.
3. Sampling: correlated normals through the Cholesky factor, then back through each marginal.
4. Conditions: numerical values are conditioned on exactly (Gaussian conditioning); a category
   restricts its score to the category's interval, sampled as a truncated normal, so every row
   meets the condition without rejection. Several categories are sampled one after the other
   and importance-resampled to the joint truncated normal. A number that is a point mass of
   its column (a tied value) is a box like a category. The boxes and scores come from
   `TableTransformer.encode_conditions`; the copula reads no encoder.
5. Imputation: each row's missing cells drawn given its present ones, which may differ from row
   to row (`copula_fill.py`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from ..errors import ConditionError
from ..params import OneOf, Param
from ..transforms.conditions import Conditions
from .base import Synthesizer
from .copula_fill import fill

if TYPE_CHECKING:
    from ..metadata import Metadata
    from ..transforms import TableTransformer

_RIDGE = 1e-6


def check_correlation(matrix: np.ndarray, width: int) -> None:
    """Raise ValueError unless `matrix` is a finite, symmetric, positive definite correlation
    matrix of side `width` (a model file could hold anything)."""
    if matrix.shape != (width, width):
        raise ValueError(f"correlation matrix of shape {matrix.shape}, expected {width} x {width}")
    if width == 0:
        return
    if not np.isfinite(matrix).all() or not np.allclose(matrix, matrix.T):
        raise ValueError("correlation matrix is not finite and symmetric")
    if not np.allclose(np.diag(matrix), 1.0):
        raise ValueError("correlation matrix has a diagonal other than 1")
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError as exc:
        raise ValueError("correlation matrix is not positive definite") from exc


def nearest_correlation(matrix: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """The matrix with eigenvalues raised to `floor`, rescaled to unit diagonal."""
    sym = (matrix + matrix.T) / 2
    values, vectors = np.linalg.eigh(sym)
    fixed = (vectors * np.maximum(values, floor)) @ vectors.T
    scale = np.sqrt(np.diag(fixed))
    out = fixed / np.outer(scale, scale)
    np.fill_diagonal(out, 1.0)
    return out


class GaussianCopula(Synthesizer):
    """Parametric or empirical marginals joined by a Gaussian copula."""

    name = "copula"
    tags = frozenset({"summaries", "impute"})
    marginals = Param(
        "empirical",
        OneOf(("empirical", "parametric")),
        "each number's marginal: empirical quantiles or the best parametric family",
    )

    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        return {"marginals": ["empirical", "parametric"]}

    def _transformer_params(self) -> dict[str, Any]:
        continuous = "quantile" if self.marginals == "empirical" else "parametric"
        return {"continuous": continuous, "discrete": "frequency"}

    def _fit_encoded(self, data: np.ndarray, rng: np.random.Generator) -> None:
        self.means_ = data.mean(axis=0)
        self.stds_ = data.std(axis=0)
        if data.shape[1] == 0:
            self.correlation_ = np.zeros((0, 0))
            return
        std = np.where(self.stds_ > 0, self.stds_, 1.0)
        scores = (data - self.means_) / std
        corr = (scores.T @ scores) / len(scores)
        self.correlation_ = nearest_correlation(np.nan_to_num(corr))

    def fit_moments(
        self,
        metadata: Metadata,
        transformer: TableTransformer,
        moments: tuple[np.ndarray, np.ndarray, np.ndarray],
        rows: int,
        started: float | None = None,
    ) -> GaussianCopula:
        """Take a fitted `transformer` and the means, standard deviations and correlation of
        the encoded rows computed elsewhere (the Dask engine merges them from per-partition
        partial sums, `scale.fitting`): the same state as `fit`, without the rows. Returns
        self."""
        self._check_params()
        self.metadata_, self.transformer_ = metadata, transformer
        self.means_, self.stds_, corr = moments
        width = len(self.means_)
        self.correlation_ = nearest_correlation(np.nan_to_num(corr)) if width else np.zeros((0, 0))
        seconds = round(time.perf_counter() - (started or time.perf_counter()), 3)
        self.fit_info_ = {"rows": rows, "seconds": seconds}
        self._calls = 0
        return self

    def _sample_encoded(
        self, n: int, conditions: Conditions, rng: np.random.Generator
    ) -> np.ndarray:
        d = self.correlation_.shape[0]
        out = np.empty((n, d))
        fixed = self._fixed_scores(conditions)
        boxes = self._boxes(conditions)
        free = [j for j in range(d) if j not in fixed and j not in boxes]
        if fixed:
            idx = list(fixed)
            out[:, idx] = np.array([fixed[j] for j in idx])
        known = list(fixed)
        weights = np.ones(n)
        for j, (lo, hi) in boxes.items():
            mean, var = self._conditional(known, [j], out[:, known])
            sd = np.sqrt(max(var[0, 0], _RIDGE))
            a, b = ndtr((lo - mean[:, 0]) / sd), ndtr((hi - mean[:, 0]) / sd)
            u = a + (b - a) * rng.random(n)
            out[:, j] = mean[:, 0] + sd * ndtri(np.clip(u, 1e-12, 1 - 1e-12))
            weights *= b - a
            known.append(j)
        if len(boxes) > 1:
            # Each box was sampled given the earlier ones; weighting rows by the probability
            # of the later boxes and resampling turns that into the joint truncated normal.
            if not weights.sum() > 0:
                raise ConditionError("these category conditions never occur together")
            keep = rng.choice(n, n, p=weights / weights.sum())
            out[:, known] = out[keep][:, known]
        if free:
            mean, cov = self._conditional(known, free, out[:, known])
            chol = np.linalg.cholesky(cov + _RIDGE * np.eye(len(free)))
            out[:, free] = mean + rng.standard_normal((n, len(free))) @ chol.T
        return out

    def impute(
        self, table: pd.DataFrame, seed: int | None = None, *, nulls: bool = False
    ) -> pd.DataFrame:
        """`table` with its missing cells of modelled columns filled, each drawn from the
        copula's conditional given the rest of its row (`copula_fill.py`); cells that are
        present stay as they are. Same seed, same values. A filled cell is never empty unless
        `nulls` (then empty as often as the model says)."""
        self._check_fitted()
        missing = self._missing_cells(table)
        never = () if nulls else list(missing)
        decoded = fill(self, table, missing, self._impute_rng(seed), never)
        return self._filled(table, decoded, missing)

    def _conditional(
        self, known: list[int], target: list[int], values: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean (rows x target) and covariance of target scores given known scores."""
        sigma = self.correlation_
        n = values.shape[0]
        if not known:
            return np.zeros((n, len(target))), sigma[np.ix_(target, target)]
        s_kk = sigma[np.ix_(known, known)] + _RIDGE * np.eye(len(known))
        s_tk = sigma[np.ix_(target, known)]
        weights = np.linalg.solve(s_kk, s_tk.T).T
        mean = values @ weights.T
        cov = sigma[np.ix_(target, target)] - weights @ s_tk.T
        return mean, (cov + cov.T) / 2

    @staticmethod
    def _fixed_scores(conditions: Conditions) -> dict[int, float]:
        """Normal scores that conditions fix exactly (numbers inside a continuous stretch)."""
        return {
            c.start: c.bounds[0]
            for c in conditions
            if c.bounds is not None and c.bounds[0] == c.bounds[1]
        }

    @staticmethod
    def _boxes(conditions: Conditions) -> dict[int, tuple[float, float]]:
        """Score intervals that conditions require (categories, and numbers with a point mass)."""
        return {
            c.start: c.bounds
            for c in conditions
            if c.bounds is not None and c.bounds[0] != c.bounds[1]
        }

    def _get_model_state(self) -> dict[str, Any]:
        return {"correlation": self.correlation_, "means": self.means_, "stds": self.stds_}

    def _set_model_state(self, state: dict[str, Any]) -> None:
        self.correlation_ = np.asarray(state["correlation"], dtype=np.float64)
        self.means_ = np.asarray(state["means"], dtype=np.float64)
        self.stds_ = np.asarray(state["stds"], dtype=np.float64)
        check_correlation(self.correlation_, self.transformer_.width_)

    def _describe(self) -> dict[str, Any]:
        names = [
            b.column + ("" if b.role == "value" else f"[{b.role}]")
            for b in self.transformer_.blocks_
        ]
        return {
            "correlation_columns": names,
            "correlation": np.round(self.correlation_, 3).tolist(),
        }
