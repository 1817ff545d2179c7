"""Model files: a zip of JSON (manifest, metadata, state) and safetensors arrays. No pickle.

Loading checks the format version and builds only registered classes, so opening a model file
from a stranger cannot run code.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

from . import __version__
from ._state import pack, unpack
from .errors import ModelFileError
from .io import atomic_path

FORMAT = "simulacra-model"
FORMAT_VERSION = 2
# version 1 named table models under "synthesizer" and kept image state in the manifest
_V1_IMAGE_KEYS = ("image_shape", "classes", "history", "fit_info")


def write_model(path: str | Path, manifest: dict[str, Any], state: dict[str, Any]) -> Path:
    """Write a model file atomically."""
    arrays: dict[str, np.ndarray] = {}
    packed = pack(state, arrays)
    head = {"format": FORMAT, "format_version": FORMAT_VERSION, "simulacra": __version__}
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps({**head, **manifest}, indent=2))
        archive.writestr("state.json", json.dumps(packed))
        archive.writestr("arrays.safetensors", save_arrays(arrays) if arrays else b"")
    return Path(path)


def read_model(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest and state of a model file, or a ModelFileError naming the file."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            _check_manifest(path, manifest)
            packed = json.loads(archive.read("state.json"))
            _upgrade(path, manifest, packed)
            raw = archive.read("arrays.safetensors")
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, KeyError, EOFError, json.JSONDecodeError, OSError) as exc:
        raise ModelFileError(
            f"{path}: not a simulacra model file, or corrupt or truncated"
        ) from exc
    try:
        arrays = load_arrays(raw) if raw else {}
        state = unpack(packed, arrays)
    except Exception as exc:
        raise ModelFileError(f"{path}: the model's arrays are corrupt ({exc})") from exc
    return manifest, state


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
