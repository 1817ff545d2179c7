"""Built-in scenarios: the paper's datasets as stated, and the 10,000 x 59 user-stories table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simulacra
from simulacra.errors import ParameterError
from simulacra.specs import resolve, scenario_names


@pytest.fixture(scope="module")
def stories() -> pd.DataFrame:
    return simulacra.generate("user-stories", seed=0)


def test_scenarios_are_listed() -> None:
    assert scenario_names() == [
        "paper-binary",
        "paper-multiclass",
        "paper-regression",
        "user-stories",
    ]
    with pytest.raises(ParameterError, match="neither a specification file nor a scenario"):
        simulacra.generate("paper-quaternary")
    with pytest.raises(ParameterError, match="no such specification file"):
        simulacra.generate("paper-quaternary.yaml")


def test_paper_binary_is_as_stated() -> None:
    table = simulacra.generate("paper-binary", seed=0)
    assert table.shape == (1000, 21)
    features = table.drop(columns="label")
    assert list(features.columns) == [f"x{i}" for i in range(20)]
    assert abs(features.to_numpy().mean()) < 0.02 and abs(features.to_numpy().std() - 1) < 0.02
    assert (table["label"] == (table["x0"] + table["x1"] > 0)).all()


def test_paper_multiclass_is_as_stated() -> None:
    table = simulacra.generate("paper-multiclass", seed=0)
    assert table.shape == (5000, 51)
    assert sorted(table["label"].unique()) == [0, 1, 2, 3, 4]


def test_paper_regression_is_as_stated() -> None:
    table = simulacra.generate("paper-regression", seed=0)
    assert table.shape == (2000, 11)
    residual = table["y"] - (2 * table["x0"] + 3 * table["x1"] - table["x2"])
    assert abs(residual.std() - 0.1) < 0.01 and abs(residual.mean()) < 0.01


def test_user_stories_shape_ids_and_sample_formats(stories: pd.DataFrame) -> None:
    assert stories.shape == (10_000, 59) and resolve("user-stories").rows == 10_000
    assert stories["Formatted ID"].is_unique
    assert stories["Formatted ID"].str.fullmatch(r"US\d{6}").all()
    assert stories["Release"].str.fullmatch(r"20\d\d\.P1[1-4]").all()
    assert stories["Milestone"].str.fullmatch(r"\d\d-[A-Z][a-z]{2}").all()
    assert stories["Development Month"].isin(["2024-11", "2024-12"]).all()
    parts = stories["Defects"].str.extract(r"^(\d+) New, (\d+) Open, (\d+) Fixed, (\d+) \w")
    assert parts.notna().all().all()
    assert (parts.astype(int).sum(axis=1) == stories["Defect Count"]).all()


def test_user_stories_dates_are_valid_and_in_order(stories: pd.DataFrame) -> None:
    created, started = stories["Creation Date"], stories["In-Progress Date"]
    accepted, updated = stories["Accepted Date"], stories["Last Update Date"]
    assert created.notna().all() and updated.notna().all()
    assert created.between("2021-01-04", "2024-10-31 23:59:59").all()
    assert (started.dropna() >= created[started.notna()]).all()
    assert (accepted.dropna() >= started[accepted.notna()]).all()
    assert (updated >= created).all() and (updated[accepted.notna()] >= accepted.dropna()).all()
    state = stories["Schedule State"]
    assert accepted.notna().equals(state == "Accepted")
    assert started.isna().equals(state == "Defined")
    assert (stories["Release"].str[:4].astype(int) == created.dt.year).all()
    lead = (accepted - created).dt.total_seconds() / 86_400
    np.testing.assert_allclose(stories["Lead Time (days)"].dropna(), lead.dropna(), atol=0.051)


def test_user_stories_dependencies(stories: pd.DataFrame) -> None:
    estimate = stories["Plan Estimate"]
    assert estimate.between(1, 50).all()
    assert np.corrcoef(estimate, stories["Task Estimate Total"])[0, 1] > 0.8
    assert np.corrcoef(estimate, stories["Task Count"])[0, 1] > 0.5
    assert (stories["Passing Test Cases"] <= stories["Test Case Count"]).all()
    assert (stories.loc[stories["Schedule State"] == "Accepted", "Task Remaining Total"] == 0).all()
    assert stories["Blocked Reason"].notna().equals(stories["Blocked"])
    assert (stories["Parent"] == stories["Portfolio Item"].str.split(":").str[0]).all()
    assert 0.8 < stories["Scrumban"].isna().mean() < 0.9


def test_user_stories_start_like_the_papers_figure_7(stories: pd.DataFrame) -> None:
    assert list(stories.columns[:10]) == [
        "Formatted ID",
        "Name",
        "Description",
        "Milestone",
        "Defects",
        "Scrumban",
        "Owner",
        "Release",
        "Plan Estimate",
        "Development Month",
    ]
