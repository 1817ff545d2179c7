"""Rebalancing a classification table with synthetic minority rows."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

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
    check_classes(syn, target)
    parts = [table]
    for k, (label, rows) in enumerate(rows_needed(counts, ratio).items()):
        if rows:
            extra = syn.sample(
                rows, conditions={target: label}, seed=seeding.integer(seed, "rebalance", k)
            )
            parts.append(extra[table.columns])
    return pd.concat(parts, ignore_index=True)


CLASS_KINDS = ("categorical", "boolean")


def check_classes(synthesizer: Synthesizer, target: str) -> None:
    """Raise unless `target` is a column of classes (categorical or boolean) of the model."""
    # the table's columns: under rules the model may learn some of them otherwise
    plan = synthesizer.rules_
    metadata = plan.schema if plan is not None else synthesizer.metadata_
    if target not in metadata:
        names = ", ".join(metadata.names)
        raise DataError(f"rebalance: no column '{target}' in the model ({names})")
    kind = metadata[target].kind
    if kind not in CLASS_KINDS:
        raise DataError(
            f"rebalance: column '{target}' is {kind}, not classes; rebalance a categorical or "
            "boolean column (set its kind to categorical in the metadata if it holds codes)"
        )


def iter_rebalanced(
    synthesizer: Synthesizer,
    n: int,
    target: str,
    ratio: float = 1.0,
    conditions: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> tuple[Iterator[pd.DataFrame], Counter[Any]]:
    """`n` sampled rows, then rows of the classes of `target` that fall short of ratio x the
    majority, as chunks: memory stays bounded by one chunk whatever `n`.

    Returns the chunks and a Counter of `target` values (None counts nulls) that fills as
    they are consumed. The
    first `n` rows equal `synthesizer.sample(n, conditions, seed)`; class k's extra rows draw
    from stream ("rebalance", k) of the seed, as in `rebalance`.
    """
    check_classes(synthesizer, target)
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 1:
        raise ParameterError(f"rebalance: ratio must be a number in (0, 1], not {ratio!r}")
    fixed = dict(conditions or {})
    if target in fixed:
        raise ParameterError(f"rebalance: column '{target}' is also a condition; drop one")
    counts: Counter[Any] = Counter()
    base = synthesizer.iter_sample(n, conditions=fixed, seed=seed)

    def count(chunk: pd.DataFrame) -> pd.DataFrame:
        values = chunk[target]
        counts.update(values.dropna().tolist())
        if values.isna().any():
            counts[None] += int(values.isna().sum())
        return chunk

    def chunks() -> Iterator[pd.DataFrame]:
        for chunk in base:
            yield count(chunk)
        classes = pd.Series({k: v for k, v in counts.items() if k is not None})
        if len(classes) < 2:
            raise DataError(f"rebalance: the sampled column '{target}' has fewer than two classes")
        needed = rows_needed(classes.sort_values(ascending=False, kind="stable"), ratio)
        for k, (label, rows) in enumerate(needed.items()):
            if rows:
                extra_seed = seeding.integer(seed, "rebalance", k)
                for chunk in synthesizer.iter_sample(
                    rows, conditions={**fixed, target: label}, seed=extra_seed
                ):
                    yield count(chunk)

    return chunks(), counts
