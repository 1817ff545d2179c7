"""What the differentially private synthesizers share: the `epsilon` / `delta` parameters, the
budget they make, and the transformer's DP path.

A synthesizer with `epsilon` set fits its TableTransformer with `privacy=budget` (every
statistic from public metadata or a Gaussian mechanism, `transforms/dp.py`), stores the
transformer's public Metadata instead of the inferred one, and spends the rest of the budget
in its own mechanism. `delta` defaults to 1 / n^1.1 for n training rows (the row count is
treated as public, as Opacus does when it sets the sampling rate).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..metadata import Metadata
from ..params import Constraint, Interval, Kind
from ..privacy.budget import METADATA_SHARE, PrivacyBudget, default_delta
from .base import Synthesizer


class PrivateFit(Synthesizer):
    """Mixin of the synthesizers that take `epsilon` (None: no DP) and `delta`."""

    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "epsilon": Kind((int, float), optional=True),
        "delta": Kind(float, optional=True),
        "metadata_share": Interval(0.01, 0.99),
    }
    epsilon: float | None
    delta: float | None
    metadata_share: float

    def fit(self, table: pd.DataFrame, metadata: Metadata | None = None) -> Synthesizer:
        self._rows = len(table) if isinstance(table, pd.DataFrame) else 0
        return super().fit(table, metadata)

    def _budget(self) -> PrivacyBudget | None:
        """The budget of this fit, or None without DP."""
        if self.epsilon is None:
            return None
        delta = self.delta if self.delta is not None else default_delta(self._rows)
        return PrivacyBudget(float(self.epsilon), float(delta), self.metadata_share)

    def _transformer_params(self) -> dict[str, Any]:
        params = super()._transformer_params()
        budget = self._budget()
        return {**params, "privacy": budget} if budget is not None else params

    def _fit_encoded(self, data: np.ndarray, rng: np.random.Generator) -> None:
        if self.transformer_.privacy is not None:
            self.metadata_ = self.transformer_.metadata  # the schema and DP statistics only
        super()._fit_encoded(data, rng)


DP_DEFAULTS = {"metadata_share": METADATA_SHARE}


def privacy_summary(model: Synthesizer, record: dict[str, Any] | None) -> dict[str, Any] | None:
    """The `privacy` entry of `describe()`: the model's spent budget and mechanism, the
    transformer's statistics, and which columns' statistics came from the user (public
    metadata) and which from the budget. None for a model fitted without DP."""
    transformer = model.transformer_
    if transformer.privacy is None:
        return None
    public = [name for name, col in transformer.metadata.columns.items() if col.public]
    return {
        **(record or {}),
        "metadata_statistics": transformer.describe_privacy(),
        "public_columns": public,
        "from_budget": [name for name in transformer.columns_ if name not in public],
        "not_protected": "column names, kinds, dtypes, decimals, datetime formats, id "
        "patterns, constant values and the number of rows (the schema)",
    }
