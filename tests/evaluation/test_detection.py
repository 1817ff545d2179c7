"""Classifier two-sample test."""

from __future__ import annotations

import pandas as pd
import pytest

from simulacra.evaluation.detection import detection_auc, detection_score
from simulacra.evaluation.prepare import prepare


def test_identical_tables_cannot_be_told_apart(small_diamonds: pd.DataFrame) -> None:
    tables = prepare(small_diamonds, small_diamonds)
    auc = detection_auc(tables.real, tables.synthetic, tables.categorical, seed=0)
    # a held-out real row has its twin among the synthetic training rows, so the AUC can even
    # fall below 0.5; anything up to chance means "cannot tell apart"
    assert auc < 0.55
    assert detection_score(auc) > 0.9


def test_shifted_tables_are_told_apart(small_diamonds: pd.DataFrame) -> None:
    shifted = small_diamonds.copy()
    shifted["depth"] = shifted["depth"] + 2.0
    tables = prepare(small_diamonds, shifted)
    assert detection_auc(tables.real, tables.synthetic, tables.categorical, seed=0) > 0.9


def test_detection_is_seeded(small_diamonds: pd.DataFrame) -> None:
    shuffled = small_diamonds.sample(frac=1.0, random_state=3).reset_index(drop=True)
    shuffled["cut"] = shuffled["cut"].sample(frac=1.0, random_state=4).to_numpy()
    tables = prepare(small_diamonds, shuffled)
    first = detection_auc(tables.real, tables.synthetic, tables.categorical, seed=5)
    assert detection_auc(tables.real, tables.synthetic, tables.categorical, seed=5) == first


def test_detection_score() -> None:
    assert detection_score(0.5) == 1.0
    assert detection_score(0.3) == 1.0
    assert detection_score(1.0) == 0.0
    assert detection_score(0.75) == pytest.approx(0.5)
