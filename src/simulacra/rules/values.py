"""Values on their way through the rules: JSON-able cells, columns restored to their dtype,
numbers rounded as their column writes them, datetimes as seconds and back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from ..metadata import Column

_EPOCH = np.datetime64("1970-01-01T00:00:00", "ns")


def plain(value: Any) -> Any:
    """A cell as JSON holds it: numpy scalars as Python ones, empty cells as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def restore(values: np.ndarray, meta: Column, name: str) -> pd.Series:
    """Cells (objects, None empty) as a column of `meta.dtype`."""
    dtype = meta.dtype
    nulls = pd.isna(values)
    if dtype in ("bool", "boolean"):
        data = pd.array(values, dtype="boolean")
        plain_bool = dtype == "bool" and not nulls.any()
        return pd.Series(data, name=name).astype("bool" if plain_bool else "boolean")
    if dtype.lower().startswith(("int", "uint")):
        nullable = dtype[0].upper() + dtype[1:]
        data = pd.array(values, dtype=nullable)
        return pd.Series(data, name=name).astype(dtype if not nulls.any() else nullable)
    if dtype.startswith("float"):
        return pd.Series(values, name=name).astype(dtype)
    if dtype == "category":
        kept = [v for v in values if v is not None]
        try:
            categories = sorted(set(kept))
        except TypeError:
            categories = list(dict.fromkeys(kept))
        return pd.Series(pd.Categorical(values, categories=categories), name=name)
    return pd.Series(values, name=name, dtype=dtype)


def unit(meta: Column) -> float:
    """The smallest step the column writes: 1 for integers, 10^-decimals, else 0."""
    if meta.kind == "datetime":
        return 86_400.0 if _date_only(meta.format) else 1.0
    if meta.integer:
        return 1.0
    return 10.0**-meta.decimals if meta.decimals is not None else 0.0


def round_to(values: np.ndarray, meta: Column, direction: str = "nearest") -> np.ndarray:
    """Numbers rounded to the column's step: nearest, "up" or "down"."""
    step = unit(meta)
    if step == 0.0 or meta.kind == "datetime":
        return values
    scaled = values / step
    with np.errstate(invalid="ignore"):
        if direction == "up":
            scaled = np.ceil(np.round(scaled, 6))
        elif direction == "down":
            scaled = np.floor(np.round(scaled, 6))
        else:
            scaled = np.round(scaled)
    out = scaled * step
    return np.round(out, meta.decimals) if meta.decimals is not None else out


def numbers_column(values: np.ndarray, meta: Column, name: str) -> pd.Series:
    """Floats (NaN empty) as a numerical column of `meta.dtype`."""
    nulls = ~np.isfinite(values)
    dtype = meta.dtype
    if dtype.lower().startswith(("int", "uint")):
        info = np.iinfo(np.dtype(dtype.lower()))
        whole = np.clip(np.nan_to_num(np.round(values)), float(info.min), float(info.max) // 2)
        nullable = dtype[0].upper() + dtype[1:]
        data = pd.array(whole.astype(np.int64), dtype=nullable)
        data[nulls] = pd.NA
        series = pd.Series(data, name=name)
        return series if nulls.any() or dtype[0] in "IU" else series.astype(dtype)
    out = values.astype(np.float64)
    out[nulls] = np.nan
    return pd.Series(out, name=name).astype(dtype if dtype.startswith("float") else "float64")


def seconds(values: np.ndarray) -> np.ndarray:
    """datetime64 values as float seconds since 1970 (NaN for NaT)."""
    stamps = values.astype("datetime64[ns]")
    out = (stamps - _EPOCH).astype("timedelta64[ns]").astype(np.int64) / 1e9
    out[np.isnat(stamps)] = np.nan
    return out


def datetimes_column(secs: np.ndarray, meta: Column, name: str) -> pd.Series:
    """Float seconds since 1970 (NaN empty) written as the column writes its datetimes:
    datetime64 (with its timezone), text in its format, YYYYMMDD numbers or epoch numbers."""
    nulls = ~np.isfinite(secs)
    micros = np.round(np.nan_to_num(secs) * 1e6)
    stamps = pd.Series(pd.to_datetime(micros, unit="us"), name=name)
    stamps[nulls] = pd.NaT
    fmt, dtype = meta.format, meta.dtype
    if fmt in ("epoch_s", "epoch_ms"):
        numbers = pd.Series(secs * (1_000.0 if fmt == "epoch_ms" else 1.0), name=name)
        if dtype.lower().startswith(("int", "uint")):
            return numbers.round().astype("Int64" if nulls.any() else dtype)
        return numbers
    if dtype.startswith("datetime64"):
        if meta.timezone:
            stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(meta.timezone)
        return stamps.astype(dtype)
    text = stamps.dt.strftime(fmt or "%Y-%m-%d %H:%M:%S")
    if "%z" in (fmt or ""):
        text = stamps.dt.tz_localize(dt.UTC).dt.strftime(fmt or "")
    if dtype.lower().startswith(("int", "uint")):
        ints = pd.Series(pd.array(pd.to_numeric(text), dtype="Int64"), name=name)
        return ints.astype("Int64" if nulls.any() else dtype)
    return text.astype(dtype if dtype in ("object", "string", "str") else "object")


def _date_only(fmt: str | None) -> bool:
    return fmt is not None and fmt not in ("epoch_s", "epoch_ms") and "%H" not in fmt
