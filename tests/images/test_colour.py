"""Colour images end to end: RGB folders and arrays, CIFAR-10 batches, the bundled colour set,
grids, metrics and every model on three channels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from simulacra import DataError, registry
from simulacra.images import ImageSet, ImageSynthesizer, load_images
from simulacra.images.cifar import load_cifar_batch, write_cifar_batch
from simulacra.images.evaluate import evaluate_images
from simulacra.images.sample import grid_image, write_samples


@pytest.fixture(scope="module")
def colour8() -> ImageSet:
    """40 bundled colour tiles at 8x8, both classes."""
    data = load_images("sample-colour", size=8)
    return data.subset(np.r_[0:20, len(data) - 20 : len(data)])


def test_bundled_colour_set_has_two_photographs() -> None:
    data = load_images("sample-colour")
    assert data.images.shape == (520, 32, 32, 3) and data.channels == 3
    assert data.classes == ["china", "flower"] and np.bincount(data.labels).tolist() == [260, 260]
    assert data.images.min() >= 0.0 and data.images.max() <= 1.0


def test_rgb_folders_and_arrays_load_in_colour(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        for i in range(2):
            pixels = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
            Image.fromarray(pixels, "RGB").save(tmp_path / cls / f"{i}.png")
    Image.fromarray(np.zeros((6, 6), np.uint8), "L").save(tmp_path / "b" / "grey.png")
    data = load_images(tmp_path)
    assert data.images.shape == (5, 6, 6, 3) and data.classes == ["a", "b"]
    np.testing.assert_array_equal(data.images[-1], 0.0)  # grey image: three equal channels
    assert load_images(tmp_path, size=4).images.shape == (5, 4, 4, 3)
    np.savez(tmp_path / "c.npz", images=(data.images * 255).round().astype(np.uint8))
    assert load_images(tmp_path / "c.npz").images.shape == (5, 6, 6, 3)
    np.savez(tmp_path / "bad.npz", images=np.zeros((2, 4, 4, 2), np.uint8))
    with pytest.raises(DataError, match="n, h, w, 3"):
        load_images(tmp_path / "bad.npz")


def test_cifar_batches_round_trip_and_bad_files_name_themselves(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    pixels = (rng.integers(0, 256, (5, 32, 32, 3)) / 255.0).astype(np.float32)
    path = write_cifar_batch(tmp_path / "data_batch_1.bin", ImageSet(pixels, np.arange(5), []))
    data = load_images(path)
    assert data.images.shape == (5, 32, 32, 3) and data.classes[:2] == ["airplane", "automobile"]
    np.testing.assert_allclose(data.images, pixels, atol=1e-6)
    assert data.labels is not None and data.labels.tolist() == [0, 1, 2, 3, 4]
    (tmp_path / "short.bin").write_bytes(b"\x00" * 3000)
    with pytest.raises(DataError, match="short.bin"):
        load_cifar_batch(tmp_path / "short.bin")
    (tmp_path / "batches.meta.txt").write_text("x\ny\n")
    with pytest.raises(DataError, match="label 4 but only 2 classes"):
        load_cifar_batch(path)


@pytest.mark.parametrize("name", registry.names("images"))
def test_every_model_learns_and_samples_colour(name: str, colour8: ImageSet) -> None:
    extra = {"sampling_steps": 3, "width": 8} if name == "diffusion" else {}
    model = ImageSynthesizer(name, epochs=1, threads=1, verbose=False, conditional=True, **extra)
    out = model.fit(colour8).sample(6, seed=0)
    assert out.images.shape == (6, 8, 8, 3) and out.labels is not None
    assert model.describe()["channels"] == 3


def test_grids_samples_and_metrics_in_colour(colour8: ImageSet, tmp_path: Path) -> None:
    assert grid_image(colour8.images[:4], columns=2, scale=1).shape == (2 * 10 + 2, 22, 3)
    write_samples(colour8, tmp_path / "s")
    with Image.open(tmp_path / "s" / "grid.png") as grid:
        assert grid.mode == "RGB"
    assert load_images(tmp_path / "s").images.shape == colour8.images.shape
    result = evaluate_images(colour8, colour8, seed=0, threads=1, classifier_epochs=1)
    assert np.isfinite(result["frechet"]) and result["classes"]["coverage"] > 0
