"""ImageSynthesizer: training lowers the loss, samples have the right shape and range, seeds
repeat, model files round-trip and reject damage."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from simulacra.errors import ModelFileError, NotFittedError, ParameterError
from simulacra.images import ImageSet, ImageSynthesizer


@pytest.fixture(scope="module")
def small(digits16: ImageSet) -> ImageSet:
    return digits16.subset(np.arange(400))


@pytest.fixture(scope="module")
def vae(small: ImageSet) -> ImageSynthesizer:
    return ImageSynthesizer(model="vae", epochs=8, threads=1, verbose=False).fit(small)


def test_vae_loss_falls(vae: ImageSynthesizer) -> None:
    loss = vae.history_["loss"]
    assert len(loss) == 8
    assert loss[-1] < 0.9 * loss[0]
    assert all(kl >= 0 for kl in vae.history_["kl"])


def test_samples_have_the_training_shape_and_unit_range(vae: ImageSynthesizer) -> None:
    out = vae.sample(37, seed=3)
    assert out.images.shape == (37, 16, 16)
    assert out.images.dtype == np.float32
    assert out.images.min() >= 0.0 and out.images.max() <= 1.0
    assert out.labels is None
    assert out.images.std() > 0.05  # not a constant picture


def test_same_seed_same_images(vae: ImageSynthesizer, small: ImageSet) -> None:
    np.testing.assert_array_equal(vae.sample(5, seed=1).images, vae.sample(5, seed=1).images)
    assert not np.array_equal(vae.sample(5, seed=1).images, vae.sample(5, seed=2).images)
    again = ImageSynthesizer(model="vae", epochs=8, threads=1, verbose=False).fit(small)
    np.testing.assert_array_equal(again.sample(5, seed=1).images, vae.sample(5, seed=1).images)


def test_save_load_round_trip(vae: ImageSynthesizer, tmp_path: Path) -> None:
    path = vae.save(tmp_path / "m.simulacra")
    loaded = ImageSynthesizer.load(path, device="cpu")
    np.testing.assert_array_equal(loaded.sample(6, seed=4).images, vae.sample(6, seed=4).images)
    assert loaded.history_ == vae.history_
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["arrays.safetensors", "manifest.json", "state.json"]


def test_damaged_newer_and_table_files_are_rejected(vae: ImageSynthesizer, tmp_path: Path) -> None:
    path = vae.save(tmp_path / "m.simulacra")
    (tmp_path / "cut.simulacra").write_bytes(path.read_bytes()[:500])
    with pytest.raises(ModelFileError, match="corrupt"):
        ImageSynthesizer.load(tmp_path / "cut.simulacra")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name, change in (("newer", {"format_version": 99}), ("table", {"kind": "table"})):
        manifest = {**json.loads(parts["manifest.json"]), **change}
        with zipfile.ZipFile(tmp_path / f"{name}.simulacra", "w") as archive:
            for key, value in parts.items():
                archive.writestr(key, json.dumps(manifest) if key == "manifest.json" else value)
    with pytest.raises(ModelFileError, match="newer"):
        ImageSynthesizer.load(tmp_path / "newer.simulacra")
    with pytest.raises(ModelFileError, match="not an image model"):
        ImageSynthesizer.load(tmp_path / "table.simulacra")


@pytest.mark.parametrize("model", ["convvae", "gan"])
def test_conv_models_train_and_sample(small: ImageSet, model: str) -> None:
    syn = ImageSynthesizer(
        model=model, epochs=2, conditional=True, n_generators=2 if model == "gan" else 1,
        threads=1, verbose=False,
    )  # fmt: skip
    syn.fit(small.subset(np.arange(128)))
    assert all(len(v) == 2 and np.isfinite(v).all() for v in syn.history_.values())
    out = syn.sample(20, label="4", seed=0)
    assert out.images.shape == (20, 16, 16)
    assert out.labels.tolist() == [small.classes.index("4")] * 20
    assert out.images.min() >= 0.0 and out.images.max() <= 1.0


def test_bad_parameters_and_labels(small: ImageSet, vae: ImageSynthesizer) -> None:
    with pytest.raises(ParameterError, match="model"):
        ImageSynthesizer(model="diffusion").fit(small)
    with pytest.raises(ParameterError, match="n_generators"):
        ImageSynthesizer(model="vae", n_generators=2).fit(small)
    with pytest.raises(ParameterError, match="divisible by 4"):
        ImageSynthesizer(model="gan", epochs=1, verbose=False).fit(
            ImageSet(small.images[:, :14, :14])
        )
    with pytest.raises(ParameterError, match="conditional"):
        vae.sample(3, label="7")
    with pytest.raises(NotFittedError):
        ImageSynthesizer().sample(3)
