"""Neural models on Dask: the autoregressive network trains on minibatches streamed from the
partitions and learns what a local fit on their concatenation learns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dask.distributed import Client
from scipy.stats import ks_2samp

from simulacra import ParameterError, Synthesizer
from simulacra.io import read_table
from simulacra.scale.fitting import read_parquet_glob
from simulacra.scale.streaming import buffer_groups

from .test_dask_sample import run

SMALL = {"hidden_dims": (64, 64), "verbose": False, "seed": 0}


def whole_table(files: Path) -> pd.DataFrame:
    parts = [read_table(p) for p in sorted(files.glob("*.parquet"))]
    return pd.concat(parts, ignore_index=True)


def test_buffers_group_whole_partitions() -> None:
    assert buffer_groups([5, 0, 5, 12, 3], 10) == [[0, 2], [3], [4]]


def test_streamed_fit_matches_a_local_fit(client: Client, files: Path) -> None:
    whole = whole_table(files)
    local = Synthesizer("autoregressive", epochs=6, **SMALL).fit(whole)
    frame = read_parquet_glob(str(files / "*.parquet"))
    streamed = Synthesizer("autoregressive", epochs=10, **SMALL).fit_dask(frame)
    assert streamed.fit_info_["rows"] == len(whole)
    assert len(streamed.history_["epoch"]) == 10
    a, b = streamed.sample(4_000, seed=0), local.sample(4_000, seed=0)
    # the streamed model is about as faithful to the table as the local one
    numeric = [c for c in whole.columns if pd.api.types.is_numeric_dtype(whole[c])]
    for column in numeric:
        mine = ks_2samp(a[column].dropna(), whole[column].dropna()).statistic
        theirs = ks_2samp(b[column].dropna(), whole[column].dropna()).statistic
        assert mine < theirs + 0.04, column
    real = whole[numeric].corr().to_numpy()
    mine = np.abs(a[numeric].corr().to_numpy() - real).max()
    theirs = np.abs(b[numeric].corr().to_numpy() - real).max()
    assert mine < theirs + 0.05
    for column in ("cut", "color", "clarity"):
        truth = whole[column].value_counts(normalize=True)
        mine, theirs = (
            x[column].value_counts(normalize=True).sub(truth, fill_value=0).abs().sum() / 2
            for x in (a, b)
        )
        assert mine < theirs + 0.04, column
    assert a["depth"].isna().mean() == pytest.approx(0.05, abs=0.02)


def test_streamed_fit_same_seed_same_bytes(client: Client, files: Path, tmp_path: Path) -> None:
    paths = []
    for name in ("first", "again"):
        frame = read_parquet_glob(str(files / "*.parquet"))
        syn = Synthesizer("autoregressive", epochs=3, **SMALL).fit_dask(frame, steps=30)
        assert syn.describe()["fit"]["rows"] == 12_000
        assert len(syn.history_["epoch"]) == 2  # 24 steps a pass: the limit ends the second
        paths.append(syn.save(tmp_path / f"{name}.simulacra") or tmp_path / f"{name}.simulacra")
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_streaming_refuses_what_it_cannot_do(client: Client, files: Path) -> None:
    frame = read_parquet_glob(str(files / "*.parquet"))
    with pytest.raises(ParameterError, match="differential privacy"):
        Synthesizer("autoregressive", epsilon=1.0, **SMALL).fit_dask(frame)
    with pytest.raises(ParameterError, match="autoregressive"):
        Synthesizer("tvae", verbose=False).fit_dask(frame)


def test_cli_fit_autoregressive_on_dask(
    client: Client, files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    args = ["fit", str(files / "*.parquet"), "-m", "autoregressive", "-o", str(model)]
    args += ["--engine", "dask", "--scheduler", client.scheduler.address, "--steps", "20"]
    code, text, err = run(args, capsys)
    assert code == 0, err
    assert "12,000 rows on Dask" in text
    assert len(Synthesizer.load(model).sample(10, seed=0)) == 10
