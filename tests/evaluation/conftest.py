"""Small tables shared by the evaluation tests."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def small_diamonds(diamonds: pd.DataFrame) -> pd.DataFrame:
    """2,000 diamonds: big enough for models, small enough to keep the tests fast."""
    return diamonds.sample(2000, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def split_diamonds(diamonds: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """1,500 training rows and 500 holdout rows, disjoint."""
    rows = diamonds.drop_duplicates().sample(2000, random_state=1).reset_index(drop=True)
    return rows.iloc[:1500].reset_index(drop=True), rows.iloc[1500:].reset_index(drop=True)
