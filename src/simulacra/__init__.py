"""simulacra: synthetic data for machine learning.

The public names load on first use (PEP 562), so `import simulacra` and the command line's
`--help` do not import pandas, scikit-learn or PyTorch.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and editors see
    from ._version import __version__
    from .errors import (
        ConditionError,
        DataError,
        MetadataError,
        ModelFileError,
        NotFittedError,
        ParameterError,
        SimulacraError,
    )
    from .evaluation import Report, evaluate
    from .io import read_table, write_table
    from .metadata import Column, Metadata
    from .rebalance import rebalance
    from .specs import generate
    from .synthesizers import Synthesizer

__all__ = [
    "Column",
    "ConditionError",
    "DataError",
    "Metadata",
    "MetadataError",
    "ModelFileError",
    "NotFittedError",
    "ParameterError",
    "Report",
    "SimulacraError",
    "Synthesizer",
    "__version__",
    "evaluate",
    "generate",
    "read_table",
    "rebalance",
    "write_table",
]

# public name -> the module that defines it
_SOURCES = {
    "Column": ".metadata",
    "ConditionError": ".errors",
    "DataError": ".errors",
    "Metadata": ".metadata",
    "MetadataError": ".errors",
    "ModelFileError": ".errors",
    "NotFittedError": ".errors",
    "ParameterError": ".errors",
    "Report": ".evaluation",
    "SimulacraError": ".errors",
    "Synthesizer": ".synthesizers",
    "__version__": "._version",
    "evaluate": ".evaluation",
    "generate": ".specs",
    "read_table": ".io",
    "rebalance": ".rebalance",
    "write_table": ".io",
}


def __getattr__(name: str) -> Any:
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_SOURCES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(ModuleType):
    """Keeps a public function when a submodule of the same name is imported: importing
    `simulacra.rebalance` would otherwise bind the module over the function `rebalance`."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, ModuleType) and name in _SOURCES:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
