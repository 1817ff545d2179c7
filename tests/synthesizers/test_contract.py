"""One contract over every registered synthesizer: fit, sample, seeds, save/load, conditions and
bad input. A model that fails here should not be registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import (
    ConditionError,
    DataError,
    NotFittedError,
    ParameterError,
    Synthesizer,
    registry,
)

from ..mixed_table import mixed_table

NAMES = registry.names()
FAST = {"epochs": 2, "batch_size": 100}
# per-model settings: mst is always DP; a loose budget keeps 300 rows' ranges and categories
MODEL_PARAMS: dict[str, dict[str, Any]] = {
    "mst": {"epsilon": 50.0, "infer_schema": True},
    # two quick members: the pooling, the discriminator and the state are what is checked
    "ensemble": {
        "members": ["copula", "autoregressive"],
        "member_params": {"autoregressive": {"epochs": 2, "batch_size": 100}},
    },
}


def fast_params(name: str, **extra: Any) -> dict[str, Any]:
    """Small training budgets for the models that have them (tiny data, 2 epochs)."""
    accepted = registry.get(name)._param_names()
    params = {k: v for k, v in FAST.items() if k in accepted}
    return {"seed": 0, "verbose": False, **params, **MODEL_PARAMS.get(name, {}), **extra}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return mixed_table(300, seed=1)


@pytest.fixture(scope="module", params=NAMES)
def fitted(request: pytest.FixtureRequest, table: pd.DataFrame) -> Synthesizer:
    return Synthesizer(request.param, **fast_params(request.param)).fit(table)


def test_registry_is_not_empty_and_names_build_their_class() -> None:
    assert {"copula", "ctgan", "tvae"} <= set(NAMES)
    for name in NAMES:
        assert registry.get(name).name == name


def test_fit_returns_self_and_sample_keeps_columns_and_dtypes(
    fitted: Synthesizer, table: pd.DataFrame
) -> None:
    synth = fitted.sample(250, seed=1)
    assert list(synth.columns) == list(table.columns)
    assert len(synth) == 250
    if fitted.transformer_.privacy is None:
        assert synth.dtypes.equals(table.dtypes)
    else:  # under DP a Categorical's list is private: only the categories released are listed
        assert list(map(str, synth.dtypes)) == list(map(str, table.dtypes))
    assert synth["id"].is_unique
    assert set(synth["cat"].dropna()) <= {"a", "b", "c", "d"}
    assert fitted.describe()["synthesizer"] == fitted.name


def test_same_seed_same_rows_other_seed_other_rows(fitted: Synthesizer) -> None:
    pd.testing.assert_frame_equal(fitted.sample(200, seed=3), fitted.sample(200, seed=3))
    assert not fitted.sample(200, seed=3).equals(fitted.sample(200, seed=4))


def test_refit_with_same_seed_gives_same_samples(fitted: Synthesizer, table: pd.DataFrame) -> None:
    """Same seed, same model; except under differential privacy, whose noise is never
    replayed from the seed (two DP fits differ by design)."""
    again = Synthesizer(fitted.name, **fast_params(fitted.name)).fit(table)
    if fitted.transformer_.privacy is not None:
        assert not again.sample(200, seed=2).equals(fitted.sample(200, seed=2))
        return
    pd.testing.assert_frame_equal(again.sample(200, seed=2), fitted.sample(200, seed=2))


def test_save_load_samples_identical_rows(fitted: Synthesizer, tmp_path: Path) -> None:
    loaded = Synthesizer.load(fitted.save(tmp_path / "m.simulacra"))
    assert loaded.get_params() == {
        k: list(v) if isinstance(v, tuple) else v for k, v in fitted.get_params().items()
    }
    pd.testing.assert_frame_equal(loaded.sample(300, seed=9), fitted.sample(300, seed=9))
    conditioned = {"cat": "b"}
    pd.testing.assert_frame_equal(
        loaded.sample(50, conditions=conditioned, seed=2),
        fitted.sample(50, conditions=conditioned, seed=2),
    )


def test_model_file_holds_no_pickle(fitted: Synthesizer, tmp_path: Path) -> None:
    import zipfile

    path = fitted.save(tmp_path / "m.simulacra")
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            head = archive.read(info.filename)[:2]
            assert head != b"\x80\x04" and head != b"\x80\x02", info.filename


def test_categorical_and_numerical_conditions_hold_on_every_row(fitted: Synthesizer) -> None:
    rows = fitted.sample(120, conditions={"cat": "b", "flag": True}, seed=5)
    assert len(rows) == 120
    assert (rows["cat"] == "b").all() and rows["flag"].all()
    rows = fitted.sample(60, conditions={"x": 0.5}, seed=5)
    assert len(rows) == 60 and np.allclose(rows["x"], 0.5)


def test_range_conditions_hold_on_every_row(fitted: Synthesizer, table: pd.DataFrame) -> None:
    low, high = table["x"].quantile([0.3, 0.6])
    rows = fitted.sample(100, conditions={"x": (low, high)}, seed=6)
    assert len(rows) == 100 and rows["x"].between(low, high).all()
    assert rows["x"].nunique() > 10  # drawn inside the range, not piled onto its ends
    text = fitted.sample(20, conditions={"x": f"{low}..{high}", "cat": "a"}, seed=6)
    assert text["x"].between(low, high).all() and (text["cat"] == "a").all()


def test_bad_conditions_name_the_problem(fitted: Synthesizer) -> None:
    with pytest.raises(ConditionError, match="nope"):
        fitted.sample(10, conditions={"nope": 1})
    with pytest.raises(ConditionError, match="cat"):
        fitted.sample(10, conditions={"cat": "zzz"})
    with pytest.raises(ConditionError, match="outside"):
        fitted.sample(10, conditions={"x": 1e9})
    with pytest.raises(ConditionError, match="outside"):
        fitted.sample(10, conditions={"x": (1e9, 2e9)})
    with pytest.raises(ConditionError, match="empty"):
        fitted.sample(10, conditions={"x": (1.0, 0.0)})


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_gets_our_errors(name: str, table: pd.DataFrame) -> None:
    fresh = Synthesizer(name, **fast_params(name))
    with pytest.raises(NotFittedError):
        fresh.sample(5)
    with pytest.raises(DataError):
        fresh.fit(table.to_numpy())  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="seed"):
        Synthesizer(name, **fast_params(name, seed=-1)).fit(table)
    space = registry.get(name).hyperparameter_space()
    assert set(space) <= set(registry.get(name)._param_names())


def test_bad_row_counts_are_data_errors(fitted: Synthesizer) -> None:
    for n in (0, -3, 2.5, True):
        with pytest.raises(DataError):
            fitted.sample(n)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("columns", [["x", "y"], ["cat", "flag"]])
def test_tables_of_one_kind_only(name: str, columns: list[str]) -> None:
    """Only numbers, or only categories: every model fits and samples them."""
    table = mixed_table(300, seed=2)[columns]
    synth = Synthesizer(name, **fast_params(name)).fit(table).sample(50, seed=0)
    assert list(synth.columns) == columns and len(synth) == 50
    assert list(map(str, synth.dtypes)) == list(map(str, table.dtypes))  # DP: lists private
