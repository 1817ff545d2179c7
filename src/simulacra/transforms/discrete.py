"""Encoders for category codes: frequency intervals (for the copula) and one-hot (for networks)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtr

from .base import Encoder
from .continuous import to_normal


class FrequencyNormal(Encoder):
    """Each category owns an interval of [0, 1] as wide as its frequency; a value becomes a
    uniform draw inside its interval, mapped to a normal score. Decoding finds the interval.
    """

    name = "frequency"
    _state_keys = ("bounds_", "n_")

    def _fit(self, values: np.ndarray, rng: np.random.Generator) -> None:
        self._fit_counts(np.bincount(values.astype(np.int64), minlength=int(values.max()) + 1))

    def _fit_counts(self, counts: np.ndarray) -> None:
        self.bounds_ = np.concatenate([[0.0], np.cumsum(counts) / counts.sum()])
        self.n_ = int(round(float(counts.sum())))

    def score_bounds(self, value: float) -> tuple[float, float]:
        """The normal-score interval of the category coded `value`."""
        code = int(value)
        lo, hi = self.bounds_[code], self.bounds_[code + 1]
        return float(to_normal(np.array([lo]), self.n_)[0]), float(
            to_normal(np.array([hi]), self.n_)[0]
        )

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        codes = values.astype(np.int64)
        lo, hi = self.bounds_[codes], self.bounds_[codes + 1]
        return to_normal(lo + (hi - lo) * rng.random(len(codes)), self.n_)[:, None]

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        u = ndtr(encoded[:, 0])
        codes = np.searchsorted(self.bounds_, u, side="right") - 1
        return np.clip(codes, 0, len(self.bounds_) - 2)

    def layout(self) -> list[tuple[str, str, int]]:
        return [("value", "normal", 1)]


class OneHot(Encoder):
    """One column per category code."""

    name = "onehot"
    _state_keys = ("size_",)

    def _fit(self, values: np.ndarray, rng: np.random.Generator) -> None:
        self.size_ = int(values.max()) + 1

    def _fit_counts(self, counts: np.ndarray) -> None:
        self.size_ = len(counts)

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = np.zeros((len(values), self.size_))
        out[np.arange(len(values)), values.astype(np.int64)] = 1.0
        return out

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        return encoded.argmax(axis=1)

    def layout(self) -> list[tuple[str, str, int]]:
        return [("value", "softmax", self.size_)]

    def describe(self) -> dict[str, Any]:
        return {"encoder": self.name, "width": self.size_}
