"""Split a nested state (JSON values and numpy arrays) into JSON plus a flat array dict.

Model files store the JSON part as text and the arrays with safetensors, so loading a file
never runs code (no pickle).
"""

from __future__ import annotations

from typing import Any

import numpy as np

ARRAY_KEY = "__array__"


def pack(state: Any, arrays: dict[str, np.ndarray], prefix: str = "") -> Any:
    """Return `state` with every ndarray replaced by a reference stored into `arrays`."""
    if isinstance(state, np.ndarray):
        if state.dtype.kind in "USO":
            raise TypeError(f"{prefix}: store text as a list, not an array of {state.dtype}")
        key = prefix or f"a{len(arrays)}"
        while key in arrays:
            key = f"{key}_"
        arrays[key] = np.ascontiguousarray(state)
        return {ARRAY_KEY: key}
    if isinstance(state, dict):
        return {
            str(k): pack(v, arrays, f"{prefix}.{k}" if prefix else str(k)) for k, v in state.items()
        }
    if isinstance(state, list | tuple):
        return [pack(v, arrays, f"{prefix}.{i}") for i, v in enumerate(state)]
    if isinstance(state, np.generic):
        return state.item()
    return state


def unpack(state: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Inverse of `pack`."""
    if isinstance(state, dict):
        if set(state) == {ARRAY_KEY}:
            return arrays[state[ARRAY_KEY]]
        return {k: unpack(v, arrays) for k, v in state.items()}
    if isinstance(state, list):
        return [unpack(v, arrays) for v in state]
    return state
