"""Names a package loads on first use (PEP 562 `__getattr__`): the package imports fast, and
a name's module, with what it imports, loads when the name is first asked for."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def load(package: str, sources: Mapping[str, str], name: str, namespace: dict[str, Any]) -> Any:
    """`name` from its module in `sources` (relative to `package`), kept in `namespace` (the
    package's globals) so later lookups skip this; AttributeError for a name not listed."""
    if name not in sources:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(sources[name], package), name)
    namespace[name] = value
    return value
