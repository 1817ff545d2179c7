"""The any-order autoregressive model: exact conditions, imputation, protections."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulacra import Synthesizer

FAST = {"epochs": 60, "hidden_dims": (256, 128), "verbose": False}
MU = {"a": -2.0, "b": 0.0, "c": 3.0}


def make_table(n: int = 3_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(list(MU), n, p=[0.5, 0.3, 0.2])
    y = np.array([MU[g] for g in group]) + rng.normal(size=n)
    debt = np.where(rng.random(n) < 0.3, 0.0, np.round(rng.gamma(2.0, 500.0, n), 2))
    rare = np.where(np.arange(n) < 2, "only-twice", rng.choice(["x", "y"], n))
    return pd.DataFrame({"group": group, "y": y, "debt": debt, "tag": rare})


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return make_table()


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame) -> Synthesizer:
    return Synthesizer("autoregressive", seed=0, **FAST).fit(table)


def test_a_category_condition_gives_the_real_conditional_distribution(
    fitted: Synthesizer, table: pd.DataFrame
) -> None:
    rows = fitted.sample(1_000, conditions={"group": "c"}, seed=1)
    assert len(rows) == 1_000 and (rows["group"] == "c").all()
    real = table.loc[table["group"] == "c", "y"]
    assert abs(rows["y"].mean() - real.mean()) < 0.3
    assert stats.ks_2samp(rows["y"], real).statistic < 0.12


def test_a_condition_on_a_later_column_shifts_the_earlier_ones(
    fitted: Synthesizer, table: pd.DataFrame
) -> None:
    """`y` comes after `group` in the table: conditioning on it needs any-order training."""
    rows = fitted.sample(1_000, conditions={"y": 3.0}, seed=2)
    assert (rows["y"] == 3.0).all()
    near = table.loc[(table["y"] - 3.0).abs() < 0.5, "group"].value_counts(normalize=True)
    got = rows["group"].value_counts(normalize=True)
    assert abs(got.get("c", 0.0) - near["c"]) < 0.12
    assert got.get("c", 0.0) > 0.6  # the prior share of c is 0.2


def test_a_range_condition_keeps_the_conditional_distribution(
    fitted: Synthesizer, table: pd.DataFrame
) -> None:
    rows = fitted.sample(1_000, conditions={"y": (2.0, 4.0)}, seed=9)
    assert rows["y"].between(2.0, 4.0).all()
    assert max((rows["y"] == 2.0).mean(), (rows["y"] == 4.0).mean()) < 0.01  # no pile-ups
    real = table[table["y"].between(2.0, 4.0)]
    assert stats.ks_2samp(rows["y"], real["y"]).statistic < 0.12
    share = rows["group"].value_counts(normalize=True).get("c", 0.0)
    assert abs(share - (real["group"] == "c").mean()) < 0.1


def test_several_conditions_at_once_are_all_met(fitted: Synthesizer) -> None:
    rows = fitted.sample(300, conditions={"group": "a", "tag": "y", "debt": 0.0}, seed=3)
    assert (rows["group"] == "a").all() and (rows["tag"] == "y").all()
    assert (rows["debt"] == 0.0).all()


def test_impute_fills_missing_cells_from_the_rest_of_the_row(
    fitted: Synthesizer, table: pd.DataFrame
) -> None:
    holes = make_table(600, seed=5)
    truth = holes["group"].copy()
    holes.loc[::2, "group"] = None
    filled = fitted.impute(holes, seed=4)
    assert filled["group"].notna().all()
    present = holes["group"].notna()
    pd.testing.assert_series_equal(filled.loc[present, "group"], holes.loc[present, "group"])
    pd.testing.assert_frame_equal(filled.drop(columns="group"), holes.drop(columns="group"))
    accuracy = (filled.loc[~present, "group"] == truth[~present]).mean()
    assert accuracy > 0.7  # the majority class alone gets 0.5; y separates the groups
    pd.testing.assert_frame_equal(filled, fitted.impute(holes, seed=4))


def test_rare_categories_and_extremes_are_never_emitted_nor_stored(
    fitted: Synthesizer, table: pd.DataFrame, tmp_path: Path
) -> None:
    rows = fitted.sample(5_000, seed=6)
    assert "only-twice" not in set(rows["tag"])
    assert table["y"].min() < rows["y"].min() and rows["y"].max() < table["y"].max()
    path = fitted.save(tmp_path / "m.simulacra")
    with zipfile.ZipFile(path) as archive:
        text = archive.read("state.json").decode() + archive.read("manifest.json").decode()
    assert "only-twice" not in text
    for extreme in (table["y"].min(), table["y"].max(), table["debt"].max()):
        assert json.dumps(float(extreme)) not in text


def test_point_masses_are_kept_exact(fitted: Synthesizer, table: pd.DataFrame) -> None:
    rows = fitted.sample(4_000, seed=7)
    # exact zeros survive; their share is 3-4 points low (a known calibration gap)
    assert abs((rows["debt"] == 0).mean() - (table["debt"] == 0).mean()) < 0.06
    model = fitted.describe()["model"]
    assert model["best_epoch"] <= model["epochs_trained"] <= FAST["epochs"]
    assert "validation_loss" in fitted.history.columns


def test_lower_temperature_gives_more_typical_rows(table: pd.DataFrame) -> None:
    sharp = Synthesizer("autoregressive", seed=0, temperature=0.5, **FAST).fit(table)
    rows = sharp.sample(3_000, seed=8)
    share = rows["group"].value_counts(normalize=True)
    assert share["a"] > 0.55  # 0.5 in the data: the mode gains at low temperature


def test_impute_with_nulls_draws_empty_cells_as_the_rest_of_the_row_says() -> None:
    """nulls=True (a dataset's child rows drawn given their parent): an unknown cell is empty
    as often as the model learned given the row; by default a filled cell is never empty."""
    rng = np.random.default_rng(1)
    group = rng.choice(["a", "b"], 3_000)
    score = np.where(
        rng.random(3_000) < np.where(group == "a", 0.6, 0.1), np.nan, rng.normal(size=3_000)
    )
    table = pd.DataFrame({"group": group, "score": score})
    syn = Synthesizer("autoregressive", seed=0, **{**FAST, "epochs": 30}).fit(table)
    unknown = pd.DataFrame({"group": ["a"] * 1_000 + ["b"] * 1_000, "score": np.nan})
    assert syn.impute(unknown, seed=2)["score"].notna().all()
    drawn = syn.impute(unknown, seed=2, nulls=True)
    empty = drawn["score"].isna().groupby(drawn["group"]).mean()
    assert empty["a"] == pytest.approx(0.6, abs=0.08) and empty["b"] == pytest.approx(0.1, abs=0.05)
    pd.testing.assert_frame_equal(drawn, syn.impute(unknown, seed=2, nulls=True))


def test_the_warm_up_ends_after_its_steps_on_large_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    # with an epoch of many steps, tracking the best epoch starts once WARMUP_STEPS are done
    import simulacra.synthesizers.autoregressive as module

    monkeypatch.setattr(module, "WARMUP_STEPS", 30)
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": rng.normal(size=2_000), "g": rng.choice(["a", "b"], 2_000)})
    model = Synthesizer("autoregressive", epochs=12, batch_size=64, seed=0, verbose=False)
    model.fit(table)  # 2,000 rows at 36 rows a step: 50 steps an epoch, past 30 in epoch 1
    assert model.describe()["model"]["best_epoch"] >= 1
    monkeypatch.setattr(module, "WARMUP_STEPS", 10**9)
    late = Synthesizer("autoregressive", epochs=12, batch_size=64, seed=0, verbose=False)
    assert late.fit(table).describe()["model"].get("best_epoch") is None  # 40 epochs not reached
