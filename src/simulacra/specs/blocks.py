"""Blocks that make several columns at once: correlated numbers and classification data.

`correlated`: a Gaussian copula. Standard normals with the given correlation matrix (or every pair
at |correlation| = `strength` with random signs) are mapped through each column's marginal
(normal(0, 1) unless given), so the marginals are exact and the rank correlations follow.

`classification`: k classes, each a Gaussian N(mean_k, sd^2 I) in d dimensions, drawn with the
class weights. Class means are the corners of a regular simplex: every pair of means is exactly
`separation` standard deviations apart (needs d >= k - 1; otherwise random means scaled to that
average distance).

A block makes at most MAX_BLOCK_COLUMNS columns and MAX_CLASSES classes, so the matrices it
builds (d x d correlations, k x d class means, k x k distances) stay small.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from ..errors import ParameterError
from .columns import Arrays, Chunk, ColumnSpec, round_values
from .distributions import Distribution, parse_distribution

MAX_BLOCK_COLUMNS = 1_000  # columns of one correlated or classification block
MAX_CLASSES = 1_000  # classes of a classification block


def _names(spec: ColumnSpec, count_key: str) -> list[str]:
    options = spec.options
    if "columns" in options:
        names = options["columns"]
        if not isinstance(names, list) or not names or not all(isinstance(c, str) for c in names):
            raise ParameterError(f"{spec.where}: 'columns' must be a non-empty list of names")
        if len(set(names)) != len(names):
            raise ParameterError(f"{spec.where}: 'columns' repeats a name")
        if len(names) > MAX_BLOCK_COLUMNS:
            raise ParameterError(
                f"{spec.where}: {len(names):,} columns, more than the limit of "
                f"{MAX_BLOCK_COLUMNS:,}"
            )
        if count_key in options and options[count_key] != len(names):
            raise ParameterError(f"{spec.where}: '{count_key}' does not match 'columns'")
        return list(names)
    count = spec.number(count_key, low=1, high=MAX_BLOCK_COLUMNS, integer=True)
    if count is None:
        raise ParameterError(f"{spec.where}: give 'columns' (names) or '{count_key}' and 'prefix'")
    prefix = str(options.get("prefix", "x"))
    return [f"{prefix}{i}" for i in range(int(count))]


class CorrelatedSpec(ColumnSpec):
    """Numerical columns with a correlation matrix and per-column marginals."""

    type = "correlated"
    optional = frozenset(
        {"columns", "count", "prefix", "correlation", "strength", "marginals", "round"}
    )

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        super().__init__(name, options)
        self.names = _names(self, "count")
        d = len(self.names)
        if ("correlation" in options) == ("strength" in options):
            raise ParameterError(f"{self.where}: give exactly one of 'correlation' or 'strength'")
        self.matrix = self._matrix(d) if "correlation" in options else None
        self.strength = self.number("strength", low=0.0, high=0.999)
        self.digits = self.number("round", low=0, high=15, integer=True)
        marginals = options.get("marginals", {})
        if not isinstance(marginals, Mapping):
            raise ParameterError(f"{self.where}: 'marginals' maps column names to distributions")
        unknown = sorted(set(marginals) - set(self.names))
        if unknown:
            raise ParameterError(f"{self.where}: marginal for unknown column '{unknown[0]}'")
        self.marginals: dict[str, Distribution] = {}
        for col, spec in marginals.items():
            if not isinstance(spec, Mapping) or spec.get("distribution") == "mixture":
                raise ParameterError(f"column '{col}': a marginal is a distribution (not mixture)")
            low, high = spec.get("min"), spec.get("max")
            params = {k: v for k, v in spec.items() if k not in ("min", "max")}
            self.marginals[col] = parse_distribution(params, f"column '{col}'", low, high)

    def _matrix(self, d: int) -> np.ndarray:
        try:
            matrix = np.asarray(self.options["correlation"], dtype=float)
        except (TypeError, ValueError) as exc:
            raise ParameterError(
                f"{self.where}: 'correlation' must be a matrix of numbers"
            ) from exc
        if matrix.shape != (d, d):
            raise ParameterError(
                f"{self.where}: correlation must be {d} x {d}, not "
                f"{' x '.join(map(str, matrix.shape))}"
            )
        if not np.allclose(matrix, matrix.T) or not np.allclose(np.diag(matrix), 1.0):
            raise ParameterError(
                f"{self.where}: correlation must be symmetric with 1 on the diagonal"
            )
        if np.abs(matrix).max() > 1 or np.linalg.eigvalsh(matrix).min() < -1e-9:
            raise ParameterError(f"{self.where}: correlation matrix is not positive semi-definite")
        return matrix

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(self.names)

    def correlation(self, rng: np.random.Generator) -> np.ndarray:
        """The matrix used: given, or strength * s_i * s_j off the diagonal with random signs."""
        if self.matrix is not None:
            return self.matrix
        signs = rng.choice([-1.0, 1.0], size=len(self.names))
        matrix = (self.strength or 0.0) * np.outer(signs, signs)
        np.fill_diagonal(matrix, 1.0)
        return matrix

    def setup(self, rng: np.random.Generator, total: int) -> Any:
        """A square root of the correlation matrix (with its random signs drawn once)."""
        w, v = np.linalg.eigh(self.correlation(rng))
        return v * np.sqrt(np.clip(w, 0.0, None))

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        z = chunk.rng.standard_normal((chunk.n, len(self.names))) @ chunk.state.T
        out: Arrays = {}
        for j, name in enumerate(self.names):
            if name in self.marginals:
                dist = self.marginals[name]
                frozen = dist.frozen()
                lo, hi = dist._cdf_range(frozen)
                u = lo + (hi - lo) * stats.norm.cdf(z[:, j])
                column = np.asarray(frozen.ppf(u))
                column = column.astype(np.int64) if dist.discrete else column
            else:
                column = z[:, j]
            out[name] = round_values(column, self.digits)
        return out


class ClassificationSpec(ColumnSpec):
    """`features` Gaussian columns and a `label` column with `classes` classes."""

    type = "classification"
    optional = frozenset(
        {"columns", "features", "prefix", "label", "classes", "separation", "weights", "sd"}
    )

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        super().__init__(name, options)
        self.names = _names(self, "features")
        self.label = str(options.get("label", "label"))
        if self.label in self.names:
            raise ParameterError(f"{self.where}: label '{self.label}' is also a feature name")
        self.k = int(self.number("classes", 2, low=2, high=MAX_CLASSES, integer=True) or 2)
        self.separation = float(self.number("separation", 3.0, low=0.0) or 0.0)
        self.sd = float(self.number("sd", 1.0, low=1e-12) or 1.0)
        weights = options.get("weights", [1.0] * self.k)
        if (
            not isinstance(weights, list)
            or len(weights) != self.k
            or any(isinstance(w, bool) or not isinstance(w, int | float) or w < 0 for w in weights)
            or sum(weights) <= 0
        ):
            raise ParameterError(f"{self.where}: 'weights' must be {self.k} numbers >= 0")
        self.weights = np.asarray(weights, dtype=float) / float(sum(weights))

    @property
    def outputs(self) -> tuple[str, ...]:
        return (*self.names, self.label)

    def class_means(self, rng: np.random.Generator) -> np.ndarray:
        """A (classes x features) matrix: each pair of rows `separation * sd` apart."""
        d = len(self.names)
        if d >= self.k:
            basis, _ = np.linalg.qr(rng.standard_normal((d, self.k)))
            means = basis.T
        elif d >= self.k - 1:
            basis, _ = np.linalg.qr(rng.standard_normal((d, self.k - 1)))
            corners = np.vstack(
                [np.eye(self.k - 1), np.full(self.k - 1, (1 - np.sqrt(self.k)) / (self.k - 1))]
            )
            means = corners @ basis.T
        else:
            means = rng.standard_normal((self.k, d))
        means = means - means.mean(axis=0)
        # the distances of each pair i < j, a row at a time (all at once would take k x k x d)
        gaps = [np.linalg.norm(means[i] - means[i + 1 :], axis=-1) for i in range(self.k - 1)]
        mean_gap = np.concatenate(gaps).mean()
        return means * (self.separation * self.sd / mean_gap if mean_gap > 0 else 0.0)

    def setup(self, rng: np.random.Generator, total: int) -> Any:
        return self.class_means(rng)

    def generate(self, values: Arrays, chunk: Chunk) -> Arrays:
        n, rng = chunk.n, chunk.rng
        labels = rng.choice(self.k, size=n, p=self.weights)
        x = chunk.state[labels] + rng.normal(0.0, self.sd, (n, len(self.names)))
        out: Arrays = {name: x[:, j] for j, name in enumerate(self.names)}
        out[self.label] = labels.astype(np.int64)
        return out
