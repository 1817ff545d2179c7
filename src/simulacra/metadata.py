"""Column kinds, inferred from a table, editable, saved as versioned JSON.

Every synthesizer reads the same Metadata. Inference is conservative: a column becomes an id
or PII only when its values have that shape (and, for names, when its name says so), so numeric
and categorical columns are never replaced by generated strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._progress import LONG_ROWS, track
from .errors import DataError, MetadataError
from .ids import infer_pattern
from .io import atomic_path
from .pii import PROVIDERS, detect_provider

FORMAT_VERSION = 1
KINDS = ("numerical", "categorical", "boolean", "datetime", "id", "pii", "text", "constant")
MODELLED_KINDS = ("numerical", "categorical", "boolean", "datetime")
_SAMPLE = 5_000
_ID_WORDS = {"id", "key", "uuid", "guid", "identifier"}
_DATE_WORDS = {"date", "day", "dt", "time", "timestamp", "created", "updated", "dob"}


@dataclass
class Column:
    """What simulacra knows about one column. Fields that do not apply to the kind stay None."""

    kind: str
    dtype: str
    null_share: float = 0.0
    integer: bool | None = None
    decimals: int | None = None
    min: float | None = None
    max: float | None = None
    format: str | None = None
    timezone: str | None = None
    pattern: str | None = None
    start: int | None = None
    provider: str | None = None
    cardinality: int | None = None
    value: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise MetadataError(
                f"unknown column kind '{self.kind}' (use one of {', '.join(KINDS)})"
            )
        if self.kind == "pii" and self.provider is not None and self.provider not in PROVIDERS:
            raise MetadataError(
                f"unknown PII provider '{self.provider}' (use one of {', '.join(PROVIDERS)})"
            )

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and v != {}}


class Metadata:
    """An ordered mapping of column name to `Column`."""

    def __init__(self, columns: dict[str, Column]) -> None:
        self.columns = dict(columns)

    def __getitem__(self, name: str) -> Column:
        if name not in self.columns:
            raise MetadataError(f"unknown column '{name}' (columns: {', '.join(self.columns)})")
        return self.columns[name]

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Metadata) and self.to_dict() == other.to_dict()

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    @classmethod
    def infer(cls, table: pd.DataFrame) -> Metadata:
        """Infer a Column for every column of `table`."""
        if table.shape[1] == 0:
            raise DataError("the table has no columns")
        if len(table) == 0:
            raise DataError("the table has no rows")
        shown = track(table.columns, "inferring metadata", table.shape[1], len(table) >= LONG_ROWS)
        return cls({str(name): infer_column(str(name), table[name]) for name in shown})

    def set_kind(self, name: str, kind: str, **details: Any) -> Metadata:
        """Override a column's kind (and any details such as `format` or `provider`)."""
        old = self[name]
        self.columns[name] = Column(
            kind=kind, dtype=old.dtype, null_share=old.null_share, **details
        )
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "columns": {name: col.to_dict() for name, col in self.columns.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "metadata") -> Metadata:
        if not isinstance(data, dict) or "columns" not in data:
            raise MetadataError(f"{source}: not simulacra metadata (no 'columns' entry)")
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise MetadataError(
                f"{source}: metadata format version {version} is newer than this simulacra "
                f"reads ({FORMAT_VERSION}); upgrade simulacra"
            )
        known = {f.name for f in fields(Column)}
        columns = {}
        for name, entry in data["columns"].items():
            unknown = set(entry) - known
            if unknown:
                raise MetadataError(
                    f"{source}: column '{name}' has unknown fields {sorted(unknown)}"
                )
            if "kind" not in entry or "dtype" not in entry:
                raise MetadataError(f"{source}: column '{name}' needs 'kind' and 'dtype'")
            columns[name] = Column(**entry)
        return cls(columns)

    def save(self, path: str | Path) -> Path:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self.to_dict(), indent=2, default=_json_default))
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> Metadata:
        try:
            data = json.loads(Path(path).read_text())
        except FileNotFoundError as exc:
            raise MetadataError(f"{path}: no such metadata file") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise MetadataError(f"{path}: not valid JSON ({exc})") from exc
        return cls.from_dict(data, source=str(path))

    def check_table(self, table: pd.DataFrame) -> None:
        """Raise unless the table has exactly the metadata's columns, each usable for fitting."""
        names = [str(c) for c in table.columns]
        missing = [n for n in self.columns if n not in names]
        if missing:
            raise DataError(f"column '{missing[0]}' is in the metadata but not in the table")
        extra = [n for n in names if n not in self.columns]
        if extra:
            raise DataError(f"column '{extra[0]}' is in the table but not in the metadata")
        if len(table) < 2:
            raise DataError(f"the table has {len(table)} row(s); at least 2 are needed to fit")
        for name, col in self.columns.items():
            series = table[name]
            if series.isna().all():
                raise DataError(f"column '{name}' has no values (all null); drop it")
            if col.kind in MODELLED_KINDS and series.nunique(dropna=True) == 1:
                raise DataError(
                    f"column '{name}' is constant (every value is {series.dropna().iloc[0]!r}); "
                    "drop it, or set its kind to 'constant' to copy it as is"
                )


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in metadata")


def infer_column(name: str, series: pd.Series) -> Column:
    """Infer one column's kind and details from its values."""
    dtype = str(series.dtype)
    null_share = float(series.isna().mean())
    values = series.dropna()
    if values.empty:
        raise DataError(f"column '{name}' has no values (all null); drop it")
    base: dict[str, Any] = {"dtype": dtype, "null_share": null_share}
    if pd.api.types.is_bool_dtype(series.dtype):
        return Column("boolean", **base)
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        series.dtype
    ):
        tz = getattr(series.dtype, "tz", None)
        return Column("datetime", timezone=str(tz) if tz else None, **base)
    if isinstance(series.dtype, pd.CategoricalDtype):
        return Column("categorical", cardinality=int(values.nunique()), **base)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return _infer_numeric(name, values, base)
    return _infer_strings(name, values, base)


def _infer_numeric(name: str, values: pd.Series, base: dict[str, Any]) -> Column:
    floats = values.astype("float64").to_numpy()
    integer = bool(np.all(floats == np.round(floats)))
    words = set(_words(name))
    unique = values.is_unique
    if integer and unique and words & _ID_WORDS and base["null_share"] == 0:
        return Column("id", pattern="{int}", start=int(floats.min()), **base)
    if integer and words & _DATE_WORDS and is_yyyymmdd(floats):
        return Column("datetime", format="%Y%m%d", **base)
    if integer and set(np.unique(floats[: _SAMPLE * 20])) <= {0.0, 1.0} and values.nunique() == 2:
        return Column("categorical", cardinality=2, **base)
    return Column(
        "numerical",
        integer=integer,
        decimals=0 if integer else _decimals(floats),
        min=float(floats.min()),
        max=float(floats.max()),
        **base,
    )


def _infer_strings(name: str, values: pd.Series, base: dict[str, Any]) -> Column:
    kinds = {type(v) for v in values.iloc[: _SAMPLE * 20]}
    if len(kinds - {str}) and str in kinds:
        others = sorted(k.__name__ for k in kinds - {str})
        raise DataError(f"column '{name}' mixes text with {', '.join(others)} values")
    text = values.astype(str)
    sample = text.sample(min(len(text), _SAMPLE), random_state=0).tolist()
    numbers = pd.to_numeric(pd.Series(sample), errors="coerce")
    parsed = float(numbers.notna().mean())
    if 0.9 <= parsed < 1.0:
        bad = next(v for v, n in zip(sample, numbers, strict=True) if pd.isna(n))
        raise DataError(f"column '{name}' mixes numbers and text (for example {bad!r})")
    fmt = _datetime_format(sample)
    if fmt is not None:
        return Column("datetime", format=fmt, **base)
    provider = detect_provider(name, sample)
    if provider is not None:
        return Column("pii", provider=provider, **base)
    n_unique = int(text.nunique())
    words = set(_words(name))
    if n_unique == len(text) and base["null_share"] == 0:
        pattern = infer_pattern(sample)
        if pattern is not None and (words & _ID_WORDS or any(c.isdigit() for c in sample[0])):
            return Column("id", pattern=pattern, **base)
    mean_words = float(np.mean([len(v.split()) for v in sample]))
    if mean_words >= 5 and n_unique >= 0.5 * len(text):
        return Column("text", **base)
    return Column("categorical", cardinality=n_unique, **base)


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def _decimals(values: np.ndarray) -> int | None:
    """Fewest decimals (up to 6) that reproduce every value, or None for full precision."""
    sample = values[: _SAMPLE * 20]
    for d in range(7):
        if np.allclose(np.round(sample, d), sample, rtol=0, atol=1e-9 * max(1.0, 10.0**-d)):
            return d
    return None


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
    return _datetime_format(sample)


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


def _datetime_format(sample: list[str]) -> str | None:
    """The first known date format that parses every sampled value, or None."""
    head = sample[:200]
    if not any(ch.isdigit() for ch in head[0]) or len(head[0]) < 6:
        return None
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(pd.Series(head), format=fmt, errors="coerce")
        if parsed.notna().all():
            full = pd.to_datetime(pd.Series(sample), format=fmt, errors="coerce")
            if full.notna().all():
                return fmt
    return None
