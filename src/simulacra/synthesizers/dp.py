"""What the differentially private synthesizers share: the `epsilon` / `delta` parameters, the
budget they make, the schema they may take, and the transformer's DP path.

A synthesizer with `epsilon` set fits its TableTransformer with `privacy=budget` (every
statistic from public metadata or a Gaussian mechanism, `transforms/dp.py`), stores the
transformer's public Metadata instead of the given one, and spends the rest of the budget in
its own mechanism, on the same ledger (`privacy/ledger.py`). Neighbouring tables differ by one
added or removed row; the row count is private too: the model sees and stores only the
transformer's noisy count. `delta` defaults to `DEFAULT_DELTA` (fixed, so it tells nothing
about the table). The schema (kinds, dtypes, formats) must be public: given as metadata, or
read off the rows only when the user opts in with `infer_schema=True`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..metadata import Metadata
from ..params import Interval, Kind, Param
from ..privacy.budget import DEFAULT_DELTA, METADATA_SHARE, PrivacyBudget
from ..privacy.ledger import NEIGHBOURS
from .base import Synthesizer

SCHEMA_GIVEN = "from the metadata given (public)"
SCHEMA_INFERRED = (
    "inferred from the rows (infer_schema=True): column kinds, dtypes, decimals, datetime "
    "formats and id patterns are published as read, and one row can change them"
)
RERUNS = (
    "DP noise comes from the operating system's entropy and is never stored: two fits of the "
    "same table with the same seed give different models, by design"
)


class PrivateFit(Synthesizer):
    """Mixin of the synthesizers that take `epsilon` (None: no DP), `delta` and
    `infer_schema`."""

    tags = frozenset({"dp"})
    epsilon = Param[float | None](
        None, Kind((int, float), optional=True), "DP budget, smaller is more private", "no DP"
    )
    delta = Param[float | None](
        None, Kind(float, optional=True), "DP delta, with epsilon", f"{DEFAULT_DELTA:g}, fixed"
    )
    metadata_share = Param(
        METADATA_SHARE, Interval(0.01, 0.99), "share of the DP budget spent on the transforms"
    )
    infer_schema = Param(
        False,
        Kind(bool),
        "with epsilon, no metadata: publish the kinds, dtypes, formats read off the rows",
    )

    def _refuse_delta_alone(self) -> None:
        """A fit without epsilon has no DP to spend delta on: one clear error if it is set."""
        if self.epsilon is None and self.delta is not None:
            raise ParameterError(f"{self.name}: delta is set but epsilon is not (no DP)")

    def fit(self, table: pd.DataFrame, metadata: Metadata | None = None) -> Synthesizer:
        self._check_params()
        if self.epsilon is None:
            self._refuse_delta_alone()
            return super().fit(table, metadata)
        if metadata is None and not self.infer_schema:
            raise ParameterError(
                f"{self.name}: with epsilon, the schema must be public: pass metadata (a JSON "
                "of the columns' kinds, `--metadata` in the CLI), or set infer_schema=True "
                "(`--infer-schema`) to publish the kinds, dtypes and formats read off the rows"
            )
        super().fit(table, metadata)
        self.fit_info_ = {
            **self.fit_info_,
            "rows": self.transformer_.rows_,
            "rows_source": "DP: noisy count",
            "schema": SCHEMA_GIVEN if metadata is not None else SCHEMA_INFERRED,
        }
        return self

    def _budget(self) -> PrivacyBudget | None:
        """The budget of this fit, or None without DP."""
        if self.epsilon is None:
            return None
        delta = self.delta if self.delta is not None else DEFAULT_DELTA
        return PrivacyBudget(float(self.epsilon), float(delta), self.metadata_share)

    def _transformer_params(self) -> dict[str, Any]:
        params = super()._transformer_params()
        budget = self._budget()
        return {**params, "privacy": budget} if budget is not None else params

    def _fit_encoded(self, data: np.ndarray, rng: np.random.Generator) -> None:
        if self.transformer_.privacy is not None:
            self.metadata_ = self.transformer_.metadata  # the schema and DP statistics only
        super()._fit_encoded(data, rng)


# DP-SGD's clipping norm, declared by each model trained with it
MAX_GRAD_NORM = Param(1.0, Interval(1e-6, None), "DP-SGD: each row's gradient clipped to this norm")


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
        "neighbours": NEIGHBOURS,
        "metadata_statistics": transformer.describe_privacy(),
        "public_columns": public,
        "from_budget": [name for name in transformer.columns_ if name not in public],
        "schema": model.fit_info_.get("schema", SCHEMA_GIVEN),
        "not_protected": "column names and the schema (kinds, dtypes, decimals, datetime "
        "formats, id patterns); values of columns marked public",
        "reruns": RERUNS,
    }
