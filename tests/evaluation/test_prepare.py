"""How `prepare` aligns the real and synthetic tables before any score (issue 23, item 24)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simulacra
from simulacra.evaluation import Limits
from simulacra.evaluation.prepare import prepare
from simulacra.metadata import Metadata

SMALL = Limits(model_rows=300, query_rows=200, reference_rows=500, knn_rows=200)


@pytest.fixture(scope="module")
def churn() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    return pd.DataFrame(
        {
            "senior": (rng.random(n) < 0.16).astype(int),
            "tenure": rng.integers(1, 70, n).astype(float),
            "contract": rng.choice(["month", "year", "two years"], n),
        }
    )


@pytest.mark.parametrize(
    "spell",
    [lambda s: s.astype(bool), lambda s: s.astype(bool).astype(str).str.lower()],
    ids=["True/False", "true/false"],
)
def test_a_boolean_written_0_1_scores_as_the_same_rows_written_true_false(
    churn: pd.DataFrame, spell: object
) -> None:
    rewritten = churn.assign(senior=spell(churn["senior"]))  # type: ignore[operator]
    for real, synthetic in ((churn, rewritten), (rewritten, churn)):
        report = simulacra.evaluate(real, synthetic, limits=SMALL, verbose=False)
        fidelity = report.scores["fidelity"]
        assert fidelity["columns"]["senior"]["shape"] == 1.0
        assert fidelity["score"] == pytest.approx(1.0)
        assert report.scores["privacy"]["exact_copy_share"] == 1.0
        notes = report.scores["settings"]["notes"]
        assert any("'senior' writes its booleans differently" in n for n in notes)


def test_booleans_take_the_real_spelling_and_the_users_kind(churn: pd.DataFrame) -> None:
    metadata = Metadata.infer(churn)
    metadata.set_kind("senior", "boolean")
    tables = prepare(churn, churn.assign(senior=churn["senior"].astype(bool)), metadata)
    assert tables.kinds["senior"] == "boolean"
    assert list(tables.real["senior"].cat.categories) == ["0", "1"]
    assert tables.synthetic["senior"].equals(tables.real["senior"])


def test_other_categories_are_left_alone(churn: pd.DataFrame) -> None:
    three = churn.assign(senior=churn["senior"].map({0: "0", 1: "2"}))
    tables = prepare(churn, three)
    assert set(tables.real["senior"].cat.categories) == {"0", "1", "2"}
    assert tables.notes == []
