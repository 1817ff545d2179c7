"""Shared pieces of the reversible transforms: output blocks and the encoder interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np


@dataclass(frozen=True)
class Block:
    """A run of encoded columns that belongs to one table column.

    `role` is "value" (the column's value), "mode" (a mode indicator of a mode-specific
    normaliser) or "null" (a missing-value indicator). `activation` tells a neural model how to
    produce it: "normal" (a standard-normal score), "tanh" (a scalar in [-1, 1]) or "softmax"
    (a one-hot group). `discrete` marks a categorical column's own one-hot group, the groups a
    conditional vector may select.
    """

    column: str
    role: str
    activation: str
    start: int
    width: int
    discrete: bool = False

    @property
    def stop(self) -> int:
        return self.start + self.width


class Encoder:
    """Maps one column's numbers (floats or category codes) to model space and back.

    Subclasses implement `_fit`, `encode` and `decode`, list their learned attributes in
    `_state_keys`, and describe their output with `layout()`.
    """

    name: ClassVar[str]
    _state_keys: ClassVar[tuple[str, ...]] = ()

    def fit(self, values: np.ndarray, rng: np.random.Generator) -> Encoder:
        self._fit(np.asarray(values), rng)
        return self

    def _fit(self, values: np.ndarray, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def fit_counts(self, counts: np.ndarray) -> Encoder:
        """Fit an encoder of category codes from how many rows hold each code (code k:
        `counts[k]` rows), the same as fitting it on those codes (`statistics.py`)."""
        self._fit_counts(np.asarray(counts, dtype=np.float64))
        return self

    def _fit_counts(self, counts: np.ndarray) -> None:
        raise NotImplementedError(f"the {self.name} encoder takes values, not code counts")

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def code_of(self, value: float) -> int | None:
        """The token of `value` for encoders that code values as tokens; None otherwise."""
        return None

    def codes_between(self, low: float, high: float) -> dict[int, float] | None:
        """For token encoders, each token whose values can fall in [low, high] with the share
        of its values that do; None for other encoders."""
        return None

    def support(self) -> tuple[float, float] | None:
        """The range of values the encoder decodes to, when it keeps the data's own extremes
        private; None when the column's observed minimum and maximum are used."""
        return None

    def score_bounds(self, value: float) -> tuple[float, float] | None:
        """The interval of encoded scores that decode to `value` (a number or a category
        code), for encoders with one output column; None for wider ones."""
        return None

    def score_intervals(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """`score_bounds` of each of `values`: their lower ends and their upper ends; None for
        encoders wider than one column."""
        unique, where = np.unique(values, return_inverse=True)
        bounds = [self.score_bounds(value) for value in unique]
        if any(b is None for b in bounds):
            return None
        ends = np.array(bounds, dtype=np.float64).reshape(len(unique), 2)
        return ends[where.ravel(), 0], ends[where.ravel(), 1]

    def layout(self) -> list[tuple[str, str, int]]:
        """(role, activation, width) of each output block."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"encoder": self.name}

    def get_state(self) -> dict[str, Any]:
        return {"encoder": self.name, **{k: getattr(self, k) for k in self._state_keys}}

    def set_state(self, state: dict[str, Any]) -> Encoder:
        for key in self._state_keys:
            setattr(self, key, state[key])
        return self

    @property
    def width(self) -> int:
        return sum(w for _, _, w in self.layout())
