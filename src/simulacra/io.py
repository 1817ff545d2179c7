"""Read and write tables (CSV, Parquet, JSON lines) by extension; every write is atomic
(`_atomic.atomic_path`, re-exported here).

Reading sniffs what real exports vary in (separator, encoding, number style) and says what it
assumed; what cannot be learned (nested values, binary data) is refused by column name.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ._atomic import atomic_path as atomic_path
from ._interrupt import check as check_interrupt
from .errors import DataError, MetadataError

FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
# `read_table` lists what it assumed (separator, encoding, number style...) under this key of
# `frame.attrs`: short sentences a command line can print as they are
READ_NOTES = "simulacra_read_notes"
SEPARATORS = (",", ";", "\t", "|")
_HEAD_BYTES = 1 << 16  # the first 64 KiB decide the separator
_SNIFF_ROWS = 200


def table_format(path: str | Path) -> str:
    """The table format named by a path's extension, or a DataError listing the known ones."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise DataError(f"{path}: unknown table format '{suffix}' (use one of {known})")
    return FORMATS[suffix]


def read_table(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV, Parquet or JSON-lines table, and say what was assumed.

    CSV: the separator (one of `SEPARATORS`) is sniffed from the first rows; text is UTF-8
    (a byte-order mark is skipped; a UTF-16 one is followed) unless `encoding` is given, and a
    file that is not UTF-8 is an error suggesting `--encoding`. Text columns whose values are
    all numbers written with thousands separators ("1,234", "1.234,5") or decimal commas
    ("1,5") become numbers. A separator closing every row (an empty last field) is dropped;
    a header naming a column twice is an error. Parquet: decimals become float64, durations
    float seconds; binary, list, map and struct columns are refused by name, as are nested
    values (objects, arrays) in JSON lines. ISO timestamps with several UTC offsets become
    UTC datetimes. `inf`/`-inf` stay infinities.

    Integer columns that pandas widened to float because of missing values come back as
    nullable integers (`Int64`). An empty file or a file with a header but no rows is an error.
    What was assumed is listed, one short sentence each, in `frame.attrs[READ_NOTES]`.
    """
    path = Path(path)
    fmt = table_format(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    notes: list[str] = []
    try:
        _refuse_other_format(path, fmt)
        if fmt == "csv":
            frame = _read_csv(path, encoding, notes)
        elif fmt == "parquet":
            frame = _read_parquet(path, notes)
        else:
            frame = _read_jsonl(path, encoding, notes)
    except DataError:
        raise
    except UnicodeDecodeError as exc:
        raise DataError(_not_utf8(path, encoding)) from exc
    except LookupError as exc:
        raise DataError(f"{path}: unknown encoding {encoding!r}") from exc
    except (ValueError, OSError, pa.ArrowException) as exc:
        raise DataError(f"{path}: cannot be read as {fmt}: {first_line(exc)}") from exc
    if frame.shape[1] == 0:
        raise DataError(f"{path}: the file has no columns")
    if len(frame) == 0:
        raise DataError(f"{path}: the file has a header but no rows")
    frame = restore_integer_columns(_utc_timestamps(frame, notes))
    frame.attrs[READ_NOTES] = notes
    return frame


# the first bytes of binary formats that a text table is sometimes named after by mistake
_MAGIC = {
    b"PAR1": "a Parquet file",
    b"PK\x03\x04": "a zip archive (an Excel workbook, or a model file?)",
}


def _refuse_other_format(path: Path, fmt: str) -> None:
    """A DataError for a file whose first bytes say it is not in the format its name says:
    a Parquet file named `.csv` would otherwise get advice about text encodings."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    found = next((what for magic, what in _MAGIC.items() if head.startswith(magic)), None)
    if found is None or (fmt == "parquet" and head == b"PAR1"):
        return
    if head == b"PAR1":
        fix = f"rename it to {path.with_suffix('.parquet').name}"
    else:
        fix = "export it as CSV, Parquet or JSON lines"
    raise DataError(f"{path}: is {found}, not {_FORMAT_NAMES[fmt]} as its name says; {fix}")


_FORMAT_NAMES = {"csv": "CSV text", "jsonl": "JSON lines", "parquet": "Parquet"}


def _not_utf8(path: Path, encoding: str | None) -> str:
    if encoding is not None:
        return f"{path}: cannot be decoded as {encoding}; give the file's encoding"
    return (
        f"{path}: not UTF-8 text; give its encoding, e.g. --encoding latin-1 "
        "(Western European, Excel on Windows: --encoding cp1252)"
    )


# CSV ---------------------------------------------------------------------------------------
def _read_csv(path: Path, encoding: str | None, notes: list[str]) -> pd.DataFrame:
    encoding, head = _head_text(path, encoding, notes)
    sep = _sniff_separator(head)
    if sep != ",":
        notes.append(f"separator {_SHOWN.get(sep, sep)!r}")
    reader = csv.reader(io.StringIO(head), delimiter=sep)
    header = next(reader, [])
    _check_header(path, header)
    trailing = True
    for row in reader:
        if len(row) > len(header) and any(field.strip() for field in row[len(header) :]):
            raise DataError(
                f"{path}: line {reader.line_num} has {len(row)} fields but the header has "
                f"{len(header)}"
            )
        trailing = trailing and len(row) == len(header) + 1
    trailing = trailing and reader.line_num > 1
    with warnings.catch_warnings():
        # index_col=False: rows longer than the header never shift the columns
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(path, sep=sep, encoding=encoding, index_col=False)
        except pd.errors.ParserWarning as exc:
            raise DataError(
                f"{path}: some rows have more fields than the header ({len(header)})"
            ) from exc
    if trailing:
        notes.append("every row ends with a separator: the empty last field was dropped")
    elif len(header) > 1 and not header[-1].strip() and frame.iloc[:, -1].isna().all():
        frame = frame.iloc[:, :-1]
        notes.append("every line ends with a separator: the empty last column was dropped")
    return _parse_number_text(frame, decimal_comma=sep != ",", notes=notes)


_SHOWN = {"\t": "tab"}


def _head_text(path: Path, encoding: str | None, notes: list[str]) -> tuple[str, str]:
    """The encoding to read `path` with, and its first complete lines as text."""
    with open(path, "rb") as handle:
        raw = handle.read(_HEAD_BYTES)
    whole = len(raw) < _HEAD_BYTES
    if encoding is None and raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
        notes.append("encoding UTF-16 (from its byte-order mark)")
    elif encoding is None:
        encoding = "utf-8-sig"
        if raw.startswith(codecs.BOM_UTF8):
            notes.append("encoding UTF-8 with a byte-order mark")
    else:
        codecs.lookup(encoding)
        notes.append(f"encoding {encoding} (as given)")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        if whole or exc.start < len(raw) - 4:  # not just a character cut at the end
            raise
        text = raw[: exc.start].decode(encoding)
    if not whole:  # keep complete lines only
        text = text[: text.rfind("\n") + 1] or text
    return encoding, text


def _sniff_separator(head: str) -> str:
    """The separator that splits the header into most fields and every row into as many."""
    best, best_score = ",", (0.0, 0)
    for sep in SEPARATORS:
        rows = [r for r in csv.reader(io.StringIO(head), delimiter=sep) if r][:_SNIFF_ROWS]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        same = sum(len(r) in (width, width + 1) for r in rows) / len(rows)
        score = (same, width)
        if same >= 0.9 and score > best_score:
            best, best_score = sep, score
    return best


def _check_header(path: Path, header: list[str]) -> None:
    """Refuse a header that names a column twice (pandas would rename one silently)."""
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name.strip():
            continue
        if name in seen:
            raise DataError(
                f"{path}: column '{name}' appears twice in the header (fields {seen[name] + 1} "
                f"and {i + 1}); rename or drop one"
            )
        seen[name] = i


_US_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_EU_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


def _parse_number_text(frame: pd.DataFrame, decimal_comma: bool, notes: list[str]) -> pd.DataFrame:
    """Text columns whose values are all numbers with thousands separators or decimal commas,
    as numbers. "1,234" alone is ambiguous: a decimal comma when the file's separator is not a
    comma (European exports), else a thousands separator."""
    styles: dict[str, list[str]] = {"thousands": [], "decimal": []}
    out = frame.copy()
    for name in frame.columns:
        col = frame[name]
        if col.dtype.kind not in "OU" and not pd.api.types.is_string_dtype(col.dtype):
            continue
        text = col.dropna()
        if text.empty or not all(isinstance(v, str) for v in text.iloc[:1000]):
            continue
        text = text.astype(str).str.strip()
        us, eu = bool(text.str.match(_US_NUMBER).all()), bool(text.str.match(_EU_NUMBER).all())
        if not (us or eu):
            continue
        european = eu and (decimal_comma or not us)
        if european:
            plain = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        else:
            plain = text.str.replace(",", "", regex=False)
        numbers = pd.to_numeric(plain, errors="coerce").astype("float64")
        if numbers.isna().any():
            continue
        values = pd.Series(np.nan, index=col.index, name=name)
        values[numbers.index] = numbers
        whole = bool((numbers == numbers.round()).all() and numbers.abs().max() < 2**53)
        whole = whole and not col.isna().any()
        out[name] = values.astype("int64") if whole else values
        commas = text.str.contains(",").any()
        style = "decimal" if european and commas else "thousands"
        styles[style].append(str(name))
    if styles["thousands"]:
        notes.append(f"numbers with thousands separators in {_names(styles['thousands'])}")
    if styles["decimal"]:
        notes.append(f"numbers with decimal commas in {_names(styles['decimal'])}")
    return out


def _names(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


# timestamps with several offsets ----------------------------------------------------------
_ISO_OFFSET = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s?(Z|[+-]\d{2}(:?\d{2})?)$"
)
_OFFSET = re.compile(r"(Z|[+-]\d{2}(?::?\d{2})?)$")


def _utc_timestamps(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """ISO timestamp text with more than one UTC offset, converted to UTC datetimes (pandas
    cannot hold several offsets in one column)."""
    out = frame
    for name in frame.columns:
        col = frame[name]
        if not pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
            continue
        text = col.dropna()
        if text.empty or not all(isinstance(v, str) for v in text.iloc[:1000]):
            continue
        text = text.astype(str)
        if not text.str.match(_ISO_OFFSET).all():
            continue
        offsets = set(text.str.extract(_OFFSET, expand=False).unique())
        if len(offsets) < 2:
            continue
        if out is frame:
            out = frame.copy()
        out[name] = pd.to_datetime(col, format="ISO8601", utc=True)
        shown = ", ".join(sorted(offsets)[:3]) + (", ..." if len(offsets) > 3 else "")
        notes.append(f"'{name}': timestamps with several UTC offsets ({shown}) converted to UTC")
    return out


# Parquet and JSON lines -------------------------------------------------------------------
def _read_parquet(path: Path, notes: list[str]) -> pd.DataFrame:
    schema = pq.read_schema(path)
    decimals, durations = [], []
    for field in schema:
        kind = field.type
        if pa.types.is_decimal(kind):
            decimals.append(field.name)
        elif pa.types.is_duration(kind):
            durations.append(field.name)
        else:
            refused = _refused_arrow_type(kind)
            if refused is not None:
                raise DataError(f"{path}: column '{field.name}' {refused}")
    frame = pd.read_parquet(path)
    for name in decimals:
        frame[name] = pd.to_numeric(frame[name].astype(object), errors="coerce").astype("float64")
    for name in durations:
        frame[name] = frame[name].dt.total_seconds()
    if decimals:
        notes.append(f"decimal columns read as float numbers: {_names(decimals)}")
    if durations:
        notes.append(f"duration columns read as seconds: {_names(durations)}")
    return frame


def _refused_arrow_type(kind: pa.DataType) -> str | None:
    """Why a Parquet column type cannot be learned, and what to do instead; None if it can."""
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return "holds binary data; decode it to text or drop it"
    if pa.types.is_fixed_size_binary(kind):
        return "holds binary data; decode it to text or drop it"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return "holds lists; flatten it or drop it"
    if pa.types.is_fixed_size_list(kind):
        return "holds lists; flatten it or drop it"
    if pa.types.is_map(kind):
        return "holds maps; flatten it or drop it"
    if pa.types.is_struct(kind):
        return "holds nested records (structs); flatten it or drop it"
    if pa.types.is_time(kind):
        return "holds times of day; store them as text ('HH:MM:SS') or as seconds"
    return None


def _read_jsonl(path: Path, encoding: str | None, notes: list[str]) -> pd.DataFrame:
    if encoding is not None:
        notes.append(f"encoding {encoding} (as given)")
    frame = pd.read_json(path, lines=True, encoding=encoding or "utf-8-sig")
    for name in frame.columns:
        nested = refused_values(frame[name])
        if nested is not None:
            raise DataError(f"{path}: column '{name}' {nested}")
    return frame


def refused_values(series: pd.Series) -> str | None:
    """Why the Python objects of a column cannot be learned (lists, records, bytes), or None."""
    if series.dtype != object:
        return None
    kinds = {type(v) for v in series.dropna().iloc[:100_000]}
    if kinds & {dict}:
        return "holds nested records (objects); flatten it or drop it"
    if kinds & {list, tuple, set, np.ndarray}:
        return "holds lists; flatten it or drop it"
    if kinds & {bytes, bytearray}:
        return "holds binary data; decode it to text or drop it"
    return None


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
                    check_interrupt()  # a Ctrl-C swallowed while the chunk was made
                    if fmt == "csv":
                        chunk.to_csv(handle, index=False, header=i == 0)
                    else:
                        text = chunk.to_json(orient="records", lines=True, date_format="iso")
                        handle.write(text if text.endswith("\n") or not text else text + "\n")
        check_interrupt()  # and during the last one: the file is not renamed into place
    return Path(path)


def _write_parquet(chunks: Iterable[pd.DataFrame], tmp: Path) -> None:
    writer: pq.ParquetWriter | None = None
    try:
        for chunk in chunks:
            check_interrupt()
            table = pa.Table.from_pandas(chunk, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def read_json_file(path: str | Path, what: str) -> Any:
    """The JSON in the file at `path`; a MetadataError naming the file when it is missing
    (`what` says what it should have been) or not JSON."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise MetadataError(f"{path}: no such {what}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MetadataError(f"{path}: not valid JSON ({exc})") from exc
