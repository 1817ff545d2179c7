"""The DP marginal synthesizer: it learns pair trends, honours conditions exactly, spends its
budget, and refuses to run without one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import ParameterError, Synthesizer


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 3_000
    group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    x = rng.normal(size=n) + np.select([group == "a", group == "b"], [0.0, 2.0], 4.0)
    return pd.DataFrame(
        {
            "group": group,
            "x": x.round(3),
            "y": (2 * x + rng.normal(scale=0.5, size=n)).round(3),
            "buy": (x + rng.normal(size=n) > 2).astype(int).astype(bool),
        }
    )


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame) -> Synthesizer:
    return Synthesizer("mst", epsilon=8.0, verbose=False).fit(table)


def test_mst_keeps_pair_trends_at_epsilon_8(fitted: Synthesizer, table: pd.DataFrame) -> None:
    synth = fitted.sample(3_000, seed=0)
    assert synth["x"].corr(synth["y"]) > 0.8 * table["x"].corr(table["y"])
    real_means = table.groupby("group")["x"].mean()
    synth_means = synth.groupby("group")["x"].mean()
    assert (synth_means - real_means).abs().max() < 0.6
    assert abs(synth["buy"].mean() - table["buy"].mean()) < 0.05


def test_mst_conditions_are_exact_and_shift_the_rest(fitted: Synthesizer) -> None:
    rows = fitted.sample(500, conditions={"group": "c"}, seed=1)
    assert (rows["group"] == "c").all()
    assert rows["x"].mean() > 2.5  # x given group c is around 4
    ranged = fitted.sample(300, conditions={"x": (3.0, 5.0), "buy": True}, seed=2)
    assert ranged["x"].between(3.0, 5.0).all() and ranged["buy"].all()
    assert ranged["y"].mean() > 5.0


def test_mst_spends_its_budget_over_a_spanning_tree(fitted: Synthesizer) -> None:
    model = fitted.describe()["model"]
    assert model["privacy"]["epsilon_spent"] == pytest.approx(8.0, rel=1e-3)
    assert len(model["tree"]) == len(model["tokens_per_column"]) - 1


def test_mst_needs_epsilon(table: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="epsilon"):
        Synthesizer("mst", epsilon=None, verbose=False).fit(table)
