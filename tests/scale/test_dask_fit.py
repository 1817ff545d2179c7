"""Fitting on Dask from per-partition summaries: three Parquet files give (within sketch
tolerance) the model a local fit on their concatenation gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dask.distributed import Client

from simulacra import ParameterError, Synthesizer
from simulacra.io import read_table
from simulacra.scale.fitting import fit_dask, read_parquet_glob
from simulacra.scale.partitions import parquet_files
from simulacra.scale.summaries import QuantileSketch

from .test_dask_sample import run


def test_sketch_merge_keeps_quantiles_and_point_masses() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(size=30_000), np.zeros(10_000), rng.exponential(size=20_000)])
    rng.shuffle(x)
    merged = QuantileSketch.merge(QuantileSketch.of(p) for p in np.array_split(x, 5))
    probs = np.linspace(0.01, 0.99, 99)
    assert np.abs(merged.quantile(probs) - np.quantile(x, probs)).max() < 0.02
    assert merged.values[0] == x.min() and merged.values[-1] == x.max()
    below, upto = merged.cdf(np.array([0.0]))
    assert upto[0] - below[0] == pytest.approx((x == 0).mean(), abs=0.01)


def test_fit_from_files_equals_fit_on_concatenation(client: Client, files: Path) -> None:
    whole = pd.concat([read_table(p) for p in sorted(files.glob("*.parquet"))], ignore_index=True)
    local = Synthesizer("copula", verbose=False).fit(whole)
    frame = read_parquet_glob(str(files / "*.parquet"))
    assert frame.npartitions == 3
    dist = fit_dask(Synthesizer("copula", verbose=False), frame)
    assert dist.fit_info_["rows"] == len(whole)
    assert dist.metadata_.to_dict() == local.metadata_.to_dict()
    assert np.abs(dist.correlation_ - local.correlation_).max() < 0.03
    assert np.abs(dist.means_ - local.means_).max() < 0.03
    local_cols, dist_cols = local.transformer_.columns_, dist.transformer_.columns_
    for name, column in local_cols.items():
        mine = dist_cols[name]
        assert mine.layout() == column.layout()
        if column.kind == "categorical":
            assert mine.categories_ == column.categories_  # type: ignore[attr-defined]
        else:
            q, p = column.encoders[0].quantiles_, column.encoders[0].probs_  # type: ignore[attr-defined]
            mid = (p > 0.01) & (p < 0.99)
            # the column's range: the grid itself stops short of the extremes
            span = column.high_ - column.low_  # type: ignore[attr-defined]
            assert np.abs(mine.encoders[0].quantiles_[mid] - q[mid]).max() < 0.02 * span  # type: ignore[attr-defined]
            assert (mine.low_, mine.high_) == (column.low_, column.high_)  # type: ignore[attr-defined]
    synth = dist.sample(2_000, seed=0)
    assert list(synth.columns) == list(whole.columns)
    assert synth["depth"].isna().mean() == pytest.approx(0.05, abs=0.02)


def test_models_without_a_dask_fit_say_so(client: Client, files: Path) -> None:
    frame = read_parquet_glob(str(files / "*.parquet"))
    with pytest.raises(ParameterError, match="copula"):
        fit_dask(Synthesizer("mst", verbose=False), frame)


def test_cli_fit_on_dask(
    client: Client, files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    args = ["fit", str(files / "*.parquet"), "-m", "copula", "-o", str(model)]
    code, text, err = run(
        [*args, "--engine", "dask", "--scheduler", client.scheduler.address], capsys
    )
    assert code == 0, err
    assert "12,000 rows on Dask" in text
    assert len(Synthesizer.load(model).sample(10, seed=0)) == 10


def test_partition_files_that_disagree_are_refused_before_a_cluster_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 23, item 25: text in one file and integers in another gave an all-'other' column;
    # different columns gave a worker's traceback
    from simulacra.cli import main

    def refused(folder: Path) -> str:
        target = tmp_path / f"{folder.name}.simulacra"
        glob = str(folder / "*.parquet")
        with pytest.raises(SystemExit) as info:
            main(["--quiet", "fit", glob, "--engine", "dask", "-m", "copula", "-o", str(target)])
        err = capsys.readouterr().err.strip()
        assert info.value.code == 1 and len(err.splitlines()) == 1 and not target.exists()
        return err

    typed, columns, fine = tmp_path / "typed", tmp_path / "columns", tmp_path / "fine"
    for folder in (typed, columns, fine):
        folder.mkdir()
    pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}).to_parquet(typed / "p0.parquet")
    pd.DataFrame({"a": ["u", "v"], "b": ["x", "y"]}).to_parquet(typed / "p1.parquet")
    err = refused(typed)
    assert "column 'a' is numbers (int64) in" in err and "but text (" in err and "p1.parquet" in err
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_parquet(columns / "p0.parquet")
    pd.DataFrame({"a": [3, 4], "c": ["x", "y"]}).to_parquet(columns / "p1.parquet")
    assert "p1.parquet: has no column 'b'; an extra column 'c' beside" in refused(columns)
    # integers in one file and floats (an integer column with nulls) in another agree
    pd.DataFrame({"a": [1, 2], "b": ["x", None]}).to_parquet(fine / "p0.parquet")
    pd.DataFrame({"a": [3.0, None], "b": [None, None]}).to_parquet(fine / "p1.parquet")
    assert len(parquet_files(str(fine / "*.parquet"))) == 2
