"""Verdicts capped by what gives synthetic rows away (issue 23, item 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simulacra
from simulacra.evaluation import Limits
from simulacra.evaluation.schema import Rule
from simulacra.evaluation.verdict import fidelity_caps

LIMITS = Limits(model_rows=1_000, query_rows=200, reference_rows=500, knn_rows=200)


def _churn(rng: np.random.Generator, n: int, broken: float = 0.0) -> pd.DataFrame:
    """total ≈ tenure × monthly (within 3%), except in a `broken` share of rows."""
    tenure = rng.integers(1, 72, n).astype(float)
    monthly = rng.uniform(20, 110, n).round(2)
    total = (tenure * monthly * rng.uniform(0.97, 1.03, n)).round(2)
    bad = rng.random(n) < broken
    total[bad] = rng.permutation(total)[bad]
    plan = rng.choice(["month", "year", "two years"], n)
    return pd.DataFrame({"tenure": tenure, "monthly": monthly, "total": total, "plan": plan})


def test_a_rule_broken_far_more_often_than_in_real_rows_caps_the_verdict() -> None:
    rng = np.random.default_rng(0)
    real, holdout = _churn(rng, 1500), _churn(rng, 500)
    # 42% of rows break the formula (its marginals stay real): the "Excellent"
    synthetic = _churn(rng, 1500, broken=0.42)
    s = simulacra.evaluate(real, synthetic, holdout=holdout, limits=LIMITS, verbose=False).scores
    fidelity = s["fidelity"]
    assert fidelity["score"] >= 0.9  # the scores alone say excellent
    assert fidelity["verdict"] == "poor" and s["overall"]["verdict"] == "poor"
    by = {cap["by"]: cap for cap in fidelity["caps"]}
    assert by["rule"]["verdict"] == "poor"
    assert by["rule"]["rule"].startswith("total ≈ tenure × monthly")
    assert by["detection"]["verdict"] == "fair"  # AUC about 0.64 against 0.49
    assert fidelity["sentence"].startswith("Capped at poor (the scores alone say excellent): 4")
    assert "Capped at poor" in s["overall"]["sentence"]

    faithful = _churn(rng, 1500)
    s = simulacra.evaluate(real, faithful, holdout=holdout, limits=LIMITS, verbose=False).scores
    assert s["fidelity"]["caps"] == [] and s["fidelity"]["verdict"] == "excellent"


@pytest.mark.parametrize(
    ("auc", "rows", "synth", "ref", "caps"),
    [
        (0.55, 1000, 0.04, 0.0, []),  # near the floor; a rule broken by 4% of rows
        (0.62, 1000, 0.30, 0.10, [("detection", "fair")]),  # 3x: not far more often
        (0.62, 40, 0.06, 0.0, [("rule", "fair")]),  # AUC within chance for 40 rows
        (0.93, 1000, 0.50, 0.05, [("rule", "poor"), ("detection", "poor")]),
    ],
)
def test_caps_need_a_clear_gap(
    auc: float, rows: int, synth: float, ref: float, caps: list[tuple[str, str]]
) -> None:
    rule = Rule(
        kind="order",
        rule="b ≤ c",
        columns=("b", "c"),
        synthetic_share=synth,
        reference_share=ref,
        excess=synth - ref,
    )
    found = fidelity_caps([rule], auc, (rows, rows), reference_auc=0.48)
    assert [(c.by, c.verdict) for c in found] == caps
