"""A gradient-boosted tree classifier that a model file can hold: scikit-learn's
HistGradientBoostingClassifier fits it, and its trees are kept as plain arrays (the split
feature, threshold, side of missing values and children of every node, the value of every
leaf), which `logits` walks with numpy. No pickle: the arrays go to safetensors like any
model's weights, and loading cannot run code.

Features are numbers (NaN for missing): categories come as their codes, so every split is a
threshold; `tests/synthesizers/test_forest.py` checks the walk against scikit-learn's own
prediction.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_FIELDS = ("feature", "threshold", "missing_left", "left", "right", "leaf", "value")


class Forest:
    """Boosted trees as arrays: `logits(X)` = baseline + the sum of every tree's leaf value."""

    def __init__(self, arrays: dict[str, np.ndarray], baseline: float) -> None:
        self.arrays = arrays
        self.baseline = float(baseline)

    @classmethod
    def fit(
        cls, X: np.ndarray, y: np.ndarray, *, iterations: int, seed: int, **options: Any
    ) -> Forest:
        """Fit scikit-learn's boosted trees on `X` (rows x features) and labels `y` (0/1)."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(
            max_iter=iterations, random_state=seed % 2**32, early_stopping=False, **options
        ).fit(X, y)
        return cls.from_sklearn(model)

    @classmethod
    def from_sklearn(cls, model: Any) -> Forest:
        trees = [predictors[0].nodes for predictors in model._predictors]
        starts = np.cumsum([0, *(len(t) for t in trees)])
        nodes = np.concatenate(trees) if trees else np.zeros(0, dtype=_node_dtype())
        offset = np.repeat(starts[:-1], [len(t) for t in trees])
        arrays = {
            "feature": nodes["feature_idx"].astype(np.int64),
            "threshold": nodes["num_threshold"].astype(np.float64),
            "missing_left": nodes["missing_go_to_left"].astype(np.bool_),
            "left": nodes["left"].astype(np.int64) + offset,
            "right": nodes["right"].astype(np.int64) + offset,
            "leaf": nodes["is_leaf"].astype(np.bool_),
            "value": nodes["value"].astype(np.float64),
            "roots": starts[:-1].astype(np.int64),
        }
        return cls(arrays, float(np.ravel(model._baseline_prediction)[0]))

    def logits(self, X: np.ndarray) -> np.ndarray:
        """The log-odds of label 1 for each row of `X`."""
        a = self.arrays
        X = np.asarray(X, dtype=np.float64)
        inner = a["feature"][~a["leaf"]]
        if len(inner) and inner.max() >= X.shape[1]:
            raise ValueError(f"the forest reads feature {inner.max()} of {X.shape[1]}")
        out = np.full(len(X), self.baseline)
        rows = np.arange(len(X))
        for root in a["roots"]:
            node = np.full(len(X), root, dtype=np.int64)
            active = ~a["leaf"][node]
            while active.any():
                at = node[active]
                x = X[rows[active], a["feature"][at]]
                go_left = np.where(np.isnan(x), a["missing_left"][at], x <= a["threshold"][at])
                node[active] = np.where(go_left, a["left"][at], a["right"][at])
                active = ~a["leaf"][node]
            out += a["value"][node]
        return out

    def state(self) -> dict[str, Any]:
        return {**{k: self.arrays[k] for k in (*_FIELDS, "roots")}, "baseline": self.baseline}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Forest:
        arrays = {k: np.asarray(state[k]) for k in (*_FIELDS, "roots")}
        n = len(arrays["feature"])
        if any(len(arrays[k]) != n for k in _FIELDS):
            raise ValueError("forest arrays of different lengths")
        index = np.arange(n)
        # children come after their parent inside the arrays: every walk ends
        forward = (arrays["left"] > index) & (arrays["right"] > index)
        inside = (arrays["left"] < n) & (arrays["right"] < n) & (arrays["feature"] >= 0)
        if n and not ((forward & inside) | arrays["leaf"]).all():
            raise ValueError("a forest node points outside the forest or back up it")
        if not np.isfinite(arrays["value"]).all():
            raise ValueError("forest leaf values must be finite")
        return cls(arrays, float(state["baseline"]))


def _node_dtype() -> np.dtype[Any]:
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    return np.dtype(PREDICTOR_RECORD_DTYPE)
