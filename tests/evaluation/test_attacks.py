"""The anonymeter-style attacks: copies leak, independent rows do not, seeds reproduce."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation.attacks import expected_single, privacy_attacks, risk_of
from simulacra.evaluation.limits import Limits
from simulacra.evaluation.prepare import prepare

LIMITS = Limits(attack_targets=300)


def population(rows: int, seed: int) -> pd.DataFrame:
    """Rows of one fixed distribution: two related numbers, an integer and two categories."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, rows)
    group = rng.choice(list("abcde"), rows, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    income = np.round(1_000 + 40 * age + rng.normal(0, 600, rows), -1)
    return pd.DataFrame(
        {
            "age": age,
            "income": income,
            "group": group,
            "member": rng.choice(["yes", "no"], rows),
            "score": np.round(rng.normal(50, 10, rows), 1),
        }
    )


@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, pd.DataFrame]:
    return population(1_500, seed=1), population(1_500, seed=2)


def _by_attack(results: list[dict]) -> dict[str, dict]:
    return {f"{r['attack']} {r['detail']}": r for r in results}


def test_risk_formula_and_interval_by_hand() -> None:
    r = risk_of(80, 100, 50, 100, 10, 100)
    assert r["risk"] == pytest.approx((0.8 - 0.5) / (1 - 0.5))
    assert r["risk_low"] < r["risk"] < r["risk_high"]
    assert r["main"]["low"] < 0.8 < r["main"]["high"]
    assert risk_of(5, 10, 10, 10, 0, 10)["risk"] == 0.0  # control always right: no room


def test_an_attack_weaker_on_training_rows_shows_no_leak_not_a_negative_risk() -> None:
    r = risk_of(40, 100, 50, 100, 10, 100)  # issue 23, item 11: risks printed as -0.20
    assert r["risk"] == 0.0 and r["risk_low"] == 0.0 and 0.0 <= r["risk_high"] <= 1.0
    assert r["risk_estimate"] == pytest.approx((0.4 - 0.5) / (1 - 0.5))


def test_expected_single_matches_a_known_rate() -> None:
    rng = np.random.default_rng(0)
    size, rows = 4_000, 1_000
    counts = rng.poisson(rows / size, 2_000)  # every predicate holds for 1 in `size` people
    assert expected_single(counts, rows, size) / len(counts) == pytest.approx(np.exp(-1), abs=0.03)


def test_copies_of_training_rows_leak(real: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, holdout = real
    results = _by_attack(privacy_attacks(prepare(train, train, holdout=holdout), [], LIMITS, 0))
    for name in ("singling out univariate", "singling out multivariate"):
        assert results[name]["risk_low"] > 0.5, name
    link = next(r for r in results.values() if r["attack"] == "linkability")
    assert link["risk_low"] > 0.5
    inference = [r for r in results.values() if r["attack"] == "inference"]
    assert len(inference) == 3 and all(r["risk_low"] > 0.3 for r in inference)


@pytest.mark.parametrize("holdout_rows", [1_500, 500])
def test_independent_rows_do_not_leak(
    real: tuple[pd.DataFrame, pd.DataFrame], holdout_rows: int
) -> None:
    train, holdout = real
    tables = prepare(train, population(1_500, seed=3), holdout=holdout.iloc[:holdout_rows])
    for r in privacy_attacks(tables, ["group", "income"], LIMITS, 0):
        assert r["risk_low"] <= 0.0 <= r["risk_high"], r


def test_sensitive_columns_are_attacked_and_seeds_reproduce(
    real: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = real
    tables = prepare(train, population(1_500, seed=3), holdout=holdout)
    first = privacy_attacks(tables, ["group"], LIMITS, 7)
    assert [r["detail"] for r in first if r["attack"] == "inference"] == ["group"]
    assert first == privacy_attacks(tables, ["group"], LIMITS, 7)
    assert first != privacy_attacks(tables, ["group"], LIMITS, 8)


def test_no_holdout_no_attacks(real: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, _ = real
    assert privacy_attacks(prepare(train, train), [], LIMITS, 0) == []
