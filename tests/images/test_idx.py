"""The MNIST IDX reader on tiny files written byte by byte here (not with our own writer)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from simulacra.errors import DataError
from simulacra.images import load_images
from simulacra.images.idx import read_idx, write_idx


def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 6, 4), dtype=np.uint8)
    labels = np.array([3, 1, 3, 7, 1], dtype=np.uint8)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(_idx_bytes(images))
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(labels))
    return tmp_path / "t10k-images-idx3-ubyte", images, labels


def test_raw_idx_images_and_labels_beside_them(tiny: tuple[Path, np.ndarray, np.ndarray]) -> None:
    path, images, labels = tiny
    loaded = load_images(path)
    assert loaded.images.shape == (5, 6, 4)
    np.testing.assert_allclose(loaded.images, images / 255.0, atol=1e-7)
    assert loaded.classes == ["1", "3", "7"]
    assert [loaded.classes[i] for i in loaded.labels] == [str(v) for v in labels]


def test_gzipped_idx_reads_the_same(tmp_path: Path) -> None:
    images = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_idx_bytes(images)))
    np.testing.assert_array_equal(read_idx(path), images)
    assert load_images(path).labels is None


def test_writer_round_trip_and_resize(tmp_path: Path) -> None:
    images = np.full((3, 8, 8), 200, dtype=np.uint8)
    write_idx(tmp_path / "x-images-idx3-ubyte.gz", images)
    loaded = load_images(tmp_path / "x-images-idx3-ubyte.gz", size=16)
    assert loaded.images.shape == (3, 16, 16)
    np.testing.assert_allclose(loaded.images, 200 / 255.0, atol=1e-5)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\x08\x03\x00\x00", "bad magic"),
        (bytes([0, 0, 0x0D, 1]) + struct.pack(">I", 1) + b"\0\0\0\0", "not supported"),
        (bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 2, 4, 4) + b"\0" * 10, "truncated"),
    ],
)
def test_bad_idx_files_name_the_problem(tmp_path: Path, payload: bytes, message: str) -> None:
    path = tmp_path / "bad-images-idx3-ubyte"
    path.write_bytes(payload)
    with pytest.raises(DataError, match=message):
        load_images(path)
