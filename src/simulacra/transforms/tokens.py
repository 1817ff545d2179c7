"""Encoders that turn every value into a token, for models over discrete tokens.

`QuantileBins` codes a number as the index of its bin, plus its position inside the bin:

- point masses (a value held by at least `max(min_count, n / bins / 2)` rows, such as 0 in a
  debt column or 40 hours a week) are tokens of their own and decode to exactly that value;
- the other values fall into up to `bins` quantile bins and decode to a point inside the bin
  (the position column, which models draw uniformly), so no real value is copied on purpose;
- the outer bin edges are inner quantiles (the `min_count`-th value from each end, moved by a
  random share of a rank): the training minimum and maximum are not stored and never emitted.

`Codes` codes a category (or a null indicator) as its integer code.

Both describe their tokens with `layout`: a "token" block, whose number of tokens is
`tokens`, and for bins a "uniform" block that a model fills with uniform draws.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .base import Encoder

BINS = 64
MIN_COUNT = 5


class QuantileBins(Encoder):
    """Numbers as (token, position in the token's interval); see the module docstring."""

    name = "bins"
    _state_keys = ("masses_", "edges_")
    options: ClassVar[tuple[str, ...]] = ("bins", "min_count")

    def __init__(self, bins: int = BINS, min_count: int = MIN_COUNT):
        self.bins = bins
        self.min_count = min_count

    def _fit(self, values: np.ndarray, rng: np.random.Generator) -> None:
        values = values.astype(np.float64)
        n = len(values)
        unique, counts = np.unique(values, return_counts=True)
        heavy = counts >= max(self.min_count, n / max(self.bins, 1) / 2, 1)
        self.masses_ = unique[heavy]
        rest = np.sort(values[~np.isin(values, self.masses_)])
        if len(rest) >= 2 * self.min_count + 2:
            # the outer edges sit between the k-th and (k+1)-th values from each end
            k = self.min_count
            share = rng.random(2)
            low = rest[k - 1] + share[0] * (rest[k] - rest[k - 1]) if k else rest[0]
            high = rest[-k] - share[1] * (rest[-k] - rest[-k - 1]) if k else rest[-1]
            inner = rest[(rest >= low) & (rest <= high)]
            probs = np.linspace(0.0, 1.0, min(self.bins, max(len(inner) // 2, 1)) + 1)
            edges = np.unique(np.quantile(inner, probs)) if len(inner) else np.array([low, high])
            edges[0], edges[-1] = low, high
            self.edges_ = np.unique(edges)
        else:
            self.edges_ = np.zeros(0)  # too few non-mass values to make a safe bin
        if not len(self.masses_) and len(self.edges_) < 2:
            self.masses_ = np.array([float(np.median(values))])  # a column of a few values

    @property
    def n_bins(self) -> int:
        return max(len(self.edges_) - 1, 0)

    @property
    def tokens(self) -> int:
        return len(self.masses_) + self.n_bins

    def code_of(self, value: float) -> int:
        """The token of one number: its point mass, or the bin it falls in (clipped)."""
        return int(self._codes(np.array([float(value)]))[0])

    def codes_between(self, low: float, high: float) -> dict[int, float]:
        """Point masses inside [low, high] and the bins that overlap it, each with the share
        of its values that lie inside (1 for a mass; the overlap's share of a bin's width,
        since values are uniform inside a bin)."""
        masses = np.flatnonzero((self.masses_ >= low) & (self.masses_ <= high))
        shares = {int(m): 1.0 for m in masses}
        lo, hi = self.edges_[:-1], self.edges_[1:]
        for b in np.flatnonzero((hi >= low) & (lo <= high)):
            width = hi[b] - lo[b]
            inside = min(hi[b], high) - max(lo[b], low)
            share = inside / width if width > 0 else 1.0
            if share > 0 or width == 0:
                shares[len(self.masses_) + int(b)] = float(share)
        return shares or {self.code_of((low + high) / 2): 1.0}

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        values = values.astype(np.float64)
        tokens = self._codes(values)
        position = np.zeros(len(values))
        binned = tokens >= len(self.masses_)
        if binned.any():
            b = tokens[binned] - len(self.masses_)
            lo, hi = self.edges_[b], self.edges_[b + 1]
            width = np.where(hi > lo, hi - lo, 1.0)
            position[binned] = np.clip((values[binned] - lo) / width, 0.0, 1.0)
        return np.column_stack([tokens.astype(np.float64), position])

    def _codes(self, values: np.ndarray) -> np.ndarray:
        tokens = np.full(len(values), -1, dtype=np.int64)
        if len(self.masses_):
            at = np.searchsorted(self.masses_, values).clip(0, len(self.masses_) - 1)
            tokens = np.where(self.masses_[at] == values, at, -1)
        rest = tokens < 0
        if self.n_bins:
            inside = np.searchsorted(self.edges_, values[rest], side="right") - 1
            tokens[rest] = len(self.masses_) + np.clip(inside, 0, self.n_bins - 1)
        elif rest.any():
            nearest = np.abs(values[rest, None] - self.masses_[None, :]).argmin(axis=1)
            tokens[rest] = nearest
        return tokens

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        tokens = np.clip(np.round(encoded[:, 0]).astype(np.int64), 0, self.tokens - 1)
        position = np.clip(encoded[:, 1], 0.0, 1.0)
        out = np.empty(len(encoded))
        mass = tokens < len(self.masses_)
        out[mass] = self.masses_[tokens[mass]]
        if not mass.all():
            b = tokens[~mass] - len(self.masses_)
            lo, hi = self.edges_[b], self.edges_[b + 1]
            out[~mass] = lo + position[~mass] * (hi - lo)
        return out

    def support(self) -> tuple[float, float]:
        """The smallest and largest value this encoder can decode to."""
        ends = [*self.masses_, *self.edges_[:1], *self.edges_[-1:]]
        return float(min(ends)), float(max(ends))

    def layout(self) -> list[tuple[str, str, int]]:
        return [("value", "token", 1), ("position", "uniform", 1)]

    def describe(self) -> dict[str, Any]:
        return {
            "encoder": self.name,
            "point_masses": [round(float(m), 6) for m in self.masses_[:20]],
            "bins": self.n_bins,
            "range": [round(v, 6) for v in self.support()],
        }


class Codes(Encoder):
    """A category code as one token."""

    name = "codes"
    _state_keys = ("size_",)

    def _fit(self, values: np.ndarray, rng: np.random.Generator) -> None:
        self.size_ = int(values.max()) + 1 if len(values) else 1

    def _fit_counts(self, counts: np.ndarray) -> None:
        self.size_ = max(len(counts), 1)

    @property
    def tokens(self) -> int:
        return int(self.size_)

    def code_of(self, value: float) -> int:
        return int(value)

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return values.astype(np.float64)[:, None]

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        return np.clip(np.round(encoded[:, 0]), 0, self.size_ - 1).astype(np.int64)

    def layout(self) -> list[tuple[str, str, int]]:
        return [("value", "token", 1)]

    def describe(self) -> dict[str, Any]:
        return {"encoder": self.name, "tokens": self.tokens}
