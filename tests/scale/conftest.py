"""A real Dask cluster for the scale tests: two single-threaded workers in this process (a
LocalCluster of processes costs ~20 s here, mostly importing PyTorch in each worker), reachable
over TCP so the command line can use it with --scheduler."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dask.distributed import Client, LocalCluster

from simulacra import Synthesizer


def local_cluster(workers: int) -> LocalCluster:
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        dashboard_address=":0",
    )


@pytest.fixture(scope="package")
def client() -> Iterator[Client]:
    with local_cluster(2) as cluster, Client(cluster) as client:
        yield client


@pytest.fixture(scope="package")
def model_path(tmp_path_factory: pytest.TempPathFactory, diamonds: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("scale") / "m.simulacra"
    table = diamonds.sample(3_000, random_state=0)
    Synthesizer("copula", verbose=False).fit(table).save(path)
    return path


@pytest.fixture(scope="package")
def files(tmp_path_factory: pytest.TempPathFactory, diamonds: pd.DataFrame) -> Path:
    """12,000 rows of diamonds (5% of depth missing) in three Parquet files."""
    folder = tmp_path_factory.mktemp("fit")
    table = diamonds.sample(12_000, random_state=0).reset_index(drop=True)
    table.loc[table.sample(frac=0.05, random_state=1).index, "depth"] = np.nan
    for i, rows in enumerate(np.array_split(np.arange(len(table)), 3)):
        table.iloc[rows].to_parquet(folder / f"part_{i}.parquet", index=False)
    return folder
