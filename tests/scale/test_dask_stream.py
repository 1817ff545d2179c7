"""Neural models on Dask: the autoregressive network trains on minibatches streamed from the
partitions and learns what a local fit on their concatenation learns; TVAE, CTGAN and the
diffusion model train the same way (tiny networks here: the streaming, not the learning)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dask.distributed import Client
from scipy.stats import ks_2samp

from simulacra import ParameterError, Synthesizer
from simulacra.io import read_table
from simulacra.scale import fit_dask
from simulacra.scale.fitting import read_parquet_glob
from simulacra.scale.streaming import buffer_groups

from .test_dask_sample import run

SMALL = {"hidden_dims": (64, 64), "verbose": False, "seed": 0}
TINY = {
    "tvae": {"embedding_dim": 8, "encoder_dims": (16,), "decoder_dims": (16,), "batch_size": 200},
    "ctgan": {
        "embedding_dim": 8,
        "generator_dims": (16,),
        "discriminator_dims": (16,),
        "batch_size": 200,
    },
    "ddpm": {"hidden_dims": (32, 32), "sampling_steps": 4, "batch_size": 200},
}


def whole_table(files: Path) -> pd.DataFrame:
    parts = [read_table(p) for p in sorted(files.glob("*.parquet"))]
    return pd.concat(parts, ignore_index=True)


def test_buffers_group_whole_partitions() -> None:
    assert buffer_groups([5, 0, 5, 12, 3], 10) == [[0, 2], [3], [4]]


def test_streamed_fit_matches_a_local_fit(client: Client, files: Path) -> None:
    whole = whole_table(files)
    local = Synthesizer("autoregressive", epochs=6, **SMALL).fit(whole)
    frame = read_parquet_glob(str(files / "*.parquet"))
    streamed = fit_dask(Synthesizer("autoregressive", epochs=10, **SMALL), frame)
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
        syn = fit_dask(Synthesizer("autoregressive", epochs=3, **SMALL), frame, steps=30)
        described = syn.describe()
        assert described["fit"]["rows"] == 12_000
        assert "none held out" in described["model"]["streamed"]
        assert described["model"]["protections"]["early_stopping"].startswith("none: streamed")
        assert len(syn.history_["epoch"]) == 2  # 24 steps a pass: the limit ends the second
        paths.append(syn.save(tmp_path / f"{name}.simulacra") or tmp_path / f"{name}.simulacra")
    assert paths[0].read_bytes() == paths[1].read_bytes()


# TVAE's and CTGAN's transformer fits a Bayesian GMM per number column, twice on Dask (pilot
# and final): ~2 s a column here. One number column keeps their fast tests fast.
FEW = ["depth", "cut", "color", "clarity"]


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        pytest.param("tvae", FEW, id="tvae"),
        pytest.param("ctgan", FEW, id="ctgan"),
        pytest.param("ddpm", None, id="ddpm"),
        pytest.param("tvae", None, id="tvae-whole", marks=pytest.mark.slow),
        pytest.param("ctgan", None, id="ctgan-whole", marks=pytest.mark.slow),
    ],
)
def test_tvae_ctgan_and_ddpm_stream_with_the_same_bytes_for_the_same_seed(
    client: Client, files: Path, tmp_path: Path, name: str, columns: list[str] | None
) -> None:
    paths = []
    for run_name in ("first", "again"):
        frame = read_parquet_glob(str(files / "*.parquet"))
        frame = frame if columns is None else frame[columns]
        syn = Synthesizer(name, epochs=2, verbose=False, seed=0, **TINY[name])
        fit_dask(syn, frame, steps=15)
        assert syn.fit_info_["rows"] == 12_000
        assert len(syn.history_["epoch"]) == 1  # 30 or more steps a pass: the limit ends the first
        paths.append(syn.save(tmp_path / f"{run_name}.simulacra"))
    assert paths[0].read_bytes() == paths[1].read_bytes()
    loaded = Synthesizer.load(paths[0])
    assert "none held out" in loaded.describe()["model"]["streamed"]
    whole = whole_table(files)
    whole = whole if columns is None else whole[columns]
    sample = loaded.sample(300, seed=0)
    assert list(sample.columns) == list(whole.columns)
    assert sample.dtypes.to_dict() == whole.dtypes.to_dict()
    for column in ("cut", "color", "clarity"):
        assert set(sample[column].dropna()) <= set(whole[column])


def test_a_local_fit_does_not_say_it_streamed(files: Path) -> None:
    table = whole_table(files).head(1_000)
    syn = Synthesizer("ddpm", epochs=1, verbose=False, **TINY["ddpm"]).fit(table)
    assert "streamed" not in syn.describe()["model"]


@pytest.mark.parametrize("name", ["autoregressive", "tvae", "ctgan"])
def test_streaming_refuses_differential_privacy(client: Client, files: Path, name: str) -> None:
    frame = read_parquet_glob(str(files / "*.parquet"))
    with pytest.raises(ParameterError, match="differential privacy"):
        fit_dask(Synthesizer(name, epsilon=1.0, verbose=False), frame)


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
