"""Names of every model, tables and images alike, and where their classes live.

Modules are imported on first use, so `import simulacra` (and the CLI's `--help`) does not
import PyTorch, and `load` builds only classes found here: a model file cannot name code.
Adding a model: write its module (a subclass of `Synthesizer` or `ImageSynthesizer`), add one
line below (and its name under `ABILITIES` if it can impute), and the shared contract test
runs it through fit, sample, seeds, save and load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import ParameterError

if TYPE_CHECKING:
    from .model import Model

REGISTRY: dict[str, dict[str, str]] = {
    "table": {
        "copula": "simulacra.synthesizers.copula:GaussianCopula",
        "ctgan": "simulacra.synthesizers.ctgan:CTGAN",
        "tvae": "simulacra.synthesizers.tvae:TVAE",
        "autoregressive": "simulacra.synthesizers.autoregressive:AutoRegressive",
        "ddpm": "simulacra.synthesizers.diffusion:Diffusion",
        "mst": "simulacra.synthesizers.mst:MST",
    },
    "images": {
        "vae": "simulacra.images.models:ImageVAE",
        "convvae": "simulacra.images.models:ConvImageVAE",
        "gan": "simulacra.images.models:ImageGAN",
        "diffusion": "simulacra.images.diffusion:ImageDiffusion",
    },
}
KINDS = tuple(REGISTRY)
# What some models can do beyond fit and sample, declared here so the command line can name
# them without importing PyTorch; a test checks each entry against the classes themselves.
ABILITIES: dict[str, dict[str, tuple[str, ...]]] = {
    "table": {"impute": ("autoregressive", "ddpm")},
}


def names(kind: str = "table") -> list[str]:
    """Every registered model name of `kind` ("table" or "images")."""
    return list(_models(kind))


def able_to(ability: str, kind: str = "table") -> list[str]:
    """The registered models of `kind` that can do `ability` (e.g. "impute"), in registry order."""
    declared = ABILITIES.get(kind, {}).get(ability, ())
    return [name for name in _models(kind) if name in declared]


def get(name: str, kind: str = "table") -> type[Model]:
    """The class registered as `name` among the models of `kind`."""
    models = _models(kind)
    if not isinstance(name, str) or name not in models:
        what = "synthesizer" if kind == "table" else "image model"
        raise ParameterError(f"unknown {what} {name!r} (use one of {', '.join(models)})")
    module, _, attr = models[name].partition(":")
    cls: type[Model] = getattr(importlib.import_module(module), attr)
    return cls


def _models(kind: str) -> dict[str, str]:
    if kind not in REGISTRY:
        raise ParameterError(f"unknown model kind {kind!r} (use one of {', '.join(KINDS)})")
    return REGISTRY[kind]
