"""The diffusion synthesizer: it learns, conditions by inpainting, imputes, and reproduces."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulacra import ParameterError, Synthesizer
from simulacra.synthesizers.diffusion_net import signal_level, time_grid
from simulacra.synthesizers.truncated import truncated_normal

FAST = {
    "epochs": 80,
    "batch_size": 128,
    "learning_rate": 4e-3,
    "hidden_dims": (128, 128),
    "verbose": False,
}
MU = {"a": -2.0, "b": 0.0, "c": 3.0}


def make_table(n: int = 3_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(list(MU), n, p=[0.5, 0.3, 0.2])
    y = np.array([MU[g] for g in group]) + rng.normal(size=n)
    x = 0.8 * y + rng.normal(scale=0.8, size=n)
    debt = np.where(rng.random(n) < 0.3, 0.0, np.round(rng.gamma(2.0, 500.0, n), 2))
    return pd.DataFrame({"group": group, "y": y, "x": x, "debt": debt})


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return make_table()


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame) -> Synthesizer:
    return Synthesizer("ddpm", seed=0, **FAST).fit(table)


def test_it_learns_every_column_and_the_correlations(
    fitted: Synthesizer, table: pd.DataFrame
) -> None:
    rows = fitted.sample(3_000, seed=1)
    for column in ("y", "x", "debt"):
        assert stats.ks_2samp(rows[column], table[column]).statistic < 0.08, column
    shares = rows["group"].value_counts(normalize=True)
    real = table["group"].value_counts(normalize=True)
    assert (shares - real).abs().max() < 0.05
    assert abs(rows["x"].corr(rows["y"]) - table["x"].corr(table["y"])) < 0.08
    assert abs((rows["debt"] == 0).mean() - 0.3) < 0.06  # the point mass survives


def test_a_category_condition_gives_the_real_conditional_distribution(
    fitted: Synthesizer, table: pd.DataFrame
) -> None:
    rows = fitted.sample(1_000, conditions={"group": "c"}, seed=2)
    assert len(rows) == 1_000 and (rows["group"] == "c").all()
    real = table.loc[table["group"] == "c", "y"]
    assert abs(rows["y"].mean() - real.mean()) < 0.3
    assert stats.ks_2samp(rows["y"], real).statistic < 0.12


def test_a_number_condition_shifts_the_other_columns_like_the_real_conditional(
    fitted: Synthesizer, table: pd.DataFrame
) -> None:
    rows = fitted.sample(1_000, conditions={"y": 3.0}, seed=3)
    assert (rows["y"] == 3.0).all()
    near = table[(table["y"] - 3.0).abs() < 0.4]
    share = (rows["group"] == "c").mean()
    assert abs(share - (near["group"] == "c").mean()) < 0.15
    assert share > 0.6  # the prior share of c is 0.2
    assert abs(rows["x"].mean() - near["x"].mean()) < 0.4


def test_renoised_inpainting_meets_conditions_but_conditions_less(fitted: Synthesizer) -> None:
    """The classic replacement method: exact rows too, but a weaker pull on the others."""
    clean = (fitted.sample(1_000, conditions={"y": 3.0}, seed=3)["group"] == "c").mean()
    try:
        fitted.inpainting = "renoise"
        rows = fitted.sample(1_000, conditions={"y": 3.0, "debt": 0.0}, seed=3)
    finally:
        fitted.inpainting = "clean"
    assert (rows["y"] == 3.0).all() and (rows["debt"] == 0.0).all()
    assert 0.2 < (rows["group"] == "c").mean() < clean


def test_a_range_condition_is_exact_and_keeps_the_conditional_distribution(
    fitted: Synthesizer, table: pd.DataFrame
) -> None:
    rows = fitted.sample(1_000, conditions={"y": (2.0, 4.0)}, seed=4)
    assert len(rows) == 1_000 and rows["y"].between(2.0, 4.0).all()
    assert max((rows["y"] == 2.0).mean(), (rows["y"] == 4.0).mean()) < 0.01  # no pile-ups
    real = table[table["y"].between(2.0, 4.0)]
    assert stats.ks_2samp(rows["y"], real["y"]).statistic < 0.12
    assert abs((rows["group"] == "c").mean() - (real["group"] == "c").mean()) < 0.15


def test_several_conditions_and_ranges_at_once_are_all_met(fitted: Synthesizer) -> None:
    conditions = {"group": "a", "debt": 0.0, "y": (-3.0, -1.0), "x": (-2.5, 0.0)}
    rows = fitted.sample(300, conditions=conditions, seed=5)
    assert len(rows) == 300
    assert (rows["group"] == "a").all() and (rows["debt"] == 0.0).all()
    assert rows["y"].between(-3.0, -1.0).all() and rows["x"].between(-2.5, 0.0).all()
    # the two ranged columns keep their correlation (drawn jointly, not independently)
    assert rows["x"].corr(rows["y"]) > 0.1


def test_impute_fills_missing_cells_from_the_rest_of_the_row(fitted: Synthesizer) -> None:
    holes = make_table(600, seed=5)
    truth = holes.copy()
    holes.loc[::2, "group"] = None
    holes.loc[1::4, "x"] = np.nan
    filled = fitted.impute(holes, seed=6)
    assert filled["group"].notna().all() and filled["x"].notna().all()
    present = holes["group"].notna()
    pd.testing.assert_series_equal(filled.loc[present, "group"], holes.loc[present, "group"])
    pd.testing.assert_series_equal(filled["y"], holes["y"])
    accuracy = (filled.loc[~present, "group"] == truth.loc[~present, "group"]).mean()
    assert accuracy > 0.7  # the majority class alone gets 0.5; y separates the groups
    gaps = holes["x"].isna()
    error = (filled.loc[gaps, "x"] - 0.8 * truth.loc[gaps, "y"]).std()
    assert error < 1.1  # the noise around 0.8 y is 0.8; x's own spread is about 2.3
    pd.testing.assert_frame_equal(filled, fitted.impute(holes, seed=6))


def test_few_and_many_sampling_steps_both_work(fitted: Synthesizer, table: pd.DataFrame) -> None:
    try:
        for sampler in ("dpm", "ddim"):
            for steps in (5, 200):
                fitted.sampler, fitted.sampling_steps = sampler, steps
                rows = fitted.sample(1_500, seed=7)
                assert stats.ks_2samp(rows["y"], table["y"]).statistic < 0.1, (sampler, steps)
                real = table["x"].corr(table["y"])
                assert abs(rows["x"].corr(rows["y"]) - real) < 0.1, (sampler, steps)
    finally:
        fitted.sampler, fitted.sampling_steps = "dpm", 20


def test_same_seed_same_bytes_refit_and_save_load(
    fitted: Synthesizer, table: pd.DataFrame, tmp_path: Path
) -> None:
    first = fitted.sample(500, conditions={"group": "b"}, seed=8)
    pd.testing.assert_frame_equal(first, fitted.sample(500, conditions={"group": "b"}, seed=8))
    small = {**FAST, "epochs": 3}
    again = [Synthesizer("ddpm", seed=1, **small).fit(table) for _ in range(2)]
    pd.testing.assert_frame_equal(again[0].sample(300, seed=2), again[1].sample(300, seed=2))
    loaded = Synthesizer.load(fitted.save(tmp_path / "m.simulacra"))
    pd.testing.assert_frame_equal(loaded.sample(400, seed=9), fitted.sample(400, seed=9))
    fewer = Synthesizer.load(tmp_path / "m.simulacra", sampling_steps=10)
    assert fewer.sampling_steps == 10 and len(fewer.sample(50, seed=1)) == 50


def test_progress_history_and_describe(fitted: Synthesizer) -> None:
    history = fitted.history
    assert len(history) == FAST["epochs"]
    assert {"loss", "number_loss", "token_loss", "seconds"} <= set(history.columns)
    assert history["loss"].iloc[-10:].mean() < history["loss"].iloc[:3].mean()
    model = fitted.describe()["model"]
    assert model["sampling_steps"] == 20 and model["diffusion_steps"] == 1_000
    assert model["sampler"] == "DPM-Solver++(2M)"
    assert "inpainting" in model["conditions"]


def test_more_sampling_than_training_steps_is_a_parameter_error(table: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="sampling_steps"):
        Synthesizer("ddpm", diffusion_steps=10, sampling_steps=20, verbose=False).fit(table)


def test_schedule_and_strided_time_grid() -> None:
    import torch

    level = signal_level(torch.tensor([0.0, 0.5, 1.0]))
    assert level[0] == pytest.approx(1.0) and level[2] == pytest.approx(0.0, abs=1e-6)
    assert 0.4 < float(level[1]) < 0.6
    grid = time_grid(4, 1_000)
    assert grid == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert len(time_grid(1_000, 1_000)) == 1_001


def test_truncated_normal_stays_inside_and_has_the_right_shape() -> None:
    rng = np.random.default_rng(0)
    draws = truncated_normal(np.zeros(20_000), 1.0, 1.0, 2.0, rng)
    assert draws.min() >= 1.0 and draws.max() <= 2.0
    expected = stats.truncnorm(1.0, 2.0)
    assert stats.kstest(draws, expected.cdf).statistic < 0.02
    far = truncated_normal(np.zeros(1_000), 1.0, 9.0, 9.5, rng)  # deep in the tail
    assert np.isfinite(far).all() and far.min() >= 9.0 and far.max() <= 9.5


@pytest.mark.parametrize("one_hot_limit", [0, 10_000])
@pytest.mark.parametrize("numbers, sizes", [(3, [4, 2, 7]), (0, [5, 3]), (2, [])])
def test_the_sampling_pass_computes_the_training_network(
    monkeypatch: pytest.MonkeyPatch, one_hot_limit: int, numbers: int, sizes: list[int]
) -> None:
    """In float32, the prepared pass (first layer as one product with one-hot token columns
    or as the bag, rows in blocks) gives the network's own outputs, across block edges."""
    import torch

    from simulacra.synthesizers import diffusion_net

    monkeypatch.setattr(diffusion_net, "BLOCK_ROWS", 64)
    monkeypatch.setattr(diffusion_net, "ONE_HOT_LIMIT", one_hot_limit)
    torch.manual_seed(0)
    net = diffusion_net.Denoiser(numbers, sizes, [32, 16, 24])
    rows = 150  # two full blocks and a part
    x = torch.randn(rows, numbers)
    known = (torch.rand(rows, numbers) < 0.3).float()
    tokens = torch.zeros((rows, len(sizes)), dtype=torch.long)
    for j, k in enumerate(sizes):
        tokens[:, j] = torch.randint(0, k + 1, (rows,))  # the mask token k included
    t = torch.tensor([0.37])
    with torch.inference_mode():
        want = net(x, known, tokens, t)
        prepared = diffusion_net.SamplingPass(net, torch.float32)
        assert prepared.one_hot == bool(sizes and one_hot_limit)
        got = prepared(x, known, tokens, t)
        half = diffusion_net.SamplingPass(net, torch.bfloat16)(x, known, tokens, t)
    for a, b, c in zip(got, want, half, strict=True):
        assert a.shape == b.shape and a.dtype == torch.float32
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
        assert c.numel() == 0 or float((c - b).abs().max()) < 0.1  # bfloat16 rounding only
