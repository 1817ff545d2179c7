"""The value grid of numerical columns: learned steps and point masses, snapped on decoding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Synthesizer
from simulacra.metadata import Metadata
from simulacra.transforms import TableTransformer
from simulacra.transforms.grid import Grid, learn_grid, learn_masses, learn_step

FAST = {
    "ctgan": {"epochs": 3, "batch_size": 100},
    "tvae": {"epochs": 3, "batch_size": 100},
    "copula": {},
}


def _grid_table(n: int = 1_000, seed: int = 0) -> pd.DataFrame:
    """Loan amounts in multiples of 25, a debt column 30% exact zeros, a plain float."""
    rng = np.random.default_rng(seed)
    loan = rng.integers(4, 400, n) * 25
    debt = np.round(rng.lognormal(6, 1, n), 2)
    debt[rng.random(n) < 0.3] = 0.0
    return pd.DataFrame(
        {
            "loan": loan.astype(np.int64),
            "debt": debt,
            "score": np.round(rng.normal(600, 50, n), 3),
            "grade": rng.choice(["A", "B", "C"], n),
        }
    )


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return _grid_table()


@pytest.fixture(scope="module")
def copula(table: pd.DataFrame) -> Synthesizer:
    return Synthesizer("copula", seed=0, verbose=False).fit(table)


def test_step_is_the_largest_candidate_nearly_all_values_are_multiples_of() -> None:
    rng = np.random.default_rng(1)
    assert learn_step(rng.integers(1, 400, 2_000) * 25.0, 0) == 25.0
    assert learn_step(rng.integers(1, 400, 2_000) * 1_000.0, 0) == 1_000.0
    assert learn_step(np.round(rng.integers(200, 2_000, 2_000) * 0.05, 2), 2) == 0.05
    assert learn_step(rng.integers(1, 400, 2_000) * 1.0, 0) == 1.0
    assert learn_step(np.round(rng.normal(0, 1, 2_000), 2), 2) == 0.01
    assert learn_step(rng.normal(0, 1, 2_000), None) is None


def test_a_handful_of_off_grid_values_does_not_break_the_step() -> None:
    values = np.random.default_rng(2).integers(1, 400, 4_000) * 25.0
    values[:15] += 3  # 0.375% of the rows
    assert learn_step(values, 0) == 25.0
    values[:40] += 3  # 1%: too many, the step falls back to what they all share
    assert learn_step(values, 0) == 1.0


def test_zeros_are_no_evidence_for_a_step() -> None:
    values = np.zeros(2_000)
    values[:5] = [3.0, 7.0, 11.0, 13.0, 17.0]
    assert learn_step(values, 0) == 1.0  # few nonzero values: the column's precision
    assert learn_step(np.zeros(50), 2) == 0.01


def test_point_masses_need_a_share_and_a_count() -> None:
    rng = np.random.default_rng(3)
    values = np.round(rng.uniform(1, 100, 1_000), 2)
    values[:300] = 0.0
    values[300:315] = 40.0  # 1.5% but only 15 rows
    masses, shares, windows = learn_masses(values, 100.0)
    assert masses == (0.0,)
    assert shares[0] == pytest.approx(0.3)
    below, above = windows[0]
    nearest = values[values > 0].min()
    assert 0 < above <= nearest / 2 and above <= 1.0  # half the gap, at most 1% of the range


def test_snap_goes_to_masses_then_to_the_step_within_bounds() -> None:
    grid = Grid(step=25.0, masses=(0.0,), shares=(0.3,), windows=((1.0, 20.0),))
    values = np.array([-0.5, 3.0, 19.9, 21.0, 37.4, 37.6, 1_000.0, 990.0])
    snapped = grid.snap(values, low=0.0, high=990.0)
    assert snapped.tolist() == [0.0, 0.0, 0.0, 25.0, 25.0, 50.0, 975.0, 975.0]
    # no multiple of the step in the range: values are left as they are
    assert Grid(step=25.0).snap(np.array([3.0]), 1.0, 10.0).tolist() == [3.0]


def test_step_snapping_writes_clean_decimals() -> None:
    snapped = Grid(step=0.05).snap(np.array([29.849, 0.3333, 70.126]), 0.0, 100.0)
    assert snapped.tolist() == [29.85, 0.35, 70.15]


@pytest.mark.parametrize("model", ["copula", "ctgan", "tvae"])
def test_samples_lie_on_the_learned_step(table: pd.DataFrame, model: str) -> None:
    syn = Synthesizer(model, seed=0, verbose=False, **FAST[model]).fit(table)
    synth = syn.sample(2_000, seed=1)
    assert syn.describe()["columns"]["loan"]["snap"] == "step 25"
    assert (synth["loan"] % 25 == 0).all()
    assert synth["loan"].between(table["loan"].min(), table["loan"].max()).all()
    assert synth["loan"].dtype == table["loan"].dtype


def test_copula_keeps_the_share_of_exact_zeros(copula: Synthesizer, table: pd.DataFrame) -> None:
    synth = copula.sample(20_000, seed=1)
    real_share = (table["debt"] == 0).mean()
    assert abs(real_share - 0.3) < 0.03
    assert abs((synth["debt"] == 0).mean() - real_share) < 0.03
    assert copula.describe()["columns"]["debt"]["snap"].startswith("mass 0 (")


def test_describe_shows_step_and_point_masses(copula: Synthesizer, table: pd.DataFrame) -> None:
    columns = copula.describe()["columns"]
    share = (table["debt"] == 0).mean()
    assert columns["debt"]["snap"] == f"mass 0 ({share:.0%})"  # step 0.01: the decimals
    assert columns["loan"]["snap"] == "step 25"
    assert "snap" not in columns["score"]  # nothing beyond its 3 decimals
    many = Grid(step=1.0, masses=(1.0, 2.0, 3.0, 4.0), shares=(0.1,) * 4, windows=((0.5, 0.5),) * 4)
    assert many.describe() == "step 1, 4 masses"
    assert Grid().describe() is None


def test_saved_and_loaded_models_sample_the_same_rows(copula: Synthesizer, tmp_path: Path) -> None:
    path = copula.save(tmp_path / "m.simulacra")
    loaded = Synthesizer.load(path)
    pd.testing.assert_frame_equal(loaded.sample(500, seed=3), copula.sample(500, seed=3))
    assert loaded.describe()["columns"] == copula.describe()["columns"]


def test_state_saved_before_grids_loads_as_no_grid(table: pd.DataFrame) -> None:
    transformer = TableTransformer(Metadata.infer(table), verbose=False).fit(table)
    state = transformer.get_state()
    for column in state["columns"].values():
        for key in ("step", "masses", "mass_shares", "mass_windows"):
            column.pop(key, None)
    old = TableTransformer.from_state(transformer.metadata, state)
    assert "snap" not in old.describe()["loan"]
    encoded = transformer.encode(table)
    rng = np.random.default_rng(0)
    decoded = old.decode(encoded + rng.normal(0, 0.3, encoded.shape), np.random.default_rng(1))
    assert (decoded["loan"] % 25 != 0).any()  # integers, as before, but off the grid


def test_seeds_reproduce_rows_byte_for_byte(copula: Synthesizer) -> None:
    first, second = copula.sample(1_000, seed=7), copula.sample(1_000, seed=7)
    pd.testing.assert_frame_equal(first, second)


def test_integer_and_decimals_rounding_is_unchanged(copula: Synthesizer) -> None:
    synth = copula.sample(2_000, seed=2)
    assert synth["loan"].dtype == np.int64
    assert np.allclose(synth["score"], np.round(synth["score"], 3), rtol=0, atol=1e-12)
    assert np.allclose(synth["debt"], np.round(synth["debt"], 2), rtol=0, atol=1e-12)


def test_conditions_keep_the_value_asked_for(copula: Synthesizer) -> None:
    synth = copula.sample(50, conditions={"loan": 1_010}, seed=0)
    assert (synth["loan"] == 1_010).all()


def test_full_precision_columns_get_no_step_but_keep_their_masses() -> None:
    rng = np.random.default_rng(4)
    values = rng.exponential(5.0, 2_000)
    values[:600] = 0.0
    grid = learn_grid(values, None, float(values.max()))
    assert grid.step is None and grid.masses == (0.0,)
    near = np.array([grid.windows[0][1] / 2, 1.0])
    assert grid.snap(near, 0.0, float(values.max())).tolist() == [0.0, 1.0]
