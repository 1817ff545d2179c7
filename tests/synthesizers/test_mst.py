"""The DP marginal synthesizer: it learns pair trends, honours conditions exactly (also with two
parents per column), spends its budget, and refuses to run without one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import ParameterError, Synthesizer
from simulacra.privacy.budget import PrivacyBudget
from simulacra.synthesizers.mst_model import Network, calibrated, sample_tokens


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
    return Synthesizer("mst", epsilon=8.0, verbose=False, infer_schema=True).fit(table)


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


def test_mst_spends_its_budget_over_one_clique_per_column(fitted: Synthesizer) -> None:
    model = fitted.describe()["model"]
    record = model["privacy"]
    assert record["epsilon_spent"] == pytest.approx(8.0, rel=1e-3)
    budget = PrivacyBudget(8.0, record["delta"])
    assert sum(record["rho"].values()) == pytest.approx(budget.rho - budget.metadata_rho)
    assert len(model["parents"]) == len(model["tokens_per_column"]) - 1
    assert all(1 <= len(p) <= 2 for p in model["parents"].values())


def _two_parent_model() -> tuple[Network, dict[int, np.ndarray]]:
    rng = np.random.default_rng(3)
    sizes = [2, 3, 2, 3]
    network = Network(order=[0, 1, 2, 3], parents={0: (), 1: (0,), 2: (0, 1), 3: (1, 2)})
    tables = {}
    for column in network.order:
        shape = [sizes[c] for c in network.scope(column)]
        table = rng.random(shape) + 0.1
        tables[column] = table / table.sum(axis=-1, keepdims=True)
    return network, tables


def test_two_parent_sampling_given_evidence_is_exact() -> None:
    network, tables = _two_parent_model()
    joint = np.einsum("a,ab,abc,bcd->abcd", tables[0], tables[1], tables[2], tables[3])
    evidence = [np.ones(2), np.ones(3), np.ones(2), np.array([0.0, 1.0, 0.5])]
    evidence[0] = np.array([0.3, 1.0])
    weighted = np.einsum("abcd,a,b,c,d->abcd", joint, *evidence)
    exact = weighted / weighted.sum()
    tokens = sample_tokens(network, tables, evidence, 200_000, np.random.default_rng(0))
    assert not (tokens[:, 3] == 0).any()
    for column, axes in ((0, (1, 2, 3)), (1, (0, 2, 3)), (2, (0, 1, 3)), (3, (0, 1, 2))):
        share = np.bincount(tokens[:, column], minlength=exact.shape[column]) / len(tokens)
        np.testing.assert_allclose(share, exact.sum(axis=axes), atol=0.005)


def test_calibration_matches_the_one_way_marginals() -> None:
    network, tables = _two_parent_model()
    targets = [np.array([0.5, 0.5]), np.array([0.2, 0.3, 0.5]), np.array([0.9, 0.1])]
    targets.append(np.array([0.1, 0.1, 0.8]))
    fitted = calibrated(network, dict(tables), targets)
    joint = np.einsum("a,ab,abc,bcd->abcd", fitted[0], fitted[1], fitted[2], fitted[3])
    for column, axes in ((1, (0, 2, 3)), (2, (0, 1, 3)), (3, (0, 1, 2))):
        np.testing.assert_allclose(joint.sum(axis=axes), targets[column], atol=1e-3)


def test_mst_uses_two_parents_when_the_budget_allows() -> None:
    rng = np.random.default_rng(1)
    n = 6_000
    a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
    c = np.where(rng.random(n) < 0.95, a ^ b, 1 - (a ^ b))  # c needs both a and b
    table = pd.DataFrame({"a": a.astype(str), "b": b.astype(str), "c": c.astype(str)})
    syn = Synthesizer("mst", epsilon=20.0, verbose=False, infer_schema=True).fit(table)
    assert max(len(p) for p in syn.describe()["model"]["parents"].values()) == 2
    rows = syn.sample(2_000, conditions={"a": "1", "b": "0"}, seed=0)
    assert (rows["a"] == "1").all() and (rows["b"] == "0").all()
    assert (rows["c"] == "1").mean() > 0.85


def test_mst_needs_epsilon(table: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="epsilon"):
        Synthesizer("mst", epsilon=None, verbose=False).fit(table)
