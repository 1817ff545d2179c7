"""The IDX format of the MNIST files: a big-endian header, then the raw array. Raw or gzipped.

Header: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, then one
4-byte big-endian size per dimension. Images are `idx3` (n, rows, cols); labels are `idx1` (n,).
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..io import atomic_path

_UBYTE = 0x08


def read_idx(path: str | Path) -> np.ndarray:
    """The unsigned-byte array stored in an IDX file (`.gz` is decompressed), as uint8."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    try:
        raw = gzip.decompress(path.read_bytes()) if _is_gzip(path) else path.read_bytes()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot be decompressed ({exc})") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path}: not an IDX file (bad magic number)")
    if raw[2] != _UBYTE:
        raise DataError(f"{path}: IDX type 0x{raw[2]:02x} is not supported (only unsigned bytes)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise DataError(f"{path}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise DataError(
            f"{path}: IDX header promises {expected:,} bytes of data, the file holds "
            f"{len(raw) - header:,} (truncated or corrupt)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


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
