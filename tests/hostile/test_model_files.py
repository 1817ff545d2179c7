"""Hostile model files: zip bombs, deep JSON, impossible matrices, and model bytes that must
not depend on when the model was fitted."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import ModelFileError, Synthesizer, modelfile
from simulacra.cli import main


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    return pd.DataFrame(
        {"x": x, "y": 2 * x + rng.normal(size=400), "c": rng.choice(list("abc"), 400)}
    )


@pytest.fixture(scope="module")
def saved(table: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("m") / "m.simulacra"
    Synthesizer("copula", seed=0, verbose=False).fit(table).save(path)
    return path


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path: Path, target: Path, **replaced: bytes) -> Path:
    contents = {**entries(path), **replaced}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return target


def test_an_entry_that_expands_too_far_is_refused_before_it_is_read(
    saved: Path, tmp_path: Path
) -> None:
    bomb = rewrite(saved, tmp_path / "bomb.simulacra", **{"arrays.safetensors": bytes(8 << 20)})
    with pytest.raises(ModelFileError, match="expands .* times, over the limit of 200"):
        Synthesizer.load(bomb)


def test_an_entry_over_its_size_limit_is_refused(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(modelfile.MAX_ENTRY_BYTES, "state.json", 1_000)
    with pytest.raises(
        ModelFileError, match=r"entry state.json holds [\d,]+ bytes, over the limit"
    ):
        Synthesizer.load(saved)


def test_deep_json_is_refused_without_recursion(saved: Path, tmp_path: Path) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    path = rewrite(saved, tmp_path / "deep.simulacra", **{"state.json": deep})
    with pytest.raises(ModelFileError, match="nests deeper than 64 levels"):
        Synthesizer.load(path)
    assert modelfile.json_depth(b'{"a": "[[[[\\"[[", "b": [1, [2]]}') == 3


@pytest.mark.parametrize(
    "matrix",
    [
        [[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]],  # not positive definite
        [[1.0, 0.5, 0.0], [0.1, 1.0, 0.0], [0.0, 0.0, 1.0]],  # not symmetric
        [[1.0, float("nan"), 0.0], [float("nan"), 1.0, 0.0], [0.0, 0.0, 1.0]],
        [[1.0, 0.0], [0.0, 1.0]],  # wrong size
    ],
)
def test_an_impossible_correlation_matrix_is_refused_at_load(
    saved: Path, tmp_path: Path, matrix: list[list[float]]
) -> None:
    from safetensors.numpy import load, save

    arrays = load(entries(saved)["arrays.safetensors"])
    key = next(k for k in arrays if "correlation" in k)
    width = arrays[key].shape[0]
    fake = np.eye(width)
    given = np.array(matrix)
    fake[: len(given), : len(given)] = given
    if len(given) < 3:
        fake = given
    arrays[key] = fake
    path = rewrite(saved, tmp_path / "bad.simulacra", **{"arrays.safetensors": save(arrays)})
    with pytest.raises(ModelFileError, match="correlation matrix"):
        Synthesizer.load(path)


def test_cli_gives_one_line_for_a_zip_bomb(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = rewrite(saved, tmp_path / "bomb.simulacra", **{"state.json": b" " * (8 << 20)})
    out = tmp_path / "s.csv"
    with pytest.raises(SystemExit) as done:
        main(["-q", "sample", str(bomb), "-n", "5", "-o", str(out)])
    err = capsys.readouterr().err
    assert done.value.code == 1 and err.startswith("error: ") and "zip bomb" in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.parametrize("name", ["copula", "autoregressive"])
def test_same_data_and_seed_give_the_same_model_bytes(
    table: pd.DataFrame, tmp_path: Path, name: str
) -> None:
    params = {"epochs": 2} if name != "copula" else {}
    paths = [
        Synthesizer(name, seed=3, verbose=False, **params)
        .fit(table)
        .save(tmp_path / f"{i}.simulacra")
        for i in range(2)
    ]
    assert paths[0].read_bytes() == paths[1].read_bytes()
    manifest = json.loads(entries(paths[0])["manifest.json"])
    assert manifest["model"] == name
    state = entries(paths[0])["state.json"].decode()
    assert '"seconds"' not in state and "cpu_seconds" not in state
    # a reloaded model still describes its training
    described = Synthesizer.load(paths[0]).describe()
    if name != "copula":
        assert described["model"]["epochs_trained"] >= 1
