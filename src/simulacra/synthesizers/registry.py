"""Names of synthesizers and where their classes live.

Modules are imported on first use, so `import simulacra` does not import PyTorch. `load` only
builds classes found here: a model file cannot name arbitrary code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ..errors import ParameterError

if TYPE_CHECKING:
    from .base import Synthesizer

REGISTRY: dict[str, str] = {
    "copula": "simulacra.synthesizers.copula:GaussianCopula",
    "ctgan": "simulacra.synthesizers.ctgan:CTGAN",
    "tvae": "simulacra.synthesizers.tvae:TVAE",
}


def names() -> list[str]:
    """Every registered synthesizer name."""
    return list(REGISTRY)


def get(name: str) -> type[Synthesizer]:
    """The class registered as `name`."""
    if name not in REGISTRY:
        raise ParameterError(f"unknown synthesizer '{name}' (use one of {', '.join(REGISTRY)})")
    module, _, attr = REGISTRY[name].partition(":")
    cls: type[Synthesizer] = getattr(importlib.import_module(module), attr)
    return cls
