"""What a column's values say beside its kind: a few stray text tokens among numbers
(`stray_tokens`, read as null), and rows that contradict what the metadata declares
(`contradiction`: bounds, numbers, categories), found before any work is done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .metadata import Column

# a text column is numbers with stray tokens when at most this share of its values, spelled
# in at most STRAY_TOKENS ways, are not numbers ('unknown', 'n/a', '?')
STRAY_SHARE = 0.02
STRAY_TOKENS = 3


def stray_tokens(values: pd.Series) -> list[str] | None:
    """The distinct text tokens of a column of non-null `values` that are all numbers apart
    from a few tokens ('unknown' among incomes), most frequent first; None if it is not one."""
    text = values.astype(str).str.strip()
    bad = pd.to_numeric(text, errors="coerce").isna().to_numpy()
    if not bad.any() or bad.mean() > STRAY_SHARE:
        return None
    counts = text[bad].value_counts()
    if len(counts) > STRAY_TOKENS:
        return None
    return [str(token) for token in counts.index]


def without_tokens(series: pd.Series, tokens: list[str] | None) -> pd.Series:
    """`series` with the values spelled as one of `tokens` (surrounding spaces aside) null."""
    if not tokens:
        return series
    return series.mask(series.astype(str).str.strip().isin(tokens))


def contradiction(name: str, column: Column, series: pd.Series) -> str | None:
    """Why the values of `series` contradict the metadata `column` declares for it (rows
    that are not numbers, lie outside `min`/`max`, or are not among `categories`), naming
    the column and the rows; None when they agree."""
    rows = len(series)
    if column.kind == "numerical":
        present = without_tokens(series, column.null_values).dropna()
        numbers = pd.to_numeric(present, errors="coerce")
        wrong = present[numbers.isna()]
        if len(wrong):
            return (
                f"column '{name}' is numerical in the metadata, but {_rows(len(wrong), rows)} "
                f"hold text, such as {wrong.iloc[0]!r}; set its kind to 'categorical', or list "
                "such text under 'null_values' to read it as null"
            )
        return _outside(name, column, numbers.to_numpy(np.float64), rows)
    if column.kind in ("categorical", "boolean") and column.categories is not None:
        present = series.dropna()
        known = {str(c) for c in column.categories}
        wrong = present[~present.astype(str).isin(known)]
        if len(wrong):
            return (
                f"column '{name}': {_rows(len(wrong), rows)} hold values outside the "
                f"metadata's 'categories', such as {_plain(wrong.iloc[0])!r}; add them to the "
                "list or remove 'categories'"
            )
    return None


def _outside(name: str, column: Column, numbers: np.ndarray, rows: int) -> str | None:
    finite = numbers[np.isfinite(numbers)]
    low = -np.inf if column.min is None else float(column.min)
    high = np.inf if column.max is None else float(column.max)
    outside = int(((finite < low) | (finite > high)).sum())
    if not outside:
        return None
    bounds = f"[{_shown(column.min)}, {_shown(column.max)}]"
    return (
        f"column '{name}': {_rows(outside, rows)} lie outside the metadata's bounds {bounds} "
        f"(the values run from {finite.min():g} to {finite.max():g}); widen or remove 'min' "
        "and 'max' in the metadata"
    )


def _rows(count: int, rows: int) -> str:
    return f"{count:,} of {rows:,} rows"


def _shown(bound: float | None) -> str:
    return "none" if bound is None else f"{bound:g}"


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def holds_decimals(series: pd.Series) -> bool:
    """Whether a column's values are Python Decimals (what SQL drivers give for NUMERIC
    columns): read as float64 numbers by metadata inference and the transforms."""
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "decimal"
