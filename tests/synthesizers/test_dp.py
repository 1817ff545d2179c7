"""Differential privacy: the accountant against Opacus's, DP-SGD stopping at the budget, DP
metadata (nothing raw in a model file), the DP category threshold, and DP fits that differ from
run to run whatever the seed (their noise is not replayable)."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.numpy import load as load_arrays

from simulacra import Metadata, Synthesizer
from simulacra.privacy.budget import (
    ORDERS,
    PrivacyBudget,
    SGDSteps,
    epsilon_spent,
    noise_multiplier_for,
)
from simulacra.privacy.ledger import PrivacyLedger
from simulacra.privacy.sgd import DPSGD
from simulacra.transforms import TableTransformer

AR_FAST = {
    "epochs": 2,
    "batch_size": 200,
    "hidden_dims": [32, 32],
    "verbose": False,
    "infer_schema": True,
}


def private_table(n: int = 2_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = rng.gamma(2.0, 350.0, n)  # full precision: a leaked raw statistic is unmistakable
    group = rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]).astype(object)
    group[:3] = "zz_rare"  # three rows: must be dropped by the DP threshold
    return pd.DataFrame(
        {
            "amount": amount,
            "ratio": amount / 1_000 + rng.normal(0, 0.1, n),
            "group": group,
            "flag": rng.random(n) < 0.3,
        }
    )


@pytest.mark.parametrize(("q", "sigma", "steps"), [(0.01, 1.1, 1_000), (0.1, 2.0, 300)])
def test_accountant_epsilon_matches_opacus(q: float, sigma: float, steps: int) -> None:
    from opacus.accountants import RDPAccountant

    accountant = RDPAccountant()
    accountant.history = [(sigma, q, steps)]
    ours = epsilon_spent(0.0, 1e-5, SGDSteps(q, sigma, steps))
    assert ours == pytest.approx(accountant.get_epsilon(1e-5, alphas=ORDERS), rel=1e-12)
    # Opacus's default orders: a finer grid of fractional orders, within 2%
    assert ours == pytest.approx(accountant.get_epsilon(1e-5), rel=0.02)


def test_noise_multiplier_reaches_the_target_like_opacus() -> None:
    from opacus.accountants.utils import get_noise_multiplier

    ours = noise_multiplier_for(1.0, 1e-6, 0.0, 0.02, 500)
    spent = epsilon_spent(0.0, 1e-6, SGDSteps(0.02, ours, 500))
    assert 0.98 <= spent <= 1.0
    theirs = get_noise_multiplier(
        target_epsilon=1.0, target_delta=1e-6, sample_rate=0.02, steps=500, accountant="rdp"
    )
    assert ours == pytest.approx(theirs, rel=0.03)


def test_clipped_gradient_sum_equals_opacus_dp_optimizer() -> None:
    from opacus import GradSampleModule
    from opacus.optimizers import DPOptimizer

    torch.manual_seed(0)
    x, y = torch.randn(40, 5), torch.randn(40, 1)
    ours_net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    theirs_net = GradSampleModule(copy.deepcopy(ours_net))
    ledger = PrivacyLedger(PrivacyBudget(1.0, 1e-5))
    dp = DPSGD(ours_net, ledger, rows=40, batch_size=40, epochs=1, max_grad_norm=0.5)
    dp.noise_multiplier = 0.0
    dp.gradients(lambda net, a, b: (net(a[None]) - b).pow(2).sum(), (x, y))
    ours = [p.grad.clone() for p in ours_net.parameters()]

    optimizer = DPOptimizer(
        torch.optim.SGD(theirs_net.parameters(), lr=0.0),
        noise_multiplier=0.0,
        max_grad_norm=0.5,
        expected_batch_size=40,
    )
    ((theirs_net(x) - y).pow(2).sum(dim=1)).mean().backward()
    optimizer.pre_step()
    for mine, theirs in zip(ours, theirs_net.parameters(), strict=True):
        assert torch.allclose(mine, theirs.grad, atol=1e-5)


def test_dp_sgd_stops_when_the_budget_is_spent() -> None:
    syn = Synthesizer("autoregressive", epsilon=1.0, delta=1e-5, **AR_FAST).fit(private_table())
    record = syn.describe()["model"]["privacy"]
    assert record["steps"] == record["steps_planned"] == 2 * round(2_000 / 200)
    assert 0.95 <= record["epsilon_spent"] <= 1.0 + 1e-9
    assert record["delta"] == 1e-5 and "rdp" in record["accountant"]
    assert len(syn.history) == 2
    assert set(record["from_budget"]) == {"amount", "ratio", "group", "flag"}


def _file_numbers(path: Path) -> tuple[np.ndarray, str]:
    """Every number in a model file (JSON values and array entries) and its JSON text."""
    numbers: list[float] = []
    text = ""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if name.endswith(".json"):
                text += data.decode()
                _collect(json.loads(data), numbers)
            elif name.endswith(".safetensors"):
                for array in load_arrays(data).values():
                    numbers.extend(np.asarray(array, dtype=np.float64).ravel().tolist())
    return np.array(numbers), text


def _collect(value: object, out: list[float]) -> None:
    if isinstance(value, dict):
        for v in value.values():
            _collect(v, out)
    elif isinstance(value, list):
        for v in value:
            _collect(v, out)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        out.append(float(value))


@pytest.mark.parametrize("name", ["autoregressive", "mst"])
def test_no_raw_statistic_in_a_dp_model_file(name: str, tmp_path: Path) -> None:
    table = private_table()
    params = AR_FAST if name == "autoregressive" else {"verbose": False, "infer_schema": True}
    syn = Synthesizer(name, epsilon=2.0, **params).fit(table)
    numbers, text = _file_numbers(syn.save(tmp_path / "m.simulacra"))
    for column in ("amount", "ratio"):
        values = table[column].to_numpy()
        raw = [values.min(), values.max(), values.mean(), values.std(), np.median(values)]
        raw += list(np.quantile(values, np.linspace(0.01, 0.99, 99)))
        for stat in raw:
            assert not np.any(np.isclose(numbers, stat, rtol=1e-12, atol=0)), (column, stat)
        assert not np.isin(values, numbers).any()  # no real value either
    assert "zz_rare" not in text
    meta = syn.metadata_.columns["amount"]
    assert meta.min is None and meta.max is None


def test_rare_categories_are_dropped_by_the_dp_threshold() -> None:
    table = private_table()
    transformer = TableTransformer(
        Metadata.infer(table), continuous="bins", discrete="codes", privacy=PrivacyBudget(1, 1e-6)
    ).fit(table)
    group = transformer.columns_["group"]
    assert set(group.categories_) == {"red", "green", "blue"}  # type: ignore[attr-defined]
    assert "threshold" in group.describe()["sources"]["categories"]


def test_noisy_category_counts_are_kept_and_saved() -> None:
    table = private_table()
    transformer = TableTransformer(
        Metadata.infer(table), continuous="bins", discrete="onehot", privacy=PrivacyBudget(1, 1e-6)
    ).fit(table)
    for name in ("group", "flag"):
        column = transformer.columns_[name]
        counts = column.code_counts_  # type: ignore[attr-defined]
        block = next(b for b in transformer.blocks_ if b.column == name)
        assert len(counts) == block.width and (counts >= 1).all()
        assert counts.sum() == pytest.approx(len(table), rel=0.1)
        assert np.array_equal(counts, np.round(counts))  # released counts are whole numbers
        raw = table[name].value_counts().to_numpy()
        assert not np.array_equal(np.sort(raw), np.sort(counts))  # noisy, not raw
    loaded = TableTransformer.from_state(transformer.metadata, transformer.get_state())
    np.testing.assert_array_equal(
        loaded.columns_["group"].code_counts_,  # type: ignore[attr-defined]
        transformer.columns_["group"].code_counts_,  # type: ignore[attr-defined]
    )


class SeededNoise:
    """Gaussian count noise from a seeded stream: for tests of what the mechanisms do with
    noisy counts, never for a release (`privacy.ledger` draws those)."""

    def __init__(self, sigma: float, seed: int) -> None:
        self.sigma = sigma
        self.rng = np.random.default_rng(seed)

    def noisy(self, counts: np.ndarray) -> np.ndarray:
        return np.asarray(counts, dtype=float) + self.rng.normal(0, self.sigma, np.shape(counts))


def test_a_long_thin_upper_tail_keeps_its_range() -> None:
    from simulacra.privacy.mechanisms import dp_histogram

    rng = np.random.default_rng(0)
    # 8,000 prices: a dense body and a long tail with no single strong cell
    values = np.concatenate([rng.uniform(300, 3_000, 6_000), rng.uniform(3_000, 18_000, 2_000)])
    noise = SeededNoise(50.0, 1)
    edges, counts, _ = dp_histogram(values, 256.0, 32_768.0, 40, noise)
    assert edges[np.flatnonzero(counts)[-1] + 1] > 12_000
    lone = np.concatenate([values[:6_000], [30_000.0]])  # one far row cannot stretch it
    edges, counts, _ = dp_histogram(lone, 256.0, 32_768.0, 40, noise)
    assert edges[np.flatnonzero(counts)[-1] + 1] < 10_000


def test_public_metadata_is_used_as_given() -> None:
    table = private_table()
    meta = Metadata.infer(table)
    meta.columns["amount"].min, meta.columns["amount"].max = 0.0, 10_000.0
    meta.columns["amount"].public = True
    meta.columns["group"].categories = ["red", "green", "blue", "zz_rare", "purple"]
    meta.columns["group"].public = True
    syn = Synthesizer("mst", epsilon=1.0, verbose=False).fit(table, meta)
    columns = syn.describe()["columns"]
    assert columns["amount"]["sources"]["range"] == "public metadata"
    assert columns["group"]["sources"]["categories"] == "public list"
    assert syn.transformer_.columns_["amount"].low_ == 0.0  # type: ignore[attr-defined]
    assert syn.describe()["model"]["privacy"]["public_columns"] == ["amount", "group"]
    assert set(syn.sample(2_000, seed=0)["group"]) <= {"red", "green", "blue", "zz_rare", "purple"}


@pytest.mark.parametrize("name", [pytest.param("autoregressive", marks=pytest.mark.slow), "mst"])
def test_same_seed_different_noise(name: str, tmp_path: Path) -> None:
    """DP noise is drawn afresh from the OS on every fit: the same seed does not replay it."""
    table = private_table(800)
    params = AR_FAST if name == "autoregressive" else {"verbose": False, "infer_schema": True}
    first = Synthesizer(name, epsilon=1.0, seed=3, **params).fit(table)
    again = Synthesizer(name, epsilon=1.0, seed=3, **params).fit(table)
    assert (
        first.save(tmp_path / "a.simulacra").read_bytes()
        != again.save(tmp_path / "b.simulacra").read_bytes()
    )
    a, b = first.transformer_.columns_["group"], again.transformer_.columns_["group"]
    assert not np.array_equal(a.code_counts_, b.code_counts_)  # type: ignore[attr-defined]
    assert "never stored" in first.describe()["model"]["privacy"]["reruns"]


@pytest.mark.slow
def test_dp_model_survives_save_and_load(tmp_path: Path) -> None:
    syn = Synthesizer("autoregressive", epsilon=1.0, **AR_FAST).fit(private_table(800))
    loaded = Synthesizer.load(syn.save(tmp_path / "m.simulacra"))
    pd.testing.assert_frame_equal(loaded.sample(100, seed=1), syn.sample(100, seed=1))
    assert loaded.describe()["model"]["privacy"] == syn.describe()["model"]["privacy"]


def test_a_boolean_written_0_1_keeps_its_share_under_dp() -> None:
    """A 0/1 column declared boolean: its public values are 0 and 1 (by its dtype), not
    True/False, so the rows are counted (issue 23: every sampled row was 1)."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {"senior": (rng.random(4_000) < 0.16).astype(int), "g": ["a", "b"] * 2_000}
    )
    meta = Metadata.infer(table)
    meta.columns["senior"].kind = "boolean"
    sample = Synthesizer("mst", epsilon=1.0, verbose=False).fit(table, meta).sample(4_000, seed=0)
    assert sample["senior"].dtype == np.int64
    assert abs(sample["senior"].mean() - 0.16) < 0.03


def test_dp_noise_alone_never_invents_a_category() -> None:
    """Yes/No in thousands of rows each: the noisy row count minus the noisy category counts
    is noise, not a pooled 'other' (issue 23: 44 rows of 'other')."""
    rng = np.random.default_rng(1)
    table = pd.DataFrame(
        {"churn": rng.choice(["Yes", "No"], 5_000), "plan": rng.choice(["a", "b", "c"], 5_000)}
    )
    syn = Synthesizer("mst", epsilon=1.0, verbose=False, infer_schema=True).fit(table)
    sample = syn.sample(20_000, seed=0)
    assert set(sample["churn"]) == {"Yes", "No"} and set(sample["plan"]) == {"a", "b", "c"}
    assert "rare" not in syn.describe()["columns"]["churn"]


def test_many_unreleased_rare_categories_are_pooled_and_said_so() -> None:
    rng = np.random.default_rng(2)
    zips = np.where(
        rng.random(3_000) < 0.5, "10001", [f"z{k}" for k in rng.integers(0, 900, 3_000)]
    )
    table = pd.DataFrame({"zip": zips, "g": rng.choice(["a", "b"], 3_000)})
    syn = Synthesizer("mst", epsilon=1.0, verbose=False, infer_schema=True).fit(table)
    rare = syn.describe()["columns"]["zip"]["rare"]
    assert "DP threshold did not release" in rare and "min_count" not in rare
    assert set(syn.sample(2_000, seed=0)["zip"]) == {"10001", "other"}


def test_delta_without_epsilon_is_refused() -> None:
    """Issue 23: `fit -m ctgan --delta 1e-5` without --epsilon trained without DP, exit 0."""
    from simulacra import ParameterError

    with pytest.raises(ParameterError, match="delta is set but epsilon is not"):
        Synthesizer("ctgan", delta=1e-5, verbose=False).fit(private_table(200))
