"""The CIFAR-10 binary batch format (`data_batch_1.bin` ... `test_batch.bin`).

Each record is 3,073 bytes: one label byte (0-9), then 1,024 red, 1,024 green and 1,024 blue
bytes of a 32x32 image, rows first. The class names come from `batches.meta.txt` beside the
file (one per line) when it is there, else CIFAR-10's own. The file size is checked (a whole
number of records, at most MAX_ARRAY_BYTES) before anything is read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from .data import MAX_ARRAY_BYTES, MAX_CLASSES, ImageSet

RECORD_BYTES = 1 + 3 * 32 * 32
CIFAR10_CLASSES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]
META_FILE = "batches.meta.txt"
_MAX_META_BYTES = 1_000_000


def load_cifar_batch(path: str | Path) -> ImageSet:
    """The images `(n, 32, 32, 3)` in [0, 1] and labels of one CIFAR-10 binary batch."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc})") from exc
    if size == 0 or size % RECORD_BYTES:
        raise DataError(
            f"{path}: {size:,} bytes is not a whole number of CIFAR-10 records of "
            f"{RECORD_BYTES:,} bytes (1 label + 3,072 pixels; CIFAR-100's 2-label format "
            "is not read)"
        )
    if size > MAX_ARRAY_BYTES:
        raise DataError(f"{path}: {size:,} bytes, more than the limit of {MAX_ARRAY_BYTES:,}")
    with open(path, "rb") as handle:
        raw = np.frombuffer(handle.read(size), dtype=np.uint8).reshape(-1, RECORD_BYTES)
    labels = raw[:, 0].astype(np.int64)
    classes = _class_names(path)
    if int(labels.max()) >= len(classes):
        raise DataError(
            f"{path}: label {int(labels.max())} but only {len(classes)} classes; "
            "is this a CIFAR-10 binary batch?"
        )
    pixels = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return ImageSet(np.ascontiguousarray(pixels, dtype=np.float32) / 255.0, labels, classes)


def _class_names(path: Path) -> list[str]:
    meta = path.with_name(META_FILE)
    if not meta.is_file():
        return list(CIFAR10_CLASSES)
    with open(meta, "rb") as handle:
        text = handle.read(_MAX_META_BYTES).decode("utf-8", errors="replace")
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names or len(names) > MAX_CLASSES:
        raise DataError(f"{meta}: expected 1 to {MAX_CLASSES:,} class names, one a line")
    return names


def write_cifar_batch(path: str | Path, images: ImageSet) -> Path:
    """Write 32x32 RGB images with labels (below 256) as a CIFAR-10 binary batch."""
    if images.labels is None or images.channels != 3 or images.shape != (32, 32):
        raise DataError("a CIFAR-10 batch holds labelled 32x32 RGB images")
    pixels = np.round(np.clip(images.images, 0, 1) * 255).astype(np.uint8)
    records = np.concatenate(
        [
            images.labels.astype(np.uint8)[:, None],
            pixels.transpose(0, 3, 1, 2).reshape(len(pixels), -1),
        ],
        axis=1,
    )
    Path(path).write_bytes(records.tobytes())
    return Path(path)
