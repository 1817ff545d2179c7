"""Model files: version 2 manifests name kind and model; version 1 files still load."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import ModelFileError, Synthesizer
from simulacra.model import load_model


def _rewrite_manifest(path: Path, change: dict[str, object], drop: tuple[str, ...]) -> Path:
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(files["manifest.json"])
    for key in drop:
        manifest.pop(key, None)
    manifest.update(change)
    files["manifest.json"] = json.dumps(manifest).encode()
    out = path.with_name("rewritten.simulacra")
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Synthesizer, Path]:
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b"], 200)})
    syn = Synthesizer("tvae", epochs=1, batch_size=50, verbose=False).fit(table)
    return syn, syn.save(tmp_path_factory.mktemp("m") / "m.simulacra")


def test_manifest_names_kind_model_and_params(saved: tuple[Synthesizer, Path]) -> None:
    _, path = saved
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format_version"] == 2
    assert (manifest["kind"], manifest["model"]) == ("table", "tvae")
    assert manifest["params"]["learning_rate"] == 1e-3 and "lr" not in manifest["params"]


def test_a_version_1_file_loads_and_samples_the_same_rows(saved: tuple[Synthesizer, Path]) -> None:
    syn, path = saved
    params = {("lr" if k == "learning_rate" else k): v for k, v in syn.get_params().items()}
    old = _rewrite_manifest(
        path, {"format_version": 1, "synthesizer": "tvae", "params": params}, ("kind", "model")
    )
    loaded = Synthesizer.load(old)
    assert loaded.learning_rate == syn.learning_rate
    pd.testing.assert_frame_equal(loaded.sample(50, seed=2), syn.sample(50, seed=2))
    assert type(load_model(old)) is type(syn)


def test_a_manifest_without_a_model_name_is_refused(saved: tuple[Synthesizer, Path]) -> None:
    _, path = saved
    broken = _rewrite_manifest(path, {}, ("model",))
    with pytest.raises(ModelFileError, match="names no model"):
        Synthesizer.load(broken)


def test_an_unregistered_model_name_is_refused(saved: tuple[Synthesizer, Path]) -> None:
    _, path = saved
    broken = _rewrite_manifest(path, {"model": "os.system"}, ())
    with pytest.raises(ModelFileError, match="unknown synthesizer"):
        Synthesizer.load(broken)


def test_a_version_1_image_file_loads(tmp_path: Path) -> None:
    """Version 1 kept shape, classes and history in the manifest and every parameter of every
    image model (unset ones as None) in `params`."""
    from simulacra.images import ImageSynthesizer, load_images

    images = load_images("digits", size=8).subset(np.arange(40))
    syn = ImageSynthesizer("vae", epochs=1, batch_size=20, verbose=False).fit(images)
    path = syn.save(tmp_path / "img.simulacra")
    with zipfile.ZipFile(path) as archive:
        state = json.loads(archive.read("state.json"))
        arrays = archive.read("arrays.safetensors")
        manifest = json.loads(archive.read("manifest.json"))
    params = {
        **manifest["params"],
        "model": "vae",
        "epochs": None,
        "learning_rate": None,
        "n_generators": 1,
        "step_size": 10,
        "gamma": 0.5,
    }
    v1 = {**manifest, "format_version": 1, "params": params}
    for key in ("image_shape", "classes", "history", "fit_info"):
        v1[key] = state.pop(key)
    old = tmp_path / "v1.simulacra"
    with zipfile.ZipFile(old, "w") as archive:
        archive.writestr("manifest.json", json.dumps(v1))
        archive.writestr("state.json", json.dumps(state))
        archive.writestr("arrays.safetensors", arrays)
    loaded = ImageSynthesizer.load(old)
    assert loaded.epochs == 50 and loaded.learning_rate == syn.learning_rate
    assert np.array_equal(loaded.sample(5, seed=1).images, syn.sample(5, seed=1).images)
    with pytest.raises(ModelFileError, match="holds an image model 'vae', not a table model"):
        Synthesizer.load(old)
