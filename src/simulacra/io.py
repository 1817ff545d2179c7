"""Read and write tables (CSV, Parquet, JSON lines) by extension; every write is atomic."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import DataError

FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


def table_format(path: str | Path) -> str:
    """The table format named by a path's extension, or a DataError listing the known ones."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise DataError(f"{path}: unknown table format '{suffix}' (use one of {known})")
    return FORMATS[suffix]


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV, Parquet or JSON-lines table.

    Integer columns that pandas widened to float because of missing values come back as
    nullable integers (`Int64`). An empty file or a file with a header but no rows is an error.
    """
    path = Path(path)
    fmt = table_format(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    try:
        if fmt == "csv":
            frame = pd.read_csv(path)
        elif fmt == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_json(path, lines=True)
    except (ValueError, OSError, pa.ArrowException, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read as {fmt}: {_first_line(exc)}") from exc
    if frame.shape[1] == 0:
        raise DataError(f"{path}: the file has no columns")
    if len(frame) == 0:
        raise DataError(f"{path}: the file has a header but no rows")
    return restore_integer_columns(frame)


def restore_integer_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn float columns that hold nulls and whose other values are whole numbers into Int64."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if col.dtype.kind == "f" and col.isna().any():
            values = col.dropna()
            if len(values) and (values == values.round()).all() and values.abs().max() < 2**53:
                out[name] = col.astype("Int64")
    return out


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write `frame` atomically in the format named by the extension."""
    return write_chunks([frame], path)


def write_chunks(chunks: Iterable[pd.DataFrame], path: str | Path) -> Path:
    """Stream DataFrame chunks into one file; memory stays bounded by one chunk.

    The file appears only when every chunk was written: a failure leaves nothing behind.
    """
    fmt = table_format(path)
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            _write_parquet(chunks, tmp)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                for i, chunk in enumerate(chunks):
                    if fmt == "csv":
                        chunk.to_csv(handle, index=False, header=i == 0)
                    else:
                        text = chunk.to_json(orient="records", lines=True, date_format="iso")
                        handle.write(text if text.endswith("\n") or not text else text + "\n")
    return Path(path)


def _write_parquet(chunks: Iterable[pd.DataFrame], tmp: Path) -> None:
    writer: pq.ParquetWriter | None = None
    try:
        for chunk in chunks:
            table = pa.Table.from_pandas(chunk, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
