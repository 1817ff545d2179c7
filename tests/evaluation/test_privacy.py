"""Distances to closest records, copies, membership and attribute inference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation._space import feature_space
from simulacra.evaluation.prepare import prepare
from simulacra.evaluation.privacy import (
    attribute_inference,
    closest_distances,
    dcr_summary,
    exact_copy_share,
    membership_auc,
    nndr,
)


def test_exact_copy_share_by_hand() -> None:
    training = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"]})
    synthetic = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": ["x", "x", "z", "z"]})
    assert exact_copy_share(synthetic, training) == 0.5  # rows (1, x) and (3, z)
    assert exact_copy_share(training, training) == 1.0


def test_closest_distances_and_nndr_by_hand() -> None:
    reference = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    queries = np.array([[0.0, 0.0], [3.0, 0.0]])
    d1, d2 = closest_distances(queries, reference)
    assert list(d1) == [0.0, 3.0]
    assert list(d2) == [5.0, 4.0]
    assert list(nndr(d1, d2)) == [0.0, 0.75]


def test_dcr_summary() -> None:
    summary = dcr_summary(np.arange(101.0))
    assert summary["p5"] == 5.0 and summary["p50"] == 50.0 and summary["mean"] == 50.0


def test_membership_auc_by_hand() -> None:
    assert membership_auc(np.array([0.0, 0.1]), np.array([0.5, 0.7])) == 1.0
    assert membership_auc(np.array([0.5, 0.7]), np.array([0.0, 0.1])) == 0.0
    assert membership_auc(np.array([0.2, 0.4]), np.array([0.2, 0.4])) == 0.5


def test_copied_training_rows_are_closer_than_holdout(
    split_diamonds: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = split_diamonds
    tables = prepare(train, train, holdout=holdout)
    space = feature_space(tables)
    training = space.transform(tables.real)
    copies, _ = closest_distances(space.transform(tables.synthetic), training)
    unseen, _ = closest_distances(space.transform(tables.holdout), training)
    assert np.all(copies < 1e-6)  # zero up to the rounding of the dot-product distance
    assert np.percentile(unseen, 5) > 0.0
    members, _ = closest_distances(training, space.transform(tables.synthetic))
    assert membership_auc(members, unseen) > 0.95


def test_attribute_inference_beats_the_baseline_when_columns_determine_it() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    frame = pd.DataFrame({"x": x, "noise": rng.normal(size=600), "s": np.where(x > 0, "hi", "lo")})
    tables = prepare(frame.iloc[:400], frame.iloc[:400], holdout=frame.iloc[400:])
    result = attribute_inference(
        tables.synthetic, tables.real, tables.holdout, "s", tables.categorical
    )
    assert result["metric"] == "accuracy"
    assert result["training_rows"] > 0.95
    assert result["holdout_rows"] > 0.9
    assert result["baseline"] == pytest.approx(max(np.mean(x[:400] > 0), np.mean(x[:400] <= 0)))
    assert result["advantage"] > 0.3
    numeric = attribute_inference(tables.synthetic, tables.real, None, "x", tables.categorical)
    assert numeric["metric"] == "r2" and numeric["holdout_rows"] is None
