"""Model files: a zip of JSON (manifest, metadata, state) and safetensors arrays. No pickle.

Loading checks the format version and builds only registered classes, so opening a model file
from a stranger cannot run code. Every entry's size is bounded before it is read (a zip bomb
costs nothing), and JSON nesting is bounded too.

A model file holds what was learned, never how long it took: wall-clock fields (TIMING_KEYS)
are left out and every zip entry carries the same date, so the same data and seed give the
same bytes.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

from ._state import pack, unpack
from ._version import __version__
from .errors import ModelFileError
from .io import atomic_path

FORMAT = "simulacra-model"
FORMAT_VERSION = 2
# version 1 named table models under "synthesizer" and kept image state in the manifest
_V1_IMAGE_KEYS = ("image_shape", "classes", "history", "fit_info")

ENTRIES = ("manifest.json", "state.json", "arrays.safetensors")
# the largest size of each entry once decompressed, in bytes
MAX_ENTRY_BYTES = {
    "manifest.json": 1 << 20,
    "state.json": 256 << 20,
    "arrays.safetensors": 4 << 30,
}
MAX_RATIO = 200  # decompressed / compressed size of entries over 1 MiB (deflate reaches ~1000)
MAX_JSON_DEPTH = 64
TIMING_KEYS = frozenset({"seconds", "cpu_seconds", "epoch_seconds"})
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def write_model(path: str | Path, manifest: dict[str, Any], state: dict[str, Any]) -> Path:
    """Write a model file atomically."""
    arrays: dict[str, np.ndarray] = {}
    packed = pack(without_timings(state), arrays)
    head = {"format": FORMAT, "format_version": FORMAT_VERSION, "simulacra": __version__}
    contents = {
        "manifest.json": json.dumps({**head, **manifest}, indent=2).encode(),
        "state.json": json.dumps(packed).encode(),
        "arrays.safetensors": save_arrays(arrays) if arrays else b"",
    }
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        for name, data in contents.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return Path(path)


@contextmanager
def damaged_as_error(path: str | Path) -> Iterator[None]:
    """Turn what a damaged or incomplete model file raises while its model is rebuilt (a
    missing entry, a value of the wrong type) into one ModelFileError naming the file."""
    try:
        yield
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelFileError(f"{path}: the model file is incomplete or damaged ({exc})") from exc


def without_timings(state: Any) -> Any:
    """`state` without the wall-clock fields of TIMING_KEYS, at any depth."""
    if isinstance(state, dict):
        return {k: without_timings(v) for k, v in state.items() if k not in TIMING_KEYS}
    if isinstance(state, list):
        return [without_timings(v) for v in state]
    return state


def read_model(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest and state of a model file, or a ModelFileError naming the file."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file")
    if path.is_dir():
        raise ModelFileError(f"{path}: is a folder, not a model file")
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = _read_json(path, archive, "manifest.json")
            _check_manifest(path, manifest)
            extra = sorted(set(archive.namelist()) - set(ENTRIES))
            if extra:  # never read, but a file we did not write is not ours to load
                raise ModelFileError(
                    f"{path}: holds an entry {extra[0]!r} that no simulacra model file has "
                    f"(only {', '.join(ENTRIES)})"
                )
            packed = _read_json(path, archive, "state.json")
            _upgrade(path, manifest, packed)
            raw = _read_entry(path, archive, "arrays.safetensors")
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError, RuntimeError) as exc:
        # ValueError covers JSON and UTF-8 errors; RuntimeError, encrypted entries
        raise ModelFileError(
            f"{path}: not a simulacra model file, or corrupt or truncated"
        ) from exc
    try:
        arrays = load_arrays(raw) if raw else {}
        state = unpack(packed, arrays)
    except Exception as exc:
        raise ModelFileError(f"{path}: the model's arrays are corrupt ({exc})") from exc
    return manifest, state


def _read_entry(path: Path, archive: zipfile.ZipFile, name: str) -> bytes:
    """One entry, refused before decompression when it claims too many bytes or too high a
    compression ratio, and read with a bound in case its header lies."""
    info = archive.getinfo(name)
    limit = MAX_ENTRY_BYTES[name]
    if info.file_size > limit:
        raise ModelFileError(
            f"{path}: entry {name} holds {info.file_size:,} bytes, over the limit of {limit:,}"
        )
    if info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise ModelFileError(
            f"{path}: entry {name} expands {info.file_size / max(info.compress_size, 1):,.0f} "
            f"times, over the limit of {MAX_RATIO} (a zip bomb?)"
        )
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ModelFileError(f"{path}: entry {name} is larger than its header says")
    return data


def _read_json(path: Path, archive: zipfile.ZipFile, name: str) -> Any:
    text = _read_entry(path, archive, name)
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ModelFileError(f"{path}: entry {name} nests deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text)


def json_depth(text: bytes) -> int:
    """The deepest nesting of brackets in JSON text, not counting those inside strings."""
    bare = np.frombuffer(_JSON_STRING.sub(b'""', text), dtype=np.uint8)
    steps = np.isin(bare, (0x5B, 0x7B)).astype(np.int64) - np.isin(bare, (0x5D, 0x7D))
    return int(np.cumsum(steps).max(initial=0))


def _check_manifest(path: Path, manifest: Any) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a simulacra model file")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model format version {version} is newer than this simulacra reads "
            f"({FORMAT_VERSION}); upgrade simulacra"
        )


def _upgrade(path: Path, manifest: dict[str, Any], state: Any) -> None:
    """Bring a version 1 manifest to version 2: `kind` and `model` name every model, and an
    image model's shape, classes and history live in the state."""
    if manifest["format_version"] < 2 and isinstance(state, dict):
        _upgrade_v1(manifest, state)
    for key in ("kind", "model"):
        if not isinstance(manifest.get(key), str):
            raise ModelFileError(f"{path}: the model file names no {key}")
    if not isinstance(manifest.get("params"), dict):
        raise ModelFileError(f"{path}: the model file has no parameters")


def _upgrade_v1(manifest: dict[str, Any], state: dict[str, Any]) -> None:
    if "synthesizer" in manifest:
        manifest["kind"], manifest["model"] = "table", manifest.pop("synthesizer")
    elif manifest.get("kind") == "images":
        params = manifest.get("params")
        if isinstance(params, dict):
            params.pop("model", None)
        for key in _V1_IMAGE_KEYS:
            if key in manifest:
                state[key] = manifest.pop(key)
