"""CTGAN: learning, reproducible training, the conditional sampler, high-cardinality columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from simulacra import ParameterError, Synthesizer
from simulacra._torch import module_state, resolve_device
from simulacra.synthesizers.condvec import ConditionalSampler

from .two_modes import check_learned, two_modes

FAST = {"epochs": 40, "batch_size": 100, "learning_rate": 1e-3, "verbose": False}


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return two_modes(1_000)


@pytest.fixture(scope="module")
def fitted(real: pd.DataFrame) -> Synthesizer:
    return Synthesizer("ctgan", seed=0, **FAST).fit(real)


def test_short_training_recovers_modes_correlation_and_conditions(
    fitted: Synthesizer, real: pd.DataFrame
) -> None:
    check_learned(fitted, real)


def test_history_has_one_row_per_epoch_with_finite_losses(fitted: Synthesizer) -> None:
    history = fitted.history
    assert list(history["epoch"]) == list(range(1, FAST["epochs"] + 1))
    losses = history[["generator_loss", "discriminator_loss"]].to_numpy()
    assert np.isfinite(losses).all()
    assert fitted.describe()["model"]["epochs_trained"] == FAST["epochs"]


def test_same_seed_same_weights(real: pd.DataFrame) -> None:
    a = Synthesizer("ctgan", seed=4, epochs=2, batch_size=100, verbose=False).fit(real)
    b = Synthesizer("ctgan", seed=4, epochs=2, batch_size=100, verbose=False).fit(real)
    c = Synthesizer("ctgan", seed=5, epochs=2, batch_size=100, verbose=False).fit(real)
    wa, wb, wc = (module_state(s.generator_) for s in (a, b, c))  # type: ignore[attr-defined]
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert not all(np.array_equal(wa[k], wc[k]) for k in wa)


def test_auto_device_trains_without_a_gpu(fitted: Synthesizer) -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert fitted.describe()["model"]["device"].startswith(expected)
    if not torch.cuda.is_available():
        with pytest.raises(ParameterError, match="no CUDA"):
            resolve_device("cuda")


def test_batch_size_must_be_a_multiple_of_pac(real: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="multiple of pac"):
        Synthesizer("ctgan", batch_size=105, verbose=False).fit(real)


def test_training_by_sampling_pairs_rows_with_their_category() -> None:
    real = two_modes(600, seed=3)
    syn = Synthesizer("ctgan", epochs=1, batch_size=100, verbose=False).fit(real)
    data = torch.as_tensor(syn.transformer_.encode(real), dtype=torch.float32)
    blocks = syn._discrete_blocks()  # type: ignore[attr-defined]
    sampler = ConditionalSampler.from_data(blocks, data)
    gen = torch.Generator().manual_seed(0)
    cond, position = sampler.sample_train(5_000, gen)
    rows = sampler.real_rows(position, gen)
    block = blocks[0]
    chosen = data[rows, block.start : block.stop].argmax(dim=1)
    assert torch.equal(chosen, cond.argmax(dim=1))
    # log-frequency draws flatten the 40/60 split towards 50/50
    first = syn.transformer_.columns_["g"].categories_[0]
    count = int((real["g"] == first).sum())
    expected = np.log1p(count) / (np.log1p(count) + np.log1p(len(real) - count))
    share = cond[:, 0].mean().item()
    assert abs(share - expected) < 0.03


def test_high_cardinality_column_is_capped_and_described() -> None:
    rng = np.random.default_rng(0)
    n = 2_000
    table = pd.DataFrame(
        {"code": [f"c{v}" for v in rng.zipf(1.5, n) % 5_000], "x": rng.normal(size=n)}
    )
    syn = Synthesizer("ctgan", epochs=1, batch_size=100, max_categories=20, verbose=False)
    syn.fit(table)
    described = syn.describe()
    assert described["columns"]["code"]["width"] <= 22
    assert "other" in described["columns"]["code"]["tail"]
    assert described["model"]["encoded_width"] < 40
    synth = syn.sample(2_000, seed=0)
    counts = table["code"].value_counts()
    assert synth["code"].isin(set(counts.index[counts >= 5]) | {"other"}).all()
    assert synth["code"].nunique() > 20
