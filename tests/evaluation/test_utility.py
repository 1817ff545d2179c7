"""Train on synthetic / test on real against train on real / test on real."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation.prepare import prepare
from simulacra.evaluation.utility import (
    classification_scores,
    regression_scores,
    utility_scores,
)


def test_classification_scores_by_hand() -> None:
    y = np.array([0, 0, 1, 1])
    predicted = np.array([0, 1, 1, 1])
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.3, 0.7]])
    scores = classification_scores(y, predicted, proba, np.array([0, 1]))
    assert scores["accuracy"] == 0.75
    # class 0: precision 1, recall 1/2 -> F1 2/3; class 1: precision 2/3, recall 1 -> F1 4/5
    assert scores["f1"] == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert scores["roc_auc"] == pytest.approx(1.0)


def test_classification_scores_with_a_class_the_model_never_saw() -> None:
    y = np.array([0, 1, 2, 2])
    proba = np.array([[0.8, 0.2], [0.3, 0.7], [0.5, 0.5], [0.6, 0.4]])
    scores = classification_scores(y, np.array([0, 1, 0, 0]), proba, np.array([0, 1]))
    assert scores["accuracy"] == 0.5
    assert 0.0 <= scores["roc_auc"] <= 1.0


def test_regression_scores_by_hand() -> None:
    scores = regression_scores(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    assert scores["mae"] == pytest.approx(1 / 3)
    assert scores["r2"] == pytest.approx(1 - 1 / 2)


@pytest.mark.parametrize(("target", "primary"), [("price", "r2"), ("cut", "f1")])
def test_real_rows_as_synthetic_give_ratio_one(
    split_diamonds: tuple[pd.DataFrame, pd.DataFrame], target: str, primary: str
) -> None:
    train, test = split_diamonds
    tables = prepare(train, train, holdout=test)
    task = "classification" if target in tables.categorical else "regression"
    result = utility_scores(
        tables.real, tables.synthetic, tables.holdout, target, task, tables.categorical
    )
    assert result["primary_metric"] == primary
    assert result["ratio"] == pytest.approx(1.0)
    for model in ("linear", "boosting"):
        assert result["models"][model]["real"] == result["models"][model]["synthetic"]


def test_useless_synthetic_rows_give_a_low_ratio(
    split_diamonds: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, test = split_diamonds
    broken = train.copy()
    broken["price"] = np.random.default_rng(0).permutation(broken["price"].to_numpy())
    tables = prepare(train, broken, holdout=test)
    result = utility_scores(
        tables.real, tables.synthetic, tables.holdout, "price", "regression", tables.categorical
    )
    assert result["ratio"] < 0.2
    assert result["models"]["boosting"]["real"]["r2"] > 0.9
