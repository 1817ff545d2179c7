"""Datasets built from a declarative specification, and the built-in scenarios.

`generate(spec, n, seed)` takes a spec mapping, a YAML/JSON file, YAML text, or the name of a
built-in scenario (`scenario_names()`), and returns a pandas DataFrame.

The specification modules (and scipy.stats, which they import) load on first use: the rule
parser (`specs.rules`) lives in this package and every model that keeps rules imports it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

    from .scenarios import scenario_names
    from .spec import Spec, load_spec, parse_spec

_SOURCES = {
    "Spec": ".spec",
    "load_spec": ".spec",
    "parse_spec": ".spec",
    "scenario_names": ".scenarios",
}


def __getattr__(name: str) -> Any:
    """`Spec`, `load_spec`, `parse_spec`, `scenario_names`: imported when first asked for."""
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_SOURCES[name], __name__), name)
    globals()[name] = value
    return value


def resolve(source: str | Path | Mapping[str, Any] | Spec) -> Spec:
    """A Spec from a built-in scenario name, a mapping, a file path or YAML/JSON text."""
    from .scenarios import SCENARIOS, scenario_spec
    from .spec import Spec, load_spec, parse_spec

    if isinstance(source, Spec):
        return source
    if isinstance(source, str) and source in SCENARIOS:
        return parse_spec(scenario_spec(source))
    plain = isinstance(source, str) and "\n" not in source and ":" not in source
    if plain and Path(str(source)).suffix == "" and not Path(str(source)).exists():
        raise ParameterError(
            f"'{source}' is neither a specification file nor a scenario "
            f"(scenarios: {', '.join(SCENARIOS)})"
        )
    return load_spec(source)


def generate(
    spec: str | Path | Mapping[str, Any] | Spec, n: int | None = None, seed: int = 0
) -> pd.DataFrame:
    """`n` rows built from `spec` (default: the spec's `rows`); the same seed gives the same table.

    Example: ``simulacra.generate("paper-regression", 2000, seed=0)`` or
    ``simulacra.generate({"columns": {"x": {"distribution": "normal"}}}, 100)``.
    """
    return resolve(spec).generate(n, seed)


__all__ = ["Spec", "generate", "load_spec", "parse_spec", "resolve", "scenario_names"]
