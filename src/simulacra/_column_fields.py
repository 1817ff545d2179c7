"""The types the fields of a `metadata.Column` hold, checked whenever a Column is made: a
metadata JSON edited by hand ("min": "abc", "decimals": -1, "format": 5, "min" above "max")
is refused by field name, instead of failing deep inside a fit or fitting nonsense."""

from __future__ import annotations

import math
from typing import Any, TypeGuard

from .errors import MetadataError

_TEXT = ("dtype", "format", "timezone", "pattern", "provider")
_FLAGS = ("integer", "public", "entity")
_COUNTS = ("decimals", "cardinality", "start")  # whole numbers, at least 0 but for start


def check_fields(fields: dict[str, Any]) -> None:
    """Raise a MetadataError naming the first field of a Column (as a dict) whose value has
    the wrong type or lies outside its range."""
    for name in _TEXT:
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            raise MetadataError(f"'{name}' must be text, not {value!r}")
    for name in _FLAGS:
        value = fields.get(name)
        if value is not None and not isinstance(value, bool):
            raise MetadataError(f"'{name}' must be true or false, not {value!r}")
    for name in _COUNTS:
        value = fields.get(name)
        whole = isinstance(value, int) and not isinstance(value, bool)
        if value is not None and (not whole or (name != "start" and value < 0)):
            least = "" if name == "start" else " of at least 0"
            raise MetadataError(f"'{name}' must be a whole number{least}, not {value!r}")
    for name in ("min", "max"):
        value = fields.get(name)
        if value is not None and not _finite(value):
            raise MetadataError(f"'{name}' must be a finite number, not {value!r}")
    low, high = fields.get("min"), fields.get("max")
    if low is not None and high is not None and low > high:
        raise MetadataError(f"'min' ({low:g}) is above 'max' ({high:g})")
    share = fields.get("null_share")
    if not (_finite(share) and 0 <= share <= 1):
        raise MetadataError(f"'null_share' must be a number in [0, 1], not {share!r}")
    if not isinstance(fields.get("extra"), dict):
        raise MetadataError(f"'extra' must be a mapping, not {fields.get('extra')!r}")


def _finite(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
