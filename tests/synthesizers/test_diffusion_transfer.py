"""ddpm started from a base model (`fit_from`, `fit --init` with a ddpm base): the shared
columns' weights are the base's (the denoiser's function holds before any step), a column the
base lacks starts at zero input weights, the fit beats scratch on a small table, files and
seeds behave as ever, and a base of other layers is one clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from simulacra import Synthesizer
from simulacra.errors import ParameterError

from .test_transfer import against_scratch, related_table, saved_base

FAST = {"epochs": 60, "hidden_dims": (128, 128), "verbose": False}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Synthesizer, Path]:
    return saved_base("ddpm", FAST, tmp_path_factory)


def test_a_base_beats_scratch_on_100_rows(base: tuple[Synthesizer, Path]) -> None:
    auc_init, auc_scratch, started = against_scratch("ddpm", FAST, base[1])
    assert auc_init < auc_scratch - 0.05, (auc_init, auc_scratch)
    summary = started.describe()["init"]["summary"]
    assert summary == "initialised from base.simulacra: 4 of 4 columns shared"


def test_before_any_step_the_network_is_the_base(base: tuple[Synthesizer, Path]) -> None:
    small = related_table(100, 2)
    started = Synthesizer("ddpm", seed=0, **{**FAST, "epochs": 1, "learning_rate": 1e-12})
    started.fit_from(base[0], small)
    mine, theirs = started.net_.state_dict(), base[0].net_.state_dict()
    assert set(mine) == set(theirs)
    for key, value in mine.items():
        assert torch.allclose(value, theirs[key], atol=1e-6), key


def test_a_new_column_starts_at_zero_and_a_missing_one_is_dropped(
    base: tuple[Synthesizer, Path],
) -> None:
    small = related_table(100, 2).drop(columns=["flag"])
    small["w"] = np.random.default_rng(5).normal(size=100)
    model = Synthesizer("ddpm", seed=0, **{**FAST, "epochs": 1, "learning_rate": 1e-12})
    model.fit_from(base[0], small)
    assert model.describe()["init"]["shared_columns"] == ["group", "y", "z"]
    numbers = [b.column for b in model.transformer_.blocks_ if b.activation == "normal"]
    w = numbers.index("w")
    weight = model.net_.number_in.weight
    for part in range(3):  # noisy, clean and flag inputs of the new number: zero
        assert float(weight[:, part * len(numbers) + w].abs().max()) < 1e-9  # one tiny step
    assert list(model.sample(50, seed=0).columns) == ["group", "y", "z", "w"]


def test_saved_reloaded_and_seeded_alike(base: tuple[Synthesizer, Path], tmp_path: Path) -> None:
    small = related_table(100, 2)
    one = Synthesizer("ddpm", seed=3, **FAST).fit_from(base[0], small)
    two = Synthesizer("ddpm", seed=3, **FAST).fit_from(base[0], small)
    pd.testing.assert_frame_equal(one.sample(200, seed=1), two.sample(200, seed=1))
    path = one.save(tmp_path / "m.simulacra")
    again = Synthesizer.load(path)
    pd.testing.assert_frame_equal(again.sample(200, seed=1), one.sample(200, seed=1))
    assert again.describe()["init"]["summary"].endswith("4 of 4 columns shared")


def test_a_base_of_other_layers_is_one_clear_error(base: tuple[Synthesizer, Path]) -> None:
    small = related_table(100, 2)
    with pytest.raises(ParameterError, match="has layers"):
        Synthesizer("ddpm", **{**FAST, "hidden_dims": (64,)}).fit_from(base[0], small)
    with pytest.raises(ParameterError, match="holds a 'ddpm' model, not 'autoregressive'"):
        Synthesizer("autoregressive", **FAST).fit_from(base[0], small)
    with pytest.raises(ParameterError, match=r"copula cannot start .*autoregressive, ddpm can"):
        Synthesizer("copula", verbose=False).fit_from(base[0], small)
