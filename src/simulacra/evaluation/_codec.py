"""Dataclasses to JSON values and back: the one codec of the typed report (`schema.py`).

`to_plain` writes a dataclass as a JSON object: its fields in declaration order, each under its
own name; nested dataclasses, tuples, lists and dicts the same way; numpy numbers as Python
numbers; NaN and infinities as null (JSON has neither). Two field options, declared with the
helpers below and read from the field's metadata:

- `optional()`: the key is left out while the value is None (a key some reports have and
  others lack: the holdout's distances, a numerical column's moments). When the key is there,
  it holds a value: null in it reads back as NaN.
- `flat(prefix)`: a nested dataclass (or None) written into its parent's object, each of its
  keys prefixed: a numerical pair's `pearson` is `pearson_real`, `pearson_synthetic` and
  `pearson_similarity`; None writes nothing, and the nested object reads back as None when
  none of its keys is there.

`from_plain(kind, value)` reads that layout back through the classes' type hints. A float field
reads null as NaN, the value it was written from. A missing key, an unknown key or a value of
the wrong kind is a DataError naming the key, so a file of another layout is refused rather
than half read. `build(cls, mapping)` is the same check on a metric function's result.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import MISSING, Field, field, fields, is_dataclass
from typing import Any, TypeVar

import numpy as np

from ..errors import DataError

T = TypeVar("T")
_OPTIONAL = "optional"
_FLAT = "flat"


def optional() -> Any:
    """A field whose key is left out of the JSON while its value is None (default None)."""
    return field(default=None, metadata={_OPTIONAL: True})


def flat(prefix: str = "") -> Any:
    """A nested dataclass (or None, the default) written into its parent's JSON object, each of
    its keys prefixed with `prefix`."""
    return field(default=None, metadata={_FLAT: prefix})


def to_plain(value: Any) -> Any:
    """The JSON value of `value` (see the module docstring)."""
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if _FLAT in f.metadata:
                if item is not None:
                    prefix = f.metadata[_FLAT]
                    out.update({prefix + k: v for k, v in to_plain(item).items()})
            elif item is None and f.metadata.get(_OPTIONAL):
                continue
            else:
                out[f.name] = to_plain(item)
        return out
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def build(cls: type[T], mapping: dict[str, Any]) -> T:
    """`cls` from a metric function's result, every key checked (see `from_plain`)."""
    return typing.cast(T, from_plain(cls, mapping, cls.__name__))


def from_plain(kind: Any, value: Any, where: str = "report") -> Any:
    """`value` (parsed JSON) as `kind`, a type hint of the schema; `where` names it in errors."""
    if isinstance(value, np.generic):
        value = value.item()
    origin = typing.get_origin(kind)
    if kind is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        if value is None and len(options) < len(typing.get_args(kind)):
            return None
        for option in options:
            try:
                return from_plain(option, value, where)
            except DataError:
                if option is options[-1]:
                    raise
        raise _wrong(where, "null", value)
    if origin is list or origin is tuple:
        if not isinstance(value, list | tuple):
            raise _wrong(where, "a list", value)
        args = typing.get_args(kind)
        if origin is list or (len(args) == 2 and args[1] is Ellipsis):
            items = [from_plain(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
            return items if origin is list else tuple(items)
        if len(args) != len(value):
            raise _wrong(where, f"{len(args)} items", value)
        pairs = enumerate(zip(args, value, strict=True))
        return tuple(from_plain(a, v, f"{where}[{i}]") for i, (a, v) in pairs)
    if origin is dict:
        if not isinstance(value, dict):
            raise _wrong(where, "an object", value)
        item = typing.get_args(kind)[1]
        return {str(k): from_plain(item, v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(kind, type) and is_dataclass(kind):
        return _dataclass(kind, value, where)
    return _primitive(kind, value, where)


def _dataclass(cls: type, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise _wrong(where, f"an object ({cls.__name__})", value)
    hints = typing.get_type_hints(cls)
    left = dict(value)
    given: dict[str, Any] = {}
    for f in fields(cls):
        if not f.init:
            continue
        if _FLAT in f.metadata:
            nested = _nested_class(hints[f.name])
            prefix = f.metadata[_FLAT]
            part = {k: left.pop(prefix + k) for k in json_keys(nested) if prefix + k in left}
            given[f.name] = _dataclass(nested, part, where) if part else None
        elif f.name in left:
            item = left.pop(f.name)
            if item is None and f.metadata.get(_OPTIONAL):
                item = math.nan  # a present optional key holds a value: null was NaN
            given[f.name] = from_plain(hints[f.name], item, f"{where}.{f.name}")
        elif not _has_default(f):
            raise DataError(f"{where}: no '{f.name}' (a {cls.__name__} needs it)")
    if left:
        raise DataError(f"{where}: unknown key(s) {', '.join(map(repr, left))} in a {cls.__name__}")
    return cls(**given)


def json_keys(cls: type) -> list[str]:
    """The keys a dataclass writes, flattened fields included."""
    hints = typing.get_type_hints(cls)
    keys: list[str] = []
    for f in fields(cls):
        if _FLAT in f.metadata:
            keys += [f.metadata[_FLAT] + k for k in json_keys(_nested_class(hints[f.name]))]
        else:
            keys.append(f.name)
    return keys


def _nested_class(kind: Any) -> type:
    options = [a for a in typing.get_args(kind) if a is not type(None)] or [kind]
    return typing.cast(type, options[0])


def _has_default(f: Field[Any]) -> bool:
    return f.default is not MISSING or f.default_factory is not MISSING


def _primitive(kind: Any, value: Any, where: str) -> Any:
    if kind is float:
        if value is None:
            return math.nan  # written from NaN
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value  # an int stays an int, so it is written back as it was read
        raise _wrong(where, "a number", value)
    if kind is type(None):
        if value is None:
            return None
        raise _wrong(where, "null", value)
    if isinstance(kind, type) and isinstance(value, kind):
        if kind is int and isinstance(value, bool):
            raise _wrong(where, "an integer", value)
        return value
    raise _wrong(where, getattr(kind, "__name__", str(kind)), value)


def _wrong(where: str, expected: str, value: Any) -> DataError:
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return DataError(f"{where}: expected {expected}, not {shown}")
