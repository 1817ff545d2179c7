"""SQL column types as short portable names, and the values that go in and out of them.

`read_database` records each column's type as a name (`INTEGER`, `NUMERIC(10,2)`,
`VARCHAR(40) NOT NULL`, `TIMESTAMP WITH TIME ZONE`...) so that `write_database` can create
the same column again, in the same database system or another. A type outside the list
below (PostgreSQL's `UUID`, `JSONB`, `INTERVAL`, an array...) keeps its own name: it is read
as text and written back as text into a column of that name.

Each name has a kind that decides the pandas dtype of the column read (integer: int64, or
Int64 with nulls; float: float64; boolean: bool, or boolean with nulls; date and timestamp:
datetime64[us]; timestamptz: datetime64[us, UTC]; text: str) and how a frame's values are
turned into Python values on the way back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..errors import DataError

NOT_NULL = " NOT NULL"

# name -> (kind, SQLAlchemy type factory taking the parenthesised numbers)
_NAMED: dict[str, tuple[str, Any]] = {
    "SMALLINT": ("integer", lambda: sa.SmallInteger()),
    "INTEGER": ("integer", lambda: sa.Integer()),
    "BIGINT": ("integer", lambda: sa.BigInteger()),
    "NUMERIC": ("float", lambda *ps: sa.Numeric(*ps)),
    "REAL": ("float", lambda: sa.REAL()),
    "DOUBLE PRECISION": ("float", lambda: sa.Double()),
    "VARCHAR": ("text", lambda *n: sa.String(*n)),
    "CHAR": ("text", lambda *n: sa.CHAR(*n)),
    "TEXT": ("text", lambda: sa.Text()),
    "DATE": ("date", lambda: sa.Date()),
    "TIMESTAMP": ("timestamp", lambda: sa.DateTime()),
    "TIMESTAMP WITH TIME ZONE": ("timestamptz", lambda: sa.DateTime(timezone=True)),
    "BOOLEAN": ("boolean", lambda: sa.Boolean()),
}
_NAME = re.compile(r"^([A-Za-z][A-Za-z0-9_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?(\[\])?$")


class _NamedType(sa.types.UserDefinedType[Any]):
    """A column type known only by its name (`UUID`, `JSONB`): written as that name."""

    cache_ok = True

    def __init__(self, name: str) -> None:
        self.name = name

    def get_col_spec(self, **kw: Any) -> str:
        return self.name


@dataclass(frozen=True)
class SqlType:
    """A column's type: its portable name, its kind and whether it refuses nulls."""

    name: str
    kind: str
    not_null: bool = False

    def __str__(self) -> str:
        return self.name + (NOT_NULL if self.not_null else "")

    def to_sqlalchemy(self) -> sa.types.TypeEngine[Any]:
        """The SQLAlchemy type that creates this column."""
        match = _NAME.match(self.name)
        assert match is not None  # names are checked by parse_type
        base, *numbers, array = match.groups()
        if self.kind == "other" or array:
            return _NamedType(self.name)
        return _NAMED[base.upper()][1](*(int(n) for n in numbers if n is not None))


def parse_type(text: str, where: str) -> SqlType:
    """The type named by `text` (`NUMERIC(10,2) NOT NULL`); `where` names the column in the
    error raised for a name that is not a plain SQL type name."""
    not_null = text.upper().endswith(NOT_NULL)
    name = text[: -len(NOT_NULL)].strip() if not_null else text.strip()
    match = _NAME.match(name)
    if match is None:
        raise DataError(
            f"{where}: '{text}' is not an SQL type name (such as INTEGER, NUMERIC(10,2), "
            "VARCHAR(40), TIMESTAMP WITH TIME ZONE)"
        )
    base, *numbers, array = match.groups()
    known = _NAMED.get(" ".join(base.upper().split()))
    kind = known[0] if known is not None and not array else "other"
    if known is not None and not array:
        try:
            known[1](*(int(n) for n in numbers if n is not None))
        except TypeError as exc:
            raise DataError(f"{where}: '{text}' has the wrong number of parameters") from exc
        name = " ".join(base.upper().split()) + name[len(base) :].replace(" ", "")
    return SqlType(name, kind, not_null)


def reflected_type(column_type: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> SqlType:
    """The portable type of a column as SQLAlchemy's inspector reflects it."""
    t = column_type
    if isinstance(t, sa.Float):  # before Numeric: Float is a Numeric
        real = isinstance(t, sa.REAL) or (t.precision is not None and t.precision <= 24)
        return SqlType("REAL" if real else "DOUBLE PRECISION", "float")
    if isinstance(t, sa.Numeric):
        if t.precision is None:
            return SqlType("NUMERIC", "float")
        scale = f",{t.scale}" if t.scale is not None else ""
        return SqlType(f"NUMERIC({t.precision}{scale})", "float")
    if isinstance(t, sa.SmallInteger):
        return SqlType("SMALLINT", "integer")
    if isinstance(t, sa.BigInteger):
        return SqlType("BIGINT", "integer")
    if isinstance(t, sa.Integer):
        return SqlType("INTEGER", "integer")
    if isinstance(t, sa.Boolean):
        return SqlType("BOOLEAN", "boolean")
    if isinstance(t, sa.DateTime):
        if getattr(t, "timezone", False):
            return SqlType("TIMESTAMP WITH TIME ZONE", "timestamptz")
        return SqlType("TIMESTAMP", "timestamp")
    if isinstance(t, sa.Date):
        return SqlType("DATE", "date")
    if isinstance(t, sa.Enum):  # a database's own enum type does not exist elsewhere
        return SqlType("TEXT", "text")
    if isinstance(t, sa.Text):
        return SqlType("TEXT", "text")
    if isinstance(t, sa.CHAR):
        return SqlType(f"CHAR({t.length})" if t.length else "CHAR", "text")
    if isinstance(t, sa.String):
        return SqlType(f"VARCHAR({t.length})" if t.length else "VARCHAR", "text")
    try:
        name = t.compile(dialect=dialect)
    except sa.exc.CompileError:
        name = "TEXT"
    return parse_type(name, "a reflected column") if _NAME.match(name) else SqlType("TEXT", "text")


def type_of_dtype(dtype: Any, where: str) -> SqlType:
    """The type of a new column holding a frame column of `dtype`."""
    if pd.api.types.is_bool_dtype(dtype):
        return SqlType("BOOLEAN", "boolean")
    if pd.api.types.is_integer_dtype(dtype):
        return SqlType("BIGINT", "integer")
    if pd.api.types.is_float_dtype(dtype):
        return SqlType("DOUBLE PRECISION", "float")
    if isinstance(dtype, pd.DatetimeTZDtype):
        return SqlType("TIMESTAMP WITH TIME ZONE", "timestamptz")
    if pd.api.types.is_datetime64_dtype(dtype):
        return SqlType("TIMESTAMP", "timestamp")
    if pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return SqlType("TEXT", "text")
    raise DataError(f"{where}: no SQL type for a column of dtype {dtype}; name one in column_types")


def frame_column(values: list[Any], kind: str) -> Any:
    """A column of a frame from the Python values a database returned for one column."""
    if kind == "integer":
        ints = pd.array(values, dtype="Int64")
        return ints if ints.isna().any() else ints.astype("int64")
    if kind == "float":  # numpy reads None as NaN and Decimal as its float
        return np.array(values, dtype="float64")
    if kind == "boolean":
        flags = pd.array(values, dtype="boolean")
        return flags if flags.isna().any() else flags.astype(bool)
    if kind in ("date", "timestamp"):
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[us]")
    if kind == "timestamptz":
        stamps = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        return stamps.astype("datetime64[us, UTC]")
    return pd.Series(values, dtype="str")


def database_values(series: pd.Series, kind: str, where: str, naive_utc: bool = False) -> list[Any]:
    """The Python values a database driver takes for a column of `kind` (None for nulls);
    `where` names the column in errors. `naive_utc`: a database with no time zones (SQLite)
    takes aware timestamps as UTC."""
    try:
        values = _python_values(series, kind, naive_utc)
    except (TypeError, ValueError, OverflowError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{where}: values that do not fit its {kind} type ({first})") from exc
    missing = series.isna().to_numpy()
    if missing.any():
        return [None if m else v for v, m in zip(values, missing, strict=True)]
    return values


def _python_values(series: pd.Series, kind: str, naive_utc: bool) -> list[Any]:
    if kind == "integer":
        ints = series if pd.api.types.is_integer_dtype(series.dtype) else series.astype("Int64")
        return ints.tolist()
    if kind == "float":
        return series.astype("float64").tolist()
    if kind == "boolean":
        return series.astype("boolean").tolist()
    if kind in ("date", "timestamp", "timestamptz"):
        stamps = pd.to_datetime(series)
        if naive_utc and isinstance(stamps.dtype, pd.DatetimeTZDtype):
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        stamps = stamps.dt.as_unit("us")  # a database keeps microseconds at most
        return stamps.dt.date.tolist() if kind == "date" else list(stamps.array.to_pydatetime())
    return [v if isinstance(v, str) else str(v) for v in series.tolist()]
