"""Image loaders: bundled digits, folders of PNGs with class sub-folders, .npz/.npy arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from simulacra.errors import DataError
from simulacra.images import ImageSet, load_images
from simulacra.images.data import save_arrays


def test_digits_are_resized_to_mnist_size_in_unit_range() -> None:
    digits = load_images("digits")
    assert digits.images.shape == (1797, 28, 28)
    assert digits.images.dtype == np.float32
    assert digits.images.min() >= 0.0 and digits.images.max() <= 1.0
    assert digits.classes == [str(d) for d in range(10)]
    assert load_images("digits", size=8).images.shape == (1797, 8, 8)
    # centred like MNIST: a 20x20 digit inside a black 4-pixel frame
    assert digits.images[:, :4].max() == 0.0 and digits.images[:, :, 24:].max() == 0.0
    assert digits.images[:, 4:24, 4:24].max() == 1.0


def test_folder_classes_come_from_sub_folders(tmp_path: Path) -> None:
    for cls, value in (("cat", 10), ("dog", 250)):
        (tmp_path / cls).mkdir()
        for i in range(2):
            Image.fromarray(np.full((6, 6, 3), value, dtype=np.uint8)).save(
                tmp_path / cls / f"{i}.png"
            )
    loaded = load_images(tmp_path)
    assert loaded.classes == ["cat", "dog"]
    assert loaded.labels.tolist() == [0, 0, 1, 1]
    np.testing.assert_allclose(loaded.images[loaded.labels == 1], 250 / 255.0, atol=1e-6)


def test_folder_of_mixed_sizes_needs_a_size(tmp_path: Path) -> None:
    Image.fromarray(np.zeros((6, 6), dtype=np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(tmp_path / "b.jpg")
    with pytest.raises(DataError, match="pass a size"):
        load_images(tmp_path)
    assert load_images(tmp_path, size=10).images.shape == (2, 10, 10)


def test_npz_and_npy_arrays(tmp_path: Path) -> None:
    images = np.random.default_rng(1).integers(0, 256, (4, 5, 5, 1), dtype=np.uint8)
    np.savez(tmp_path / "set.npz", x_train=images, y_train=np.array([5, 5, 9, 9]))
    loaded = load_images(tmp_path / "set.npz")
    assert loaded.images.shape == (4, 5, 5)
    assert loaded.classes == ["5", "9"]
    np.save(tmp_path / "set.npy", images[..., 0] / 255.0)
    np.testing.assert_allclose(load_images(tmp_path / "set.npy").images, loaded.images, atol=1e-6)


def test_saved_arrays_round_trip_byte_identical(tmp_path: Path) -> None:
    images = ImageSet(
        np.linspace(0, 1, 2 * 4 * 4, dtype=np.float32).reshape(2, 4, 4),
        np.array([1, 0]),
        ["a", "b"],
    )
    save_arrays(tmp_path / "one.npz", images)
    save_arrays(tmp_path / "two.npz", images)
    assert (tmp_path / "one.npz").read_bytes() == (tmp_path / "two.npz").read_bytes()
    back = load_images(tmp_path / "one.npz")
    assert back.classes == ["a", "b"] and back.labels.tolist() == [1, 0]
    np.testing.assert_allclose(back.images, images.images, atol=0.5 / 255)


def test_unknown_sources_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_images(tmp_path / "missing.npz")
    (tmp_path / "table.csv").write_text("a\n1\n")
    with pytest.raises(DataError, match="unknown image source"):
        load_images(tmp_path / "table.csv")
    np.save(tmp_path / "bad.npy", np.full((2, 3, 3), -5.0))
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        load_images(tmp_path / "bad.npy")
