"""Every score beside its reference: unseen real rows scored as synthetic, the trivial model
for utility, and verdicts judged against them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import simulacra
from simulacra.evaluation import Limits
from simulacra.evaluation.prepare import prepare
from simulacra.evaluation.privacy import dcr_share, wilson_interval
from simulacra.evaluation.reference import reference_scores
from simulacra.evaluation.schema import DcrRows, DcrShare, Distances, Privacy
from simulacra.evaluation.utility import relative_gain, trivial_scores
from simulacra.evaluation.verdict import privacy_verdict

SMALL = Limits(model_rows=1_000, query_rows=500, reference_rows=2_000, knn_rows=500)


@pytest.fixture(scope="module")
def churn_split(churn: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = churn.sample(2000, random_state=0).reset_index(drop=True)
    return rows.iloc[:1500].reset_index(drop=True), rows.iloc[1500:].reset_index(drop=True)


@pytest.fixture(scope="module")
def shuffled_report(churn_split: tuple[pd.DataFrame, pd.DataFrame]) -> simulacra.Report:
    """Each column shuffled on its own: perfect marginals, no relationships at all."""
    train, holdout = churn_split
    rng = np.random.default_rng(0)
    synth = train.apply(lambda c: c.to_numpy()[rng.permutation(len(c))])
    return simulacra.evaluate(
        train, synth, holdout=holdout, target="churn", limits=SMALL, verbose=False
    )


def test_unseen_real_rows_set_the_ceiling(churn_split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, holdout = churn_split
    ref = reference_scores(prepare(train, train, holdout=holdout), SMALL, seed=0)
    assert ref.source == "holdout" and ref.rows == (1500, 500)
    assert ref.column_shapes is not None and ref.column_pair_trends is not None
    assert 0.9 < ref.column_shapes < 1.0 and 0.9 < ref.column_pair_trends < 1.0
    assert ref.detection_auc < 0.6 and ref.knn_precision > 0.8
    split = reference_scores(prepare(train, train), SMALL, seed=0)
    assert split.source == "split" and sum(split.rows) == 1500


def test_shuffled_columns_score_below_the_reference(shuffled_report: simulacra.Report) -> None:
    s = shuffled_report.scores
    fidelity = s["fidelity"]
    assert fidelity["column_shapes"] == 1.0  # shuffling keeps every marginal
    assert fidelity["column_pair_trends"] < fidelity["reference"]["column_pair_trends"]
    assert fidelity["detection_auc"] > 0.8 > fidelity["reference"]["detection_auc"]
    assert fidelity["verdict"] in ("fair", "poor")
    assert all(c["reference"] is not None for c in fidelity["columns"].values())
    assert "unseen real rows" in fidelity["sentence"]
    # no relation left to learn: hardly better than always predicting the majority class
    utility = s["utility"]
    assert utility["gain"] < 0.3 and utility["verdict"] == "poor"
    assert utility["trivial"]["roc_auc"] == 0.5
    assert s["overall"]["verdict"] == "poor"


def test_the_trivial_model_is_the_majority_class_or_the_mean() -> None:
    y_train = np.array([0, 0, 0, 1])
    y_test = np.array([0, 0, 1, 1])
    scores = trivial_scores(y_train, y_test, "classification")
    assert scores["accuracy"] == 0.5 and scores["roc_auc"] == 0.5
    assert scores["f1"] == pytest.approx(1 / 3)  # F1 2/3 for class 0, 0 for class 1
    regression = trivial_scores(np.array([1.0, 3.0]), np.array([2.0, 2.0]), "regression")
    assert regression["mae"] == 0.0
    assert relative_gain(0.43, 0.72, 0.43) == 0.0
    assert relative_gain(0.72, 0.72, 0.43) == 1.0
    assert relative_gain(0.5, 0.43, 0.43) is None  # the real model is no better than trivial


def test_a_model_worse_than_a_coin_flip_is_flagged(
    churn_split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = churn_split
    flipped = train.assign(churn=train["churn"].map({"Yes": "No", "No": "Yes"}))
    report = simulacra.evaluate(
        train, flipped, holdout=holdout, target="churn", limits=SMALL, verbose=False
    )
    assert report.scores["utility"]["below_chance"]
    assert "worse than a coin flip" in report.scores["utility"]["sentence"]


def test_dcr_share_is_one_half_when_synthetic_rows_ignore_training() -> None:
    rng = np.random.default_rng(0)
    share = dcr_share(rng.random(4000), rng.random(4000))
    assert share["low"] < 0.5 < share["high"] and share["high"] - share["low"] < 0.04
    assert dcr_share(np.zeros(100), np.ones(100))["share"] == 1.0
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and 0.2 < high < 0.35


def test_far_away_rows_make_privacy_inconclusive_not_low_risk() -> None:
    distances = Distances(p1=0.1, p5=0.2, p25=0.3, p50=0.4, mean=0.5)
    scores = Privacy(
        exact_copy_share=0.0,
        holdout_exact_copy_share=0.0,
        membership_auc=0.5,
        dcr_synthetic_p5=0.2,
        dcr_holdout_p5=0.2,
        share_closer_than_holdout_p5=0.0,
        dcr_share=DcrShare(share=0.5, low=0.48, high=0.52, reference_rows=500),
        far_share=0.9,
        distance_ratio=10.0,
        dcr_synthetic=distances,
        nndr_synthetic=distances,
        dcr_rows=DcrRows(reference=500, queries=500),
        attribute_inference=(),
        attacks=(),
    )
    verdict = privacy_verdict(scores)
    assert verdict.verdict == "inconclusive" and verdict.score is None
    assert "unrealistic rather than private" in verdict.sentence
    near = privacy_verdict(replace(scores, distance_ratio=1.0, far_share=0.05))
    assert near.verdict == "low risk"


def test_copies_lean_towards_training_rows(copy_like: simulacra.Report) -> None:
    share = copy_like.scores["privacy"]["dcr_share"]
    # a third of the training rows are measured against (as many as holdout rows): copies of
    # those are closer to training, the others tie or fall either way
    assert share["low"] > 0.6
    assert copy_like.scores["fidelity"]["far_share"] < 0.05


@pytest.fixture(scope="module")
def copy_like(churn_split: tuple[pd.DataFrame, pd.DataFrame]) -> simulacra.Report:
    train, holdout = churn_split
    return simulacra.evaluate(train, train.copy(), holdout=holdout, limits=SMALL, verbose=False)
