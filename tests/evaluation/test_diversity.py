"""Coverage and k-NN precision / recall."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation.diversity import category_coverage, knn_precision_recall, range_coverage


def test_category_coverage_by_hand() -> None:
    real = pd.Series(["a", "b", "c", "d", None])
    assert category_coverage(real, pd.Series(["a", "b", "z"])) == 0.5
    assert category_coverage(real, real) == 1.0


def test_range_coverage_by_hand() -> None:
    real = pd.Series([0.0, 10.0])
    assert range_coverage(real, pd.Series([2.0, 7.0])) == pytest.approx(0.5)
    assert range_coverage(real, pd.Series([-5.0, 20.0])) == 1.0
    assert range_coverage(real, pd.Series([20.0, 30.0])) == 0.0


def test_knn_precision_recall() -> None:
    rng = np.random.default_rng(0)
    real = rng.normal(size=(400, 3))
    same = knn_precision_recall(real, real)
    assert same["precision"] == 1.0 and same["recall"] == 1.0
    collapsed = knn_precision_recall(real, rng.normal(scale=0.05, size=(400, 3)))
    assert collapsed["precision"] > 0.9  # every point is plausible ...
    assert collapsed["recall"] < 0.3  # ... but the variety is lost
    far = knn_precision_recall(real, rng.normal(loc=10.0, size=(400, 3)))
    assert far["precision"] == 0.0 and far["recall"] == 0.0
