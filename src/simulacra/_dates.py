"""Dates stored as text or numbers: which known format reads a column's values.

Inference (`metadata.infer_column`) and the datetime transform (a column declared datetime
without a format) read formats with these helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd

# values sampled to find a format
_SAMPLE = 5_000


def guess_datetime_format(series: pd.Series) -> str | None:
    """The storage format of a column declared datetime: None for native datetimes,
    "%Y%m%d" for integers that read as dates, "epoch_s"/"epoch_ms" for other numbers, and the
    first known text format that parses every sampled value."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return None
    values = series.dropna()
    if pd.api.types.is_numeric_dtype(series.dtype):
        numbers = values.to_numpy(np.float64)
        if np.all(numbers == np.round(numbers)) and is_yyyymmdd(numbers):
            return "%Y%m%d"
        return "epoch_ms" if np.abs(numbers).max() > 1e11 else "epoch_s"
    sample = values.astype(str).sample(min(len(values), _SAMPLE), random_state=0).tolist()
    return datetime_format(sample)


def is_yyyymmdd(values: np.ndarray) -> bool:
    if values.min() < 1_000_01_01 or values.max() > 2_999_12_31:
        return False
    parsed = pd.to_datetime(
        pd.Series(values[:_SAMPLE].astype(np.int64).astype(str)), format="%Y%m%d", errors="coerce"
    )
    return bool(parsed.notna().all())


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%b %d, %Y",
    "%d %b %Y",
)


def datetime_format(sample: list[str]) -> str | None:
    """The first known date format that parses every sampled value, or None."""
    head = sample[:200]
    if not any(ch.isdigit() for ch in head[0]) or len(head[0]) < 6:
        return None
    for fmt in _DATE_FORMATS:
        # several UTC offsets in one column parse only as UTC
        utc = "%z" in fmt
        parsed = pd.to_datetime(pd.Series(head), format=fmt, errors="coerce", utc=utc)
        if parsed.notna().all():
            full = pd.to_datetime(pd.Series(sample), format=fmt, errors="coerce", utc=utc)
            if full.notna().all():
                return fmt
    return None
