"""The interface every synthesizer shares: fit, sample, save, load, describe.

A synthesizer stores its parameters in `__init__` and nothing else. `fit` infers or takes the
Metadata, fits a TableTransformer, and hands the encoded matrix to `_fit_encoded`. `sample`
draws encoded rows with `_sample_encoded` chunk by chunk and decodes them. Subclasses only
implement those two methods and their state; everything else is shared.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from .._progress import track
from ..errors import ConditionError, DataError, ModelFileError, NotFittedError
from ..metadata import Metadata
from ..transforms import TableTransformer
from ..transforms.columns import CategoricalTransform, ContinuousTransform
from . import registry
from .modelfile import read_model, write_model
from .params import Constraint, Interval, Kind, check_params

CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class Condition:
    """A value one column must take: `code` for a category, `number` for a numerical value."""

    column: str
    value: Any
    code: int | None = None
    number: float | None = None


class _Factory(type):
    """`Synthesizer("copula", seed=0)` builds the registered class; subclasses build as usual."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Synthesizer:
            if len(args) != 1 or not isinstance(args[0], str):
                raise TypeError("Synthesizer(name, **params): give the synthesizer's name")
            return registry.get(args[0])(**kwargs)
        return super().__call__(*args, **kwargs)


class Synthesizer(metaclass=_Factory):
    """Base class of every synthesizer; `Synthesizer(name, **params)` builds one by name."""

    name: ClassVar[str] = ""
    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "seed": Interval(0, None, integer=True),
        "verbose": Kind(bool),
        "max_categories": Interval(2, None, integer=True),
    }
    _transformer: ClassVar[dict[str, str]] = {"continuous": "quantile", "discrete": "frequency"}
    seed: int
    verbose: bool
    max_categories: int

    if TYPE_CHECKING:
        # What type checkers see: `Synthesizer(name, **params)` goes through `_Factory`.
        def __init__(self, name: str = "", /, **params: Any) -> None: ...
    else:

        def __init__(self, *, seed: int = 0, verbose: bool = True, max_categories: int = 1_000):
            self.seed = seed
            self.verbose = verbose
            self.max_categories = max_categories

    # parameters -------------------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY]

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters, as given."""
        return {name: getattr(self, name) for name in self._param_names()}

    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        """Tunable parameters and their search ranges (for tuning and benchmarks)."""
        return {}

    def _check_params(self) -> None:
        rules: dict[str, Constraint] = {}
        for klass in reversed(type(self).__mro__):
            rules.update(getattr(klass, "_parameter_constraints", {}))
        check_params(self.name or type(self).__name__, self.get_params(), rules)

    def _transformer_params(self) -> dict[str, Any]:
        return dict(self._transformer)

    # fitting -----------------------------------------------------------------------------
    def fit(self, table: pd.DataFrame, metadata: Metadata | None = None) -> Synthesizer:
        """Learn `table`. Metadata is inferred when not given. Returns self."""
        self._check_params()
        if not isinstance(table, pd.DataFrame):
            raise DataError(f"fit needs a pandas DataFrame, not {type(table).__name__}")
        started = time.perf_counter()
        self.metadata_ = metadata if metadata is not None else Metadata.infer(table)
        self.transformer_ = TableTransformer(
            self.metadata_,
            max_categories=self.max_categories,
            seed=self.seed,
            verbose=self.verbose,
            **self._transformer_params(),
        ).fit(table)
        encoded = self.transformer_.encode(table)
        self._fit_encoded(encoded, np.random.default_rng([self.seed, 3]))
        self.fit_info_ = {"rows": len(table), "seconds": round(time.perf_counter() - started, 3)}
        self._calls = 0
        return self

    def _fit_encoded(self, data: np.ndarray, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _sample_encoded(
        self, n: int, conditions: list[Condition], rng: np.random.Generator
    ) -> np.ndarray:
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "transformer_"):
            raise NotFittedError(f"{self.name}: call fit before sampling or saving")

    # sampling ----------------------------------------------------------------------------
    def sample(
        self, n: int, conditions: Mapping[str, Any] | None = None, seed: int | None = None
    ) -> pd.DataFrame:
        """`n` synthetic rows; every row meets `conditions` ({column: value}).

        The same `seed` gives the same rows; without one, each call draws new rows from a
        stream fixed by the synthesizer's own seed.
        """
        chunks = list(self.iter_sample(n, conditions, seed))
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]

    def iter_sample(
        self,
        n: int,
        conditions: Mapping[str, Any] | None = None,
        seed: int | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> Iterator[pd.DataFrame]:
        """The rows of `sample(n, conditions, seed)` in chunks of `chunk_rows`, for streaming."""
        self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise DataError(f"number of rows must be a positive integer, not {n!r}")
        parsed = self.parse_conditions(conditions or {})
        entropy = [self.seed, 1 + self._next_call()] if seed is None else [int(seed)]
        return self._chunks(int(n), parsed, entropy, chunk_rows)

    def _chunks(
        self, n: int, conditions: list[Condition], entropy: list[int], chunk_rows: int
    ) -> Iterator[pd.DataFrame]:
        """The chunks themselves (a generator, so `iter_sample` checks its input eagerly)."""
        starts = range(0, n, chunk_rows)
        label = f"sampling {self.name}"
        for k, start in enumerate(
            track(starts, label, len(starts), self.verbose and n > chunk_rows)
        ):
            rows = min(chunk_rows, n - start)
            rng = np.random.default_rng([*entropy, k])
            encoded = self._sample_encoded(rows, conditions, rng)
            frame = self.transformer_.decode(encoded, rng, offset=start)
            for cond in conditions:
                frame[cond.column] = pd.Series([cond.value] * rows, dtype=frame[cond.column].dtype)
            yield frame

    def _next_call(self) -> int:
        self._calls = getattr(self, "_calls", 0) + 1
        return self._calls

    def parse_conditions(self, conditions: Mapping[str, Any]) -> list[Condition]:
        """Type each condition; a ConditionError names the column if one cannot be met."""
        self._check_fitted()
        parsed = []
        for name, value in conditions.items():
            if name not in self.metadata_:
                known = ", ".join(self.metadata_.names)
                raise ConditionError(f"condition on unknown column '{name}' (columns: {known})")
            column = self.transformer_.columns_[name]
            if isinstance(column, CategoricalTransform):
                typed = _as_category(value, column.categories_ + column.tail_values_)
                try:
                    parsed.append(Condition(name, typed, code=column.code_of(typed)))
                except DataError as exc:
                    raise ConditionError(str(exc)) from exc
            elif isinstance(column, ContinuousTransform):
                parsed.append(self._continuous_condition(name, column, value))
            else:
                kind = self.metadata_[name].kind
                raise ConditionError(
                    f"column '{name}' ({kind}) is generated, not modelled: it cannot be a condition"
                )
        return parsed

    def _continuous_condition(self, name: str, column: ContinuousTransform, value: Any) -> Condition:
        series = pd.Series([value])
        try:
            if self.metadata_[name].dtype.startswith("datetime64"):
                series = pd.to_datetime(series)
            number = float(column.to_float(series)[0])
        except (ValueError, TypeError, DataError) as exc:
            raise ConditionError(f"condition {name}={value!r}: not a valid value ({exc})") from exc
        if not column.low_ <= number <= column.high_:
            raise ConditionError(
                f"condition {name}={value!r} is outside the learned range "
                f"[{column.low_:g}, {column.high_:g}]"
            )
        typed = column.from_float(np.array([number]), np.zeros(1, bool)).iloc[0]
        return Condition(name, typed, number=number)

    # persistence -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to `path` (a zip of JSON and safetensors; no pickle)."""
        self._check_fitted()
        manifest = {"synthesizer": self.name, "params": self.get_params()}
        state = {
            "metadata": self.metadata_.to_dict(),
            "transformer": self.transformer_.get_state(),
            "model": self._get_state(),
            "fit_info": self.fit_info_,
        }
        return write_model(path, manifest, state)

    @staticmethod
    def load(path: str | Path) -> Synthesizer:
        """Read a model written by `save`; only registered synthesizers can be built."""
        manifest, state = read_model(path)
        if "synthesizer" not in manifest:
            kind = manifest.get("kind", "unknown")
            raise ModelFileError(f"{path}: not a table model (it holds a model of kind '{kind}')")
        try:
            cls = registry.get(manifest["synthesizer"])
            self = cls(**manifest["params"])
            self.metadata_ = Metadata.from_dict(state["metadata"])
            self.transformer_ = TableTransformer.from_state(self.metadata_, state["transformer"])
            self._set_state(state["model"])
            self.fit_info_ = state["fit_info"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(
                f"{path}: the model file is incomplete or damaged ({exc})"
            ) from exc
        self._calls = 0
        return self

    def _get_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def _set_state(self, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """What was learned: per-column encodings (and marginals), model details, fit time."""
        self._check_fitted()
        return {
            "synthesizer": self.name,
            "params": self.get_params(),
            "fit": self.fit_info_,
            "columns": self.transformer_.describe(),
            "model": self._describe(),
        }

    def _describe(self) -> dict[str, Any]:
        return {}


def _as_category(value: Any, known: list[Any]) -> Any:
    """Match a (possibly textual) condition value to the type of the known categories."""
    if value in known or not isinstance(value, str):
        return value
    for candidate in known:
        if str(candidate) == value or (
            isinstance(candidate, bool) and value.lower() == str(candidate).lower()
        ):
            return candidate
    return value
