"""How rules read a table: columns typed as rules compare them (numbers, datetimes, other
values), formulas evaluated over them, and values that a rule and a table may write
differently (1, 1.0, '1', True) matched as one."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..metadata import Metadata
from .formula import Formula


def typed_columns(
    frame: pd.DataFrame, metadata: Metadata, names: tuple[str, ...] | list[str]
) -> dict[str, np.ndarray]:
    """The columns a rule reads: numbers as floats (NaN empty), datetimes as datetime64
    (NaT empty, parsed with the metadata's format), other values as objects (None empty)."""
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name not in frame:
            raise DataError(f"column '{name}' of a rule is not in the table")
        series = frame[name]
        kind = metadata[name].kind if name in metadata else "categorical"
        if kind == "numerical":
            out[name] = pd.to_numeric(series, errors="coerce").to_numpy(np.float64, na_value=np.nan)
        elif kind == "datetime":
            out[name] = as_datetimes(series, metadata[name].format)
        else:
            values = series.astype(object).to_numpy().copy()
            values[pd.isna(values)] = None
            out[name] = values
    return out


def as_datetimes(series: pd.Series, fmt: str | None) -> np.ndarray:
    """A datetime column's values as naive UTC datetime64[ns] (NaT where empty)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        parsed = series
    elif fmt in ("epoch_s", "epoch_ms"):
        unit = "s" if fmt == "epoch_s" else "ms"
        parsed = pd.to_datetime(pd.to_numeric(series, errors="coerce"), unit=unit)
    elif pd.api.types.is_numeric_dtype(series.dtype):
        text = series.astype("Int64").astype("string")
        parsed = pd.to_datetime(text, format=fmt or "%Y%m%d", errors="coerce")
    else:
        utc = fmt is not None and "%z" in fmt
        parsed = pd.to_datetime(series, format=fmt, errors="coerce", utc=utc)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return np.asarray(parsed.to_numpy(dtype="datetime64[ns]"))


def evaluate(formula: Formula, values: dict[str, np.ndarray], n: int) -> np.ndarray:
    """A rule's formula over typed columns; a bare datetime column stays datetime64."""
    if formula.tree.op == "name":
        return values[formula.tree.args[0]]
    rng = np.random.default_rng(0)  # never drawn from: rules hold no random terms
    return np.asarray(formula.evaluate(values, n, rng), dtype=np.float64)


def stamps(low: Any, high: Any) -> tuple[Any, Any]:
    def stamp(value: Any) -> Any:
        return None if value is None else np.datetime64(pd.Timestamp(value).tz_localize(None))

    return stamp(low), stamp(high)


def _key(value: Any) -> Any:
    """Values that a rule and a table may write differently (1, 1.0, '1', True) as one key."""
    if isinstance(value, bool | np.bool_):
        return ("number", float(value))
    if isinstance(value, int | float | np.integer | np.floating):
        return ("number", float(value))
    text = str(value)
    try:
        return ("number", float(text))
    except ValueError:
        return ("text", text.lower() if text.lower() in ("true", "false") else text)


def member(values: np.ndarray, allowed: tuple[Any, ...]) -> np.ndarray:
    """Which of `values` is one of `allowed` (1 = 1.0 = '1', true = True)."""
    keys = {_key(v) for v in allowed}
    if "true" in {k[1] for k in keys if k[0] == "text"}:
        keys.add(("number", 1.0))
    if "false" in {k[1] for k in keys if k[0] == "text"}:
        keys.add(("number", 0.0))
    return np.array([v is not None and _key(v) in keys for v in values], dtype=bool)


def combinations(frame: pd.DataFrame, names: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Each row's values of `names` as one tuple of keys (empty cells as None)."""
    columns = [frame[n].astype(object).where(frame[n].notna(), None).to_numpy() for n in names]
    return [
        tuple(None if v is None else _key(v) for v in row) for row in zip(*columns, strict=True)
    ]


def decimals_of(values: np.ndarray) -> int:
    """Fewest decimals (up to 6) that write every value."""
    sample = values[:20_000]
    for d in range(7):
        if np.allclose(np.round(sample, d), sample, rtol=0, atol=1e-9):
            return d
    return 6
