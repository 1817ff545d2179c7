"""Rebalancing a classification table with synthetic minority rows."""

from __future__ import annotations

import math

import pandas as pd

from . import seeding
from .errors import DataError, ParameterError
from .synthesizers import Synthesizer


def rows_needed(counts: pd.Series, ratio: float) -> dict[object, int]:
    """Synthetic rows each class needs to reach ceil(ratio * majority count) (0 if it has them)."""
    target = math.ceil(ratio * int(counts.max()))
    return {label: max(target - int(count), 0) for label, count in counts.items()}


def rebalance(
    table: pd.DataFrame,
    target: str,
    synthesizer: Synthesizer | str = "copula",
    ratio: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """The rows of `table` plus synthetic rows of the minority classes of `target`, so that every
    class has at least ratio * (majority class count) rows.

    `synthesizer` is a fitted synthesizer, an unfitted one (fitted on `table` here) or a
    registered name. Synthetic rows are drawn with `conditions={target: class}`, so each one is
    a full row generated for its class. Nulls in `target` are left as they are.
    """
    if not isinstance(table, pd.DataFrame):
        raise DataError(f"rebalance needs a pandas DataFrame, not {type(table).__name__}")
    if target not in table.columns:
        raise DataError(f"rebalance: no column '{target}' in the table")
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 1:
        raise ParameterError(f"rebalance: ratio must be a number in (0, 1], not {ratio!r}")
    counts = table[target].value_counts(dropna=True)
    if len(counts) < 2:
        raise DataError(f"rebalance: column '{target}' needs at least two classes")
    syn = Synthesizer(synthesizer, seed=seed) if isinstance(synthesizer, str) else synthesizer
    if not hasattr(syn, "transformer_"):
        syn.fit(table)
    parts = [table]
    for k, (label, rows) in enumerate(rows_needed(counts, ratio).items()):
        if rows:
            extra = syn.sample(
                rows, conditions={target: label}, seed=seeding.integer(seed, "rebalance", k)
            )
            parts.append(extra[table.columns])
    return pd.concat(parts, ignore_index=True)
