"""What every model shares, table synthesizers and image models alike.

- Parameters are declared once, as `Param`s (params.py): the keyword-only constructor that
  only stores them, `get_params`, the checks at `fit`, the documentation and the command
  line's help all come from the declarations. The parameters that several families share
  (`SEED`, `VERBOSE`, `EPOCHS`, `BATCH_SIZE`, `LEARNING_RATE`, `DEVICE`, `THREADS`) are
  declared here; a family or model changes only a default (`EPOCHS.replace(default=50)`).
- `tags` say what a model can do beyond fit and sample ("conditions", "impute", "dp",
  "streams", "summaries", "gpu"); they add up along the class hierarchy, and the command line
  reads them from the generated `_catalog.py` without importing the models.
- `Synthesizer("ctgan", ...)` and `ImageSynthesizer("vae", ...)` build the class registered
  under that name for their kind (`registry.py`).
- `save` writes a zip of JSON and safetensors arrays (no pickle) with the kind, name and
  parameters; `load` rebuilds only registered classes. `load_model` opens either kind.
- The fitted state is what `_get_state` returns and `_set_state` takes: named arrays and
  JSON values, listed by each model.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from . import registry
from .errors import ModelFileError, NotFittedError, ParameterError
from .params import Declared, Interval, Kind, Param

# parameters renamed since version 1 model files: old name -> new name
RENAMED_PARAMS = {"lr": "learning_rate"}
KIND_NAMES = {"table": "a table model", "images": "an image model"}
# what a model can do beyond fit and sample (`Model.tags`): sample rows meeting conditions
# (tables) or of a class asked for (images); impute missing cells; fit with differential
# privacy (`epsilon`); train on minibatches streamed from Dask; fit on Dask from merged
# summaries; run on a GPU (`device`); learn sequences of events per entity (`sequence_key`)
TAGS = ("conditions", "impute", "dp", "streams", "summaries", "gpu", "sequences")

SEED = Param(0, Interval(0, None, integer=True), "seed of every random stream of the model")
VERBOSE = Param(True, Kind(bool), "show progress bars")
EPOCHS = Param(300, Interval(1, None, integer=True), "training passes over the data")
BATCH_SIZE = Param(500, Interval(2, None, integer=True), "rows in a training step")
LEARNING_RATE = Param(1e-3, Interval(0, 1), "step size of the optimiser (Adam)")
DEVICE = Param("auto", Kind(str), "torch device: auto (CUDA if present), cpu, cuda[:k]")
THREADS = Param[int | None](
    None, Interval(1, None, integer=True, optional=True), "CPU threads for torch", means="1"
)


class _Factory(type):
    """`Family(name, **params)` builds the registered class; subclasses build as usual."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls.__dict__.get("_family", False):
            name = kwargs.pop("model", None) if not args else args[0]
            if len(args) > 1 or not isinstance(name, str):
                raise TypeError(f"{cls.__name__}(name, **params): give the model's name")
            from typing import cast

            family = cast("type[Model]", cls)  # a metaclass method: `cls` is the family root
            cls_ = registry.get(name, family.kind)
            check_known(name, cls_, kwargs)
            return cls_(**kwargs)
        return super().__call__(*args, **kwargs)


def check_known(name: str, cls: type[Model], params: Mapping[str, Any]) -> None:
    """A ParameterError naming every key of `params` that model `name` has no parameter of."""
    accepted = cls._param_names()
    unknown = [key for key in params if key not in accepted]
    if unknown:
        which = "parameter" if len(unknown) == 1 else "parameters"
        named = ", ".join(f"'{key}'" for key in unknown)
        raise ParameterError(
            f"{name} has no {which} {named} (its parameters: {', '.join(accepted)})"
        )


class Model(Declared, metaclass=_Factory):
    """Base of every model; a family root (`_family = True`) builds its members by name."""

    kind: ClassVar[str] = ""
    _family: ClassVar[bool] = False
    tags: ClassVar[frozenset[str]] = frozenset()
    seed = SEED
    verbose = VERBOSE

    if TYPE_CHECKING:
        # What type checkers see: `Family(name, **params)` goes through `_Factory`.
        def __init__(self, name: str = "", /, **params: Any) -> None: ...

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = frozenset().union(*(vars(k).get("tags", ()) for k in cls.__mro__))
        if declared - set(TAGS):
            raise TypeError(f"{cls.__name__}: unknown tags {sorted(declared - set(TAGS))}")
        cls.tags = declared

    # parameters -------------------------------------------------------------------------
    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        """Tunable parameters and their search ranges (for tuning and benchmarks)."""
        return {}

    # fitted state ------------------------------------------------------------------------
    def _is_fitted(self) -> bool:
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not self._is_fitted():
            raise NotFittedError(f"{self.name}: call fit before sampling or saving")

    def _get_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def _set_state(self, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """What was learned: parameters, encodings, networks, training history."""
        raise NotImplementedError

    # files -------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to `path` atomically (a zip of JSON and safetensors)."""
        from .modelfile import write_model

        self._check_fitted()
        manifest = {"kind": self.kind, "model": self.name, "params": self.get_params()}
        return write_model(path, manifest, self._get_state())

    @classmethod
    def load(cls, path: str | Path, **params: Any) -> Any:
        """Read a model written by `save` (`params` override saved ones, e.g. `device`).

        Only registered classes are built; a file of another kind, from a newer simulacra,
        or damaged gives a ModelFileError naming the file; an override the model has no
        parameter of, a ParameterError naming it.
        """
        from .modelfile import damaged_as_error, read_model

        manifest, state = read_model(path)
        kind, name = manifest["kind"], manifest["model"]
        if cls.kind and kind != cls.kind:
            hint = "simulacra images sample" if kind == "images" else "simulacra sample"
            raise ModelFileError(
                f"{path}: holds {KIND_NAMES.get(kind, kind)} '{name}', not "
                f"{KIND_NAMES.get(cls.kind, cls.kind)} (use `{hint}`)"
            )
        try:
            model_cls = registry.get(name, kind)
        except ParameterError as exc:  # a name no registered model has
            raise ModelFileError(
                f"{path}: the model file is incomplete or damaged ({exc})"
            ) from exc
        check_known(name, model_cls, params)  # an override of a parameter the model lacks
        with damaged_as_error(path):
            saved = {RENAMED_PARAMS.get(k, k): v for k, v in manifest["params"].items()}
            if manifest["format_version"] < 2:
                # version 1 image files stored every model's parameters, unset ones as None
                accepted = model_cls._param_names()
                saved = {k: v for k, v in saved.items() if k in accepted and v is not None}
            self = model_cls(**{**saved, **params})
            self._set_state(state)
        return self


def load_model(path: str | Path, **params: Any) -> Any:
    """A saved model of either kind (a table Synthesizer or an ImageSynthesizer)."""
    return Model.load(path, **params)
