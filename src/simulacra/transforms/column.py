"""The base of the per-kind column transforms, and the encoders they choose from.

A column transform turns a pandas Series into model-space numbers (`encode`) and model-space
numbers back into a Series with the original dtype, bounds, rounding, nulls and categories
(`decode`). Columns that are never modelled (ids, PII, free text, constants) have no output
block and are regenerated on `decode`. The transforms themselves live in `columns`
(numbers, datetimes), `categorical` and `generated`; `columns.TRANSFORMS` maps kinds to them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import ConditionError
from ..metadata import Column
from .base import Encoder
from .conditions import Condition
from .continuous import MinMax, ModeNormal, QuantileNormal
from .discrete import FrequencyNormal, OneHot
from .parametric import ParametricNormal
from .tokens import BINS, Codes, QuantileBins

CONTINUOUS: dict[str, type[Encoder]] = {
    "quantile": QuantileNormal,
    "parametric": ParametricNormal,
    "minmax": MinMax,
    "gmm": ModeNormal,
    "bins": QuantileBins,
}
DISCRETE: dict[str, type[Encoder]] = {
    "frequency": FrequencyNormal,
    "onehot": OneHot,
    "codes": Codes,
}
# a pooled rare category of a text column decodes to this value
RARE_LABEL = "other"
ENCODERS = {**CONTINUOUS, **DISCRETE}


def _json_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class ColumnTransform:
    """Base of the per-kind transforms. `encoders` holds the fitted encoders in output order."""

    kind: ClassVar[str]
    # whether error messages may quote a value of the column (not for private columns)
    shows_values: ClassVar[bool] = True

    def __init__(
        self,
        name: str,
        meta: Column,
        continuous: str,
        discrete: str,
        max_categories: int,
        *,
        min_count: int = 1,
        bins: int = BINS,
    ):
        self.name = name
        self.meta = meta
        self.continuous = continuous
        self.discrete = discrete
        self.max_categories = max_categories
        self.min_count = min_count
        self.bins = bins
        self.encoders: list[Encoder] = []

    def _encoder(self, cls: type[Encoder]) -> Encoder:
        """A new encoder of `cls`, given the options it declares (bins, min_count)."""
        options = {k: getattr(self, k) for k in getattr(cls, "options", ())}
        return cls(**options)

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        raise NotImplementedError

    def encode(self, series: pd.Series, rng: np.random.Generator) -> np.ndarray:
        return np.zeros((len(series), 0))

    def decode(self, encoded: np.ndarray, rng: np.random.Generator, offset: int) -> pd.Series:
        raise NotImplementedError

    def can_encode(self, series: pd.Series) -> bool:
        """Whether this fitted transform holds every value of `series` as itself (no value
        or null it has no code for): another table's column may then share its encoding."""
        return True

    def layout(self) -> list[tuple[str, str, int, bool]]:
        """(role, activation, width, discrete) of each output block."""
        return []

    def null_token(self, role: str) -> int | None:
        """The token that means 'null' in this column's block `role`, if there is one."""
        return None

    def condition(self, value: Any, start: int) -> Condition:
        """`value` typed as this column's values and placed at encoded column `start`."""
        raise ConditionError(
            f"column '{self.name}' ({self.kind}) is generated, not modelled: "
            "it cannot be a condition"
        )

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind}

    def get_state(self) -> dict[str, Any]:
        return {"encoders": [e.get_state() for e in self.encoders], **self._state()}

    def set_state(self, state: dict[str, Any]) -> ColumnTransform:
        self.encoders = [ENCODERS[s["encoder"]]().set_state(s) for s in state["encoders"]]
        self._set_state(state)
        return self

    def _state(self) -> dict[str, Any]:
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:
        return None

    def _split(self, encoded: np.ndarray) -> list[np.ndarray]:
        parts, start = [], 0
        for enc in self.encoders:
            parts.append(encoded[:, start : start + enc.width])
            start += enc.width
        return parts

    def _nulls(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.random(n) < self.meta.null_share
