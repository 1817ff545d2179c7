"""TVAE: learning, reproducible training, the learned output scale, save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Synthesizer
from simulacra._torch import module_state
from simulacra.errors import ModelFileError
from simulacra.synthesizers.tvae import TVAE

from .two_modes import check_learned, two_modes

FAST = {"epochs": 60, "batch_size": 100, "learning_rate": 3e-3, "verbose": False}


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return two_modes(2_000)


@pytest.fixture(scope="module")
def fitted(real: pd.DataFrame) -> Synthesizer:
    return Synthesizer("tvae", seed=0, **FAST).fit(real)


def test_short_training_recovers_modes_correlation_and_conditions(
    fitted: Synthesizer, real: pd.DataFrame
) -> None:
    check_learned(fitted, real)


def test_training_only_state_is_dropped_after_fit(fitted: Synthesizer) -> None:
    left = [k for k in vars(fitted) if k.startswith("_opt") or k in ("_rows", "_flat")]
    assert left == []


def test_losses_fall_and_scales_stay_in_range(fitted: Synthesizer) -> None:
    history = fitted.history
    assert len(history) == FAST["epochs"]
    assert history["reconstruction_loss"].iloc[-5:].mean() < history["reconstruction_loss"].iloc[0]
    sigma = fitted.decoder_.sigma.detach().numpy()  # type: ignore[attr-defined]
    assert ((sigma >= 0.01) & (sigma <= 1.0)).all()
    assert len(sigma) == 2 and not np.allclose(sigma, 0.1)  # one learned scale per scalar (x, y)


def test_same_seed_same_weights(real: pd.DataFrame) -> None:
    small = real.iloc[:500]
    a, b, c = (
        Synthesizer("tvae", seed=s, epochs=2, batch_size=100, verbose=False).fit(small)
        for s in (1, 1, 2)
    )
    wa, wb, wc = (module_state(s.decoder_) for s in (a, b, c))  # type: ignore[attr-defined]
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert not all(np.array_equal(wa[k], wc[k]) for k in wa)


def test_save_load_keeps_weights_history_and_samples(fitted: Synthesizer, tmp_path: Path) -> None:
    loaded = Synthesizer.load(fitted.save(tmp_path / "tvae.simulacra"))
    # model files keep no wall-clock times (the same fit gives the same bytes)
    timings = ["seconds", "cpu_seconds"]
    pd.testing.assert_frame_equal(loaded.history, fitted.history.drop(columns=timings))
    described = {**fitted.describe()["model"], "seconds_per_epoch": None}
    assert loaded.describe()["model"] == described
    before = module_state(fitted.encoder_)  # type: ignore[attr-defined]
    after = module_state(loaded.encoder_)  # type: ignore[attr-defined]
    assert all(np.array_equal(before[k], after[k]) for k in before)
    pd.testing.assert_frame_equal(
        loaded.sample(1_000, conditions={"g": "A"}, seed=3),
        fitted.sample(1_000, conditions={"g": "A"}, seed=3),
    )


def test_float32_training_is_available(real: pd.DataFrame) -> None:
    syn = Synthesizer("tvae", epochs=1, batch_size=100, precision="float32", verbose=False)
    syn.fit(real.iloc[:300])
    assert syn.describe()["model"]["training_precision"] == "float32"


def test_a_tvae_saved_with_the_old_network_layout_is_refused_clearly(
    fitted: Synthesizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TVAE, "_extra_state", lambda self: {})  # what older versions wrote
    path = fitted.save(tmp_path / "old.simulacra")
    monkeypatch.undo()
    with pytest.raises(ModelFileError, match="another layout; fit it again"):
        Synthesizer.load(path)
