"""A partitioned Parquet dataset, written atomically.

Partition files `part-00000.parquet`, ... are written into a temporary folder beside the
target; `_common_metadata` (the schema) and `_metadata` (the schema and every row group) are
added when all partitions succeeded, and only then is the folder renamed into place. A failure,
Ctrl-C or SIGTERM removes the temporary folder, so no half dataset is ever left behind.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from .._atomic import remove_stale_temps, temp_prefix
from ..errors import DataError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from dask.distributed import Client

PART_NAME = "part-{:05d}.parquet"
_OWN_FILES = re.compile(r"^(part-\d{5,}\.parquet|_metadata|_common_metadata)$")


def part_path(folder: str | Path, index: int) -> Path:
    return Path(folder) / PART_NAME.format(index)


def check_dataset_target(path: Path) -> None:
    """Refuse, before any work, a target that is a file or a folder holding anything but a
    dataset this module wrote (which is replaced)."""
    if path.exists() and not path.is_dir():
        raise DataError(f"{path}: is a file; --engine dask writes a folder of Parquet files")
    if path.is_dir():
        foreign = [p.name for p in path.iterdir() if not _OWN_FILES.match(p.name)]
        if foreign:
            raise DataError(
                f"{path}: the folder holds other files ({', '.join(sorted(foreign)[:3])}); "
                "give a new or empty folder"
            )


@contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; it replaces `path` only if the block succeeds."""
    target = Path(path)
    check_dataset_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)  # left by a writer killed with `kill -9`
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        with _sigterm_raises():
            yield tmp
            _replace_folder(tmp, target)
    except BaseException:
        remove_folder(tmp)
        raise


def remove_folder(folder: Path, tries: int = 50) -> None:
    """Remove `folder`, again while something still writes into it: a partition's task that
    was running when another failed is cancelled but not stopped, and a file it wrote
    between `rmtree`'s listing and its last step left the temporary folder behind. Once the
    folder is gone such a write fails (tasks write files, never folders)."""
    for _ in range(tries):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.1)


def _replace_folder(tmp: Path, target: Path) -> None:
    """Rename `tmp` onto `target`; an old dataset there is moved aside first, then removed."""
    if not target.exists():
        os.replace(tmp, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.replace(target, old / "data")
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into SystemExit inside the block, so cleanup runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def frame_schema(frame: pd.DataFrame) -> pa.Schema:
    """The Arrow schema every partition file is cast to. A column that is all null in `frame`
    has no type yet: it is taken as text, the only kind of column that decodes to None."""
    import pyarrow as pa

    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    for i, field in enumerate(schema):
        if pa.types.is_null(field.type):
            schema = schema.set(i, field.with_type(pa.string()))
    return schema


def write_partition(frames: Iterable[pd.DataFrame], path: Path, schema: pa.Schema) -> int:
    """Stream `frames` into one Parquet file, one row group each, cast to `schema`; the row
    count. Memory stays bounded by one frame."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    with pq.ParquetWriter(path, schema) as writer:
        for frame in frames:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            try:
                table = table.select(schema.names).cast(schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, KeyError) as exc:
                raise DataError(f"{path.name}: a chunk does not match the schema ({exc})") from exc
            writer.write_table(table)
            rows += len(frame)
    return rows


def write_metadata(folder: Path, schema: pa.Schema, parts: int) -> None:
    """`_common_metadata` (the schema) and `_metadata` (schema and every part's row groups)."""
    import pyarrow.parquet as pq

    collected = []
    for index in range(parts):
        meta = pq.read_metadata(part_path(folder, index))
        meta.set_file_path(PART_NAME.format(index))
        collected.append(meta)
    pq.write_metadata(schema, folder / "_common_metadata")
    pq.write_metadata(schema, folder / "_metadata", metadata_collector=collected)


def write_dataset(
    client: Client,
    output: str | Path,
    schema: pa.Schema,
    parts: int,
    task: Callable[..., int],
    args: tuple[Any, ...],
    progress: Callable[[int], object] | None = None,
) -> None:
    """Run `task(p, *args, folder, schema)` for every partition p on `client` (each writes
    `part_path(folder, p)` and returns its rows), then the metadata; all into `output`,
    atomically. The first failure cancels the rest and removes the temporary folder."""
    from dask.distributed import as_completed

    with atomic_folder(output) as folder:
        futures = [
            client.submit(task, p, *args, str(folder), schema, pure=False) for p in range(parts)
        ]
        try:
            for future in as_completed(futures):
                rows = future.result()
                if progress is not None:
                    progress(rows)
        except BaseException:
            client.cancel(futures)
            raise
        write_metadata(folder, schema, parts)
