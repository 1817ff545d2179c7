"""The Parquet files of one table, as `--engine dask` reads them: found by a glob, and their
schemas (footers only) checked against each other before any cluster starts or row is read,
so files that disagree (a column missing from one, or integer in one file and text in
another) are one clear error naming both files, not a worker's traceback or a column of
"other"."""

from __future__ import annotations

import glob

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import DataError


def parquet_files(pattern: str) -> list[str]:
    """The Parquet files matching `pattern` (a file, or a glob such as 'data/*.parquet'),
    sorted, their schemas checked to agree (`check_schemas`)."""
    files = sorted(glob.glob(pattern)) if any(c in pattern for c in "*?[") else [pattern]
    files = [f for f in files if not f.endswith(("_metadata", "_common_metadata"))]
    if not files:
        raise DataError(f"{pattern}: no Parquet file matches")
    check_schemas(files)
    return files


def check_schemas(files: list[str]) -> None:
    """Raise a DataError unless every file has the first file's columns, each of the same
    kind of type (numbers, text, flags, datetimes...; a column of nulls only agrees with any)."""
    first, schema = files[0], _schema(files[0])
    for path in files[1:]:
        other = _schema(path)
        missing = [n for n in schema.names if n not in other.names]
        extra = [n for n in other.names if n not in schema.names]
        if missing or extra:
            differs = "; ".join(
                [
                    *([f"no column {_names(missing)}"] if missing else []),
                    *([f"an extra column {_names(extra)}"] if extra else []),
                ]
            )
            raise DataError(
                f"{path}: has {differs} beside {first}; every file of a table needs the same "
                "columns"
            )
        for field in schema:
            theirs = other.field(field.name).type
            if not _agree(field.type, theirs):
                raise DataError(
                    f"column '{field.name}' is {_family(field.type)} ({field.type}) in {first} "
                    f"but {_family(theirs)} ({theirs}) in {path}; every file of a table needs "
                    "the same column types"
                )


def _schema(path: str) -> pa.Schema:
    try:
        return pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path}: cannot be read as Parquet: {first}") from exc


def _agree(a: pa.DataType, b: pa.DataType) -> bool:
    return pa.types.is_null(a) or pa.types.is_null(b) or _family(a) == _family(b)


def _family(kind: pa.DataType) -> str:
    """What a column of this type holds, as far as learning it goes: integers and floats are
    both numbers (pandas writes an integer column with nulls as floats)."""
    if pa.types.is_dictionary(kind):
        return _family(kind.value_type)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "numbers"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    if pa.types.is_boolean(kind):
        return "flags"
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return "datetimes"
    if pa.types.is_duration(kind):
        return "durations"
    return str(kind)


def _names(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names[:3]) + (" ..." if len(names) > 3 else "")
