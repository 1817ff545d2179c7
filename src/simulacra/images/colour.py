"""`sample-colour`: a small offline colour image set cut from scikit-learn's two bundled
photographs (`china.jpg` and `flower.jpg`, 427x640 each). Nothing is downloaded.

Each photograph is cut into non-overlapping square tiles of `tile` pixels (32 by default, 260
tiles each), resized to `size`; the class is the photograph the tile came from.
"""

from __future__ import annotations

import numpy as np

from .data import ImageSet

PHOTOS = ("china", "flower")


def load_sample_colour(*, size: int = 32, tile: int = 32) -> ImageSet:
    """RGB tiles `(n, size, size, 3)` of both photographs, labelled china (0) or flower (1)."""
    from sklearn.datasets import load_sample_images

    bunch = load_sample_images()
    by_name = {
        name.rsplit("/", 1)[-1].removesuffix(".jpg"): image
        for name, image in zip(bunch.filenames, bunch.images, strict=True)
    }
    tiles, labels = [], []
    for label, name in enumerate(PHOTOS):
        photo = by_name[name]
        rows, columns = photo.shape[0] // tile, photo.shape[1] // tile
        cut = photo[: rows * tile, : columns * tile].reshape(rows, tile, columns, tile, 3)
        tiles.append(cut.transpose(0, 2, 1, 3, 4).reshape(-1, tile, tile, 3))
        labels.append(np.full(rows * columns, label, dtype=np.int64))
    images = np.concatenate(tiles).astype(np.float32) / 255.0
    return ImageSet(images, np.concatenate(labels), list(PHOTOS)).resized(size)
