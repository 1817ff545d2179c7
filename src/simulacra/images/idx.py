"""The IDX format of the MNIST files: a big-endian header, then the raw array. Raw or gzipped.

Header: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, then one
4-byte big-endian size per dimension. Images are `idx3` (n, rows, cols); labels are `idx1` (n,).

The header is read first and the data only as far as it promises, so a small file whose header
(or whose gzip stream) claims gigabytes is refused before anything that size is allocated.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import DataError
from ..io import atomic_path

_UBYTE = 0x08
MAX_IDX_DIMENSIONS = 4  # images are 3-d, labels 1-d
MAX_IDX_BYTES = 250_000_000  # one byte per value: the same bound as images.data.MAX_PIXELS


def read_idx(path: str | Path) -> np.ndarray:
    """The unsigned-byte array stored in an IDX file (`.gz` is decompressed), as uint8.

    A header promising more than MAX_IDX_BYTES values, or a file holding more or fewer bytes
    than its header promises, is a DataError naming the file.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    try:
        with _open(path) as handle:
            shape = _read_header(handle, path)
            expected = math.prod(shape)
            if expected > MAX_IDX_BYTES:
                raise DataError(
                    f"{path}: IDX header promises {' x '.join(map(str, shape))} = {expected:,} "
                    f"values, more than the limit of {MAX_IDX_BYTES:,}"
                )
            data = handle.read(expected + 1)  # one byte more tells a file that holds too much
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot be decompressed ({exc})") from exc
    if len(data) != expected:
        held = f"{len(data):,}" if len(data) <= expected else "more"
        raise DataError(
            f"{path}: IDX header promises {expected:,} bytes of data, the file holds "
            f"{held} (truncated or corrupt)"
        )
    return np.frombuffer(data, dtype=np.uint8).reshape(shape).copy()


def _open(path: Path) -> BinaryIO:
    if _is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _read_header(handle: BinaryIO, path: Path) -> tuple[int, ...]:
    start = handle.read(4)
    if len(start) < 4 or start[0] != 0 or start[1] != 0:
        raise DataError(f"{path}: not an IDX file (bad magic number)")
    if start[2] != _UBYTE:
        raise DataError(f"{path}: IDX type 0x{start[2]:02x} is not supported (only unsigned bytes)")
    ndim = start[3]
    if ndim > MAX_IDX_DIMENSIONS:
        raise DataError(
            f"{path}: IDX header gives {ndim} dimensions, more than the limit of "
            f"{MAX_IDX_DIMENSIONS}"
        )
    sizes = handle.read(4 * ndim)
    if ndim == 0 or len(sizes) < 4 * ndim:
        raise DataError(f"{path}: truncated IDX header")
    return tuple(struct.unpack(f">{ndim}I", sizes))


def write_idx(path: str | Path, array: np.ndarray) -> Path:
    """Write a uint8 array as an IDX file atomically; gzipped when the name ends in `.gz`."""
    data = np.ascontiguousarray(array)
    if data.dtype != np.uint8:
        raise DataError(f"{path}: IDX files written here hold uint8 arrays, not {data.dtype}")
    header = bytes([0, 0, _UBYTE, data.ndim]) + struct.pack(f">{data.ndim}I", *data.shape)
    payload = header + data.tobytes()
    if str(path).endswith(".gz"):
        payload = gzip.compress(payload, mtime=0)
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
    return Path(path)


def labels_path_for(images_path: str | Path) -> Path | None:
    """The MNIST-style label file beside an image file, if present.

    `train-images-idx3-ubyte[.gz]` -> `train-labels-idx1-ubyte[.gz]`.
    """
    path = Path(images_path)
    name = path.name
    for old, new in (("images-idx3", "labels-idx1"), ("images.idx3", "labels.idx1")):
        if old in name:
            candidate = path.with_name(name.replace(old, new))
            if candidate.exists():
                return candidate
    return None


def is_idx(path: str | Path) -> bool:
    """True when the name or the first bytes say IDX (`idx3`/`idx1` in the name, or `.idx`)."""
    name = Path(path).name.lower()
    return "idx3" in name or "idx1" in name or name.endswith((".idx", ".idx.gz"))


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"
