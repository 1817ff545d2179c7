"""DP-SGD for TVAE and CTGAN: the budget is spent and no more, the per-row gradients (with
CTGAN's gradient penalty, a gradient of a gradient) average to the batch gradient, the record
survives save/load, nothing raw reaches the model file, and the same seed does not replay the
noise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch

from simulacra import Synthesizer
from simulacra.privacy.budget import PrivacyBudget
from simulacra.privacy.ledger import PrivacyLedger
from simulacra.privacy.sgd import DPSGD
from simulacra.synthesizers.ctgan import CTGAN, discriminator_net
from simulacra.synthesizers.tvae import PrivateLoss

from .test_dp import _file_numbers, private_table

SMALL: dict[str, dict[str, Any]] = {
    "tvae": {"embedding_dim": 16, "encoder_dims": [32, 32], "decoder_dims": [32, 32]},
    "ctgan": {"embedding_dim": 16, "generator_dims": [32, 32], "discriminator_dims": [32, 32]},
}
MODELS = list(SMALL)


def fast(name: str, **more: Any) -> dict[str, Any]:
    return {"epochs": 2, "batch_size": 200, "verbose": False, **SMALL[name], **more}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return private_table()


@pytest.fixture(scope="module", params=MODELS)
def fitted(request: pytest.FixtureRequest, table: pd.DataFrame) -> Synthesizer:
    name = request.param
    return Synthesizer(name, epsilon=1.0, delta=1e-5, infer_schema=True, **fast(name)).fit(table)


def test_dp_sgd_spends_the_budget_and_stops(fitted: Synthesizer) -> None:
    record = fitted.describe()["model"]["privacy"]
    assert record["steps"] == record["steps_planned"] == 2 * round(2_000 / 200)
    assert 0.95 <= record["epsilon_spent"] <= 1.0 + 1e-9
    assert record["delta"] == 1e-5 and "rdp" in record["accountant"]
    assert set(record["from_budget"]) == {"amount", "ratio", "group", "flag"}
    history = fitted.history
    assert len(history) == 2 and history["epsilon_spent"].iloc[-1] == pytest.approx(
        record["epsilon_spent"], abs=1e-6
    )
    assert not any("discriminator" in k or "reconstruction" in k for k in history)


def test_no_raw_statistic_in_the_model_file(
    fitted: Synthesizer, table: pd.DataFrame, tmp_path: Path
) -> None:
    numbers, text = _file_numbers(fitted.save(tmp_path / "m.simulacra"))
    for column in ("amount", "ratio"):
        values = table[column].to_numpy()
        raw = [values.min(), values.max(), values.mean(), values.std(), np.median(values)]
        raw += list(np.quantile(values, np.linspace(0.01, 0.99, 99)))
        for stat in raw:
            assert not np.any(np.isclose(numbers, stat, rtol=1e-12, atol=0)), (column, stat)
        assert not np.isin(values, numbers).any()
    assert "zz_rare" not in text
    if isinstance(fitted, CTGAN):  # the conditional vector's counts are noisy, not raw
        raw_counts = [*table["group"].value_counts(), *table["flag"].value_counts()]
        noisy = fitted.sampler_.counts[fitted.sampler_.counts > 0]
        assert sorted(raw_counts) != sorted(noisy.tolist())


def test_ctgan_reuses_the_transformers_noisy_category_counts(fitted: Synthesizer) -> None:
    if not isinstance(fitted, CTGAN):
        pytest.skip("ctgan only")
    for j, block in enumerate(fitted.sampler_.blocks):
        kept = fitted.transformer_.columns_[block.column].code_counts_  # type: ignore[attr-defined]
        np.testing.assert_array_equal(fitted.sampler_.counts[j, : block.width], kept)
    record = fitted.describe()["model"]["privacy"]
    assert "no extra budget" in record["conditional_vector"]


def test_privacy_record_survives_save_and_load(fitted: Synthesizer, tmp_path: Path) -> None:
    loaded = Synthesizer.load(fitted.save(tmp_path / "m.simulacra"))
    pd.testing.assert_frame_equal(loaded.sample(200, seed=1), fitted.sample(200, seed=1))
    assert loaded.describe()["model"]["privacy"] == fitted.describe()["model"]["privacy"]


@pytest.mark.parametrize("name", MODELS)
def test_same_seed_different_models(name: str, tmp_path: Path) -> None:
    table = private_table(600)
    params = fast(name, epochs=1, epsilon=1.0, seed=3, infer_schema=True)
    first = Synthesizer(name, **params).fit(table).save(tmp_path / "a.simulacra")
    again = Synthesizer(name, **params).fit(table).save(tmp_path / "b.simulacra")
    assert first.read_bytes() != again.read_bytes()


def _per_row_mean(module: torch.nn.Module, loss: Any, inputs: tuple[torch.Tensor, ...]) -> list:
    """DPSGD's gradient without noise or clipping: the mean of the per-row gradients."""
    dp = DPSGD(
        module,
        PrivacyLedger(PrivacyBudget(1.0, 1e-5)),
        rows=len(inputs[0]),
        batch_size=len(inputs[0]),
        epochs=1,
        max_grad_norm=1e6,
    )
    dp.noise_multiplier = 0.0
    dp.gradients(loss, inputs)
    return [p.grad.clone() for p in module.parameters()]


def test_critic_per_row_loss_with_gradient_penalty_matches_autograd() -> None:
    torch.manual_seed(0)
    critic = discriminator_net(6, [16, 16], pac=1).eval()  # no dropout: both see one net
    real, partner, alpha = torch.randn(20, 6), torch.randn(20, 6), torch.rand(20, 1)
    ours = _per_row_mean(critic, CTGAN._real_row_loss, (real, partner, alpha))

    mixed = (alpha * real + (1 - alpha) * partner).requires_grad_(True)
    (slope,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    penalty = 10.0 * ((slope.norm(dim=1) - 1) ** 2).mean()
    critic.zero_grad()
    (penalty - critic(real).mean()).backward()
    for mine, theirs in zip(ours, critic.parameters(), strict=True):
        assert torch.allclose(mine, theirs.grad, atol=1e-5)


def test_vae_per_row_loss_matches_autograd_of_the_batch(table: pd.DataFrame) -> None:
    syn = Synthesizer("tvae", **fast("tvae", epochs=1)).fit(table[:400])
    loss = PrivateLoss(syn.encoder_, syn.decoder_, syn.padded_, syn.loss_factor)
    x = torch.as_tensor(syn.transformer_.encode(table[:50]), dtype=torch.float32)
    inputs = (x, *syn.padded_.targets(x), torch.randn(50, syn.embedding_dim))
    ours = _per_row_mean(loss, lambda f, *row: f(*(t[None] for t in row)), inputs)
    loss.zero_grad()
    loss(*inputs).backward()
    for mine, param in zip(ours, loss.parameters(), strict=True):
        assert torch.allclose(mine, param.grad, atol=1e-4, rtol=1e-4)
