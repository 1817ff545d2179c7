"""A dataset as a folder of tables: one CSV, Parquet or JSON-lines file per table, named
after the table (`customers.csv`, `orders.parquet`).

`read_folder` reads every table file of a folder (not its subfolders; hidden files and
`.json` files, which are usually metadata, are left alone); `write_folder` writes a
dataset into a new or empty folder, each table in the format it was read from (CSV by
default), all files or none: they go into a temporary folder beside the target, renamed
into place only when every table was written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .._atomic import remove_stale_temps, temp_prefix
from ..errors import DataError
from ..io import read_table, write_chunks

TABLE_SUFFIXES = (".csv", ".parquet", ".pq", ".jsonl", ".ndjson")


def table_files(folder: str | Path) -> dict[str, Path]:
    """Table name -> file, for the table files of `folder` (a DataError when there is none,
    or when two files name the same table)."""
    path = Path(folder)
    if not path.is_dir():
        raise DataError(f"{path}: no such folder")
    found: dict[str, Path] = {}
    for file in sorted(path.iterdir()):
        if file.name.startswith(".") or not file.is_file():
            continue
        if file.suffix.lower() not in TABLE_SUFFIXES:
            continue
        if file.stem in found:
            raise DataError(
                f"{path}: two files hold table '{file.stem}' ({found[file.stem].name}, "
                f"{file.name}); keep one"
            )
        found[file.stem] = file
    if not found:
        raise DataError(
            f"{path}: holds no table file ({', '.join(TABLE_SUFFIXES)}); a dataset folder "
            "holds one file per table"
        )
    return found


def read_folder(
    folder: str | Path, encoding: str | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The tables of `folder` (name -> frame) and each one's file suffix."""
    files = table_files(folder)
    frames = {name: read_table(file, encoding=encoding) for name, file in files.items()}
    return frames, {name: file.suffix.lower() for name, file in files.items()}


def check_folder_target(path: Path) -> None:
    """Refuse, before any work, a target that is a file or a folder holding anything."""
    if path.exists() and not path.is_dir():
        raise DataError(f"{path}: is a file; a dataset is written into a folder")
    if path.is_dir() and any(path.iterdir()):
        raise DataError(f"{path}: the folder is not empty; give a new or empty folder")


def write_folder(
    tables: Iterable[tuple[str, Iterable[pd.DataFrame]]],
    folder: str | Path,
    suffixes: Mapping[str, str],
) -> Path:
    """Write each table (name, its chunks) to `folder/<name><suffix>` (CSV where `suffixes`
    names none), chunk by chunk, all tables or none."""
    target = Path(folder)
    check_folder_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent))
    try:
        for name, chunks in tables:
            write_chunks(chunks, tmp / f"{name}{suffixes.get(name, '.csv')}")
        os.chmod(tmp, 0o777 & ~_umask())
        if target.is_dir():
            target.rmdir()  # empty: checked above
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
