"""Write sampled images to a folder: one PNG each, a grid, the arrays, and the loss curve."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..io import atomic_path
from .data import SAMPLES_FILE, ImageSet, save_arrays, to_uint8

GRID_FILE = "grid.png"
LOSS_FILE = "loss_curve.png"


def grid_image(images: np.ndarray, *, columns: int = 10, scale: int | None = None) -> np.ndarray:
    """Tile `(n, h, w)` or RGB `(n, h, w, 3)` images in [0, 1] into one uint8 picture,
    `columns` wide, 2-pixel gaps.

    `scale` repeats each pixel (nearest neighbour); by default small images are enlarged so a
    cell is at least 56 pixels high.
    """
    n, h, w = images.shape[:3]
    columns = max(1, min(columns, n))
    rows = math.ceil(n / columns)
    if scale is None:
        scale = max(1, 56 // h)
    tiles = to_uint8(images).repeat(scale, axis=1).repeat(scale, axis=2)
    gap = 2
    th, tw = h * scale, w * scale
    side = (rows * (th + gap) + gap, columns * (tw + gap) + gap)
    canvas = np.full(side + images.shape[3:], 128, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, columns)
        top, left = gap + r * (th + gap), gap + c * (tw + gap)
        canvas[top : top + th, left : left + tw] = tiles[i]
    return canvas


def spread(n: int, count: int = 100) -> np.ndarray:
    """`count` evenly spaced indices of `0..n-1` (all of them when n <= count): a grid then shows
    every class of a conditional sample, which comes in class blocks."""
    return np.unique(np.linspace(0, n - 1, min(n, count)).round().astype(np.int64))


def save_png(path: str | Path, pixels: np.ndarray) -> Path:
    """Write a uint8 grayscale `(h, w)` or RGB `(h, w, 3)` array as a PNG atomically (same
    pixels, same bytes)."""
    from PIL import Image

    with atomic_path(path) as tmp:
        Image.fromarray(pixels, mode="L" if pixels.ndim == 2 else "RGB").save(tmp, format="PNG")
    return Path(path)


def save_loss_curve(path: str | Path, history: dict[str, list[float]], title: str = "") -> Path:
    """Plot every loss series of a training history against the epoch, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    for name, values in history.items():
        ax.plot(range(1, len(values) + 1), values, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss per image" if "loss" in history else "loss")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)
    return Path(path)


def write_samples(
    samples: ImageSet,
    out_dir: str | Path,
    *,
    history: dict[str, list[float]] | None = None,
    title: str = "",
) -> dict[str, Path]:
    """Write `synthetic_image_<i>.png` for every image, `grid.png` (100 evenly spaced, 10 a row),
    `samples.npz` (all images and labels) and, given a history, `loss_curve.png`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pixels = to_uint8(samples.images)
    for i, image in enumerate(pixels):
        save_png(out / f"synthetic_image_{i}.png", image)
    written = {
        "grid": save_png(out / GRID_FILE, grid_image(samples.images[spread(len(samples))])),
        "arrays": save_arrays(out / SAMPLES_FILE, samples),
    }
    if history:
        written["loss_curve"] = save_loss_curve(out / LOSS_FILE, history, title)
    return written
