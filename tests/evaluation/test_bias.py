"""Class balance and target rates across groups."""

from __future__ import annotations

import pandas as pd
import pytest

from simulacra.evaluation.bias import (
    group_rates,
    parity_gap,
    share_differences,
    target_gap_by_group,
)


def test_share_differences_by_hand() -> None:
    result = share_differences(pd.Series(["a", "a", "b", "b"]), pd.Series(["a", "b", "b", "b"]))
    assert result["real"] == {"a": 0.5, "b": 0.5}
    assert result["max_difference"] == pytest.approx(0.25)


def test_group_rates_and_gap_by_hand() -> None:
    target = pd.Series(["yes", "no", "yes", "yes", "no", "no"])
    groups = pd.Series(["f", "f", "f", "m", "m", "m"])
    rates = group_rates(target, groups, "yes")
    assert rates == pytest.approx({"f": 2 / 3, "m": 1 / 3})
    assert parity_gap(rates) == pytest.approx(1 / 3)
    assert group_rates(pd.Series([1.0, 3.0, 10.0]), pd.Series(["a", "a", "b"])) == {
        "a": 2.0,
        "b": 10.0,
    }


def test_target_gap_by_group_reports_the_rarer_class_of_a_binary_target() -> None:
    real = pd.DataFrame({"t": ["y", "n", "n", "n", "y", "n"], "g": ["a", "a", "a", "b", "b", "b"]})
    fair = pd.DataFrame({"t": ["y", "n", "n", "y", "n", "n"], "g": ["a", "a", "a", "b", "b", "b"]})
    result = target_gap_by_group(real, fair, "t", "g", categorical=True)
    assert result["positive"] == "y"
    assert result["gap_real"] == pytest.approx(0.0)
    skewed = pd.DataFrame(
        {"t": ["y", "y", "y", "n", "n", "n"], "g": ["a", "a", "a", "b", "b", "b"]}
    )
    result = target_gap_by_group(real, skewed, "t", "g", categorical=True)
    assert result["gap_synthetic"] == pytest.approx(1.0)
    assert result["gap_difference"] == pytest.approx(1.0)
