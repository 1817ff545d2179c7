"""The copula imputes: each row's missing cells drawn from the Gaussian conditional given the
cells it has, whichever they are (`copula_fill.py`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import Synthesizer
from simulacra.synthesizers.copula_fill import fill


def _table(rows: int = 3_000) -> pd.DataFrame:
    """y = 2x plus noise; a category mostly 'hi' where x > 0; a tied count; z empty in a fifth
    of the rows and x plus noise elsewhere; a category d empty in a fifth."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=rows)
    return pd.DataFrame(
        {
            "x": x,
            "y": 2 * x + rng.normal(scale=0.5, size=rows),
            "c": np.where(x + rng.normal(scale=0.3, size=rows) > 0, "hi", "lo"),
            "k": rng.integers(0, 3, rows) + np.clip(np.round(x), -1, 1).astype(int),
            "z": np.where(rng.random(rows) < 0.2, np.nan, x + rng.normal(size=rows)),
            "d": rng.choice(np.array(["a", "b", None], dtype=object), rows, p=[0.5, 0.3, 0.2]),
        }
    )


@pytest.fixture(scope="module")
def fitted() -> tuple[Synthesizer, pd.DataFrame, pd.DataFrame]:
    """The copula fitted on `_table()`, the table, and the table with gaps (`_gaps`)."""
    table = _table()
    return Synthesizer("copula", seed=0, verbose=False).fit(table), table, _gaps(table)


def _gaps(table: pd.DataFrame) -> pd.DataFrame:
    gaps = table.copy()
    gaps.loc[:999, "y"] = np.nan
    gaps.loc[1000:1999, "c"] = None
    gaps.loc[2000:, ["x", "z", "d"]] = np.nan
    return gaps


def test_missing_cells_follow_the_rest_of_their_row(
    fitted: tuple[Synthesizer, pd.DataFrame, pd.DataFrame],
) -> None:
    model, table, gaps = fitted
    filled = model.impute(gaps, seed=1)  # type: ignore[attr-defined]
    present = gaps.notna()
    pd.testing.assert_frame_equal(filled[present], gaps[present])  # kept as they were
    assert not filled.isna().any().any()  # filled cells are never empty by default
    # y given x: the regression's share of y's variance is 4 / 4.25, a correlation of 0.97
    assert np.corrcoef(filled.loc[:999, "y"], table.loc[:999, "y"])[0, 1] > 0.9
    # the residual keeps its spread: a draw, not the conditional mean
    residual = filled.loc[:999, "y"] - 2 * table.loc[:999, "x"]
    assert 0.35 < residual.std() < 0.8
    assert np.corrcoef(filled.loc[2000:, "x"], table.loc[2000:, "x"])[0, 1] > 0.9
    # the category given x, as the model's own rows hold it (real: 0.99 above 0.5 and below
    # -0.5; the copula's category scores are spread evenly inside their interval, which
    # weakens its relations; 'hi' in half the rows overall)
    drawn, rows = filled.loc[1000:1999], model.sample(20_000, seed=0)
    for side in (drawn, rows):
        assert (side.loc[side["x"] > 0.5, "c"] == "hi").mean() > 0.75
        assert (side.loc[side["x"] < -0.5, "c"] == "lo").mean() > 0.75
    high = [(side.loc[side["x"] > 0.5, "c"] == "hi").mean() for side in (drawn, rows)]
    assert abs(high[0] - high[1]) < 0.06
    assert set(filled["c"]) == {"hi", "lo"}
    assert filled["k"].dtype == table["k"].dtype and set(filled["k"]) <= set(table["k"])


def test_empty_as_often_as_the_model_says_only_when_asked(
    fitted: tuple[Synthesizer, pd.DataFrame, pd.DataFrame],
) -> None:
    model, table, gaps = fitted
    filled = model.impute(gaps, seed=1, nulls=True)  # type: ignore[attr-defined]
    for name in ("z", "d"):  # real: a fifth of each is empty
        assert 0.14 < filled.loc[2000:, name].isna().mean() < 0.26, name
    assert set(filled["d"].dropna()) == {"a", "b"}
    assert not filled[["x", "y", "c"]].isna().any().any()


def test_same_seed_same_cells_and_present_cells_kept(
    fitted: tuple[Synthesizer, pd.DataFrame, pd.DataFrame],
) -> None:
    model, table, gaps = fitted
    first = model.impute(gaps, seed=3)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(first, model.impute(gaps, seed=3))  # type: ignore[attr-defined]
    assert not first.equals(model.impute(gaps, seed=4))  # type: ignore[attr-defined]
    whole = table.head(500)  # nothing unknown: the rows' own values back (but the extremes,
    # which the copula never stores)
    again = fill(model, whole, {}, np.random.default_rng(0), [])
    assert (again["c"] == whole["c"]).all()
    assert ((again["x"] - whole["x"]).abs() < 0.05).mean() > 0.98
