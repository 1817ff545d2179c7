"""Names of every model, tables and images alike, and where their classes live.

Modules are imported on first use, so `import simulacra` (and the CLI's `--help`) does not
import PyTorch, and `load` builds only classes found here: a model file cannot name code.
Adding a model: write its module (a subclass of `Synthesizer` or `ImageSynthesizer` that
declares its `Param`s and `tags`), add one line below, run `python -m simulacra.cli.catalog` to
regenerate what the command line knows of it, and the shared contract test runs it through
fit, sample, seeds, save and load.

What the command line says about the models without importing them (their abilities, the
defaults in an option's help) comes from `_catalog.py`, generated from the declarations.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from . import _catalog
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
        "ensemble": "simulacra.synthesizers.ensemble:Ensemble",
    },
    "images": {
        "vae": "simulacra.images.models:ImageVAE",
        "convvae": "simulacra.images.models:ConvImageVAE",
        "gan": "simulacra.images.models:ImageGAN",
        "diffusion": "simulacra.images.diffusion:ImageDiffusion",
    },
}
KINDS = tuple(REGISTRY)


def names(kind: str = "table") -> list[str]:
    """Every registered model name of `kind` ("table" or "images")."""
    return list(_models(kind))


def able_to(ability: str, kind: str = "table") -> list[str]:
    """The registered models of `kind` tagged `ability` ("impute", "dp", ...: `Model.tags`),
    in registry order."""
    tags = _catalog.TAGS.get(kind, {})
    return [name for name in _models(kind) if ability in tags.get(name, ())]


def option_help(param: str, kind: str = "table") -> str:
    """The help of a command-line option that sets `param`: its declared meaning and each
    model's default, for models of `kind` ("table", "images", or "upscaler")."""
    return _catalog.OPTION_HELP[kind][param]


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
