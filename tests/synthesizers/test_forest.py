"""The forest a model file can hold gives scikit-learn's own predictions, and a damaged one is
refused rather than walked."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from simulacra.synthesizers.forest import Forest


def test_the_array_walk_equals_scikit_learns_prediction() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2_000, 4))
    X[::9, 1] = np.nan
    X[:, 3] = rng.integers(0, 5, 2_000)  # a category as codes
    y = ((X[:, 0] + np.nan_to_num(X[:, 1]) > 0) ^ (X[:, 3] == 2)).astype(int)
    model = HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(X, y)
    forest = Forest.from_sklearn(model)
    test = rng.normal(size=(500, 4))
    test[::5, 0] = np.nan
    expected = model.decision_function(test)
    np.testing.assert_allclose(forest.logits(test), expected, rtol=1e-10, atol=1e-10)
    again = Forest.from_state(forest.state())
    np.testing.assert_allclose(again.logits(test), expected, rtol=1e-10, atol=1e-10)


def test_a_forest_whose_nodes_point_back_up_is_refused() -> None:
    X = np.random.default_rng(1).normal(size=(200, 2))
    forest = Forest.fit(X, (X[:, 0] > 0).astype(int), iterations=3, seed=0)
    state = forest.state()
    state["left"] = state["left"].copy()
    state["left"][0] = 0  # the root its own child: a walk that never ends
    with pytest.raises(ValueError, match="back up"):
        Forest.from_state(state)
    with pytest.raises(ValueError, match="reads feature"):
        forest.logits(np.zeros((3, 0)))
