"""Writing samples: one PNG per image, a grid that shows every class, byte-identical reruns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from simulacra.images import ImageSet
from simulacra.images.sample import grid_image, spread, write_samples


def test_grid_layout_and_scale() -> None:
    images = np.zeros((23, 8, 8), dtype=np.float32)
    images[5] = 1.0
    grid = grid_image(images, columns=10)
    scale = 56 // 8
    assert grid.shape == (3 * (8 * scale + 2) + 2, 10 * (8 * scale + 2) + 2)
    cell = grid[2 : 2 + 8 * scale, 2 + 5 * (8 * scale + 2) :][:, : 8 * scale]
    assert (cell == 255).all()


def test_spread_picks_every_block() -> None:
    labels = (np.arange(1000) * 10) // 1000  # how a conditional model lays out 1,000 samples
    assert np.bincount(labels[spread(1000)]).tolist() == [10] * 10
    assert spread(7).tolist() == list(range(7))


def test_rerun_writes_identical_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    samples = ImageSet(
        rng.random((12, 16, 16), dtype=np.float32), np.arange(12) % 3, ["a", "b", "c"]
    )
    history = {"loss": [3.0, 2.0, 1.5], "kl": [0.5, 0.7, 0.8]}
    for name in ("one", "two"):
        write_samples(samples, tmp_path / name, history=history)
    one = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert len(one) == 12 + 3  # images, grid.png, samples.npz, loss_curve.png
    for name in one:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    with Image.open(tmp_path / "one" / "synthetic_image_4.png") as image:
        pixels = np.asarray(image)
    np.testing.assert_allclose(pixels / 255.0, samples.images[4], atol=0.5 / 255 + 1e-6)
