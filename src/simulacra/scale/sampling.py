"""Sampling on Dask: partition p holds chunks [a, b) of the local sample, drawn from their own
seed streams, so a dataset written by any number of workers equals `Synthesizer.sample`.

Chunk k of a sample with seed s draws from `seeding.rng(s, "sample", 0, k)` and decodes its
ids from row offset `k * CHUNK_ROWS`, as `Synthesizer.iter_sample` does; partition boundaries
are chunk boundaries. Workers rebuild the model from the model file's bytes with
`Synthesizer.load` (a zip of JSON and arrays, no pickle), once per worker process.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataError, ParameterError
from .dataset import frame_schema, part_path, write_dataset, write_partition

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd
    from dask.distributed import Client

    from ..synthesizers.base import Synthesizer

# a partition holds this many chunks unless --partitions says otherwise (1,000,000 rows)
CHUNKS_PER_PARTITION = 10
_PILOT_ROWS = 2_000  # rows sampled on the client to fix the dataset's schema


@dataclass(frozen=True)
class Plan:
    """How `rows` rows split into chunks of `chunk_rows` and chunks into partitions."""

    rows: int
    chunk_rows: int
    bounds: tuple[tuple[int, int], ...]  # per partition: first chunk, chunk after the last

    @classmethod
    def make(cls, rows: int, partitions: int | None, chunk_rows: int, unit: str = "rows") -> Plan:
        """The plan of `rows` items (`unit`: rows, or a sequence model's entities)."""
        if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
            raise DataError(f"number of {unit} must be a positive integer, not {rows!r}")
        chunks = -(-rows // chunk_rows)
        if partitions is None:
            partitions = -(-chunks // CHUNKS_PER_PARTITION)
        check_partitions(partitions)
        if partitions > chunks:
            raise ParameterError(
                f"partitions must be at most {chunks:,} for {rows:,} {unit} "
                f"(a partition holds whole chunks of {chunk_rows:,} {unit})"
            )
        cuts = [p * chunks // partitions for p in range(partitions + 1)]
        return cls(rows, chunk_rows, tuple(zip(cuts[:-1], cuts[1:], strict=True)))

    def chunk_rows_of(self, k: int) -> tuple[int, int]:
        """(first row, row count) of chunk k."""
        start = k * self.chunk_rows
        return start, min(self.chunk_rows, self.rows - start)

    def partition_rows(self, p: int) -> int:
        first, stop = self.bounds[p]
        return sum(self.chunk_rows_of(k)[1] for k in range(first, stop))


def check_partitions(partitions: int | None) -> None:
    """A ParameterError unless `partitions` is None (the default) or a positive integer."""
    if partitions is None:
        return
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise ParameterError(f"partitions must be a positive integer, not {partitions!r}")


# workers ---------------------------------------------------------------------------------
_MODELS: dict[str, Synthesizer] = {}
_MODELS_LOCK = threading.Lock()


def load_model_bytes(data: bytes) -> Synthesizer:
    """The synthesizer in a model file's bytes, built once per process (keyed by digest)."""
    from ..synthesizers import Synthesizer

    key = hashlib.sha256(data).hexdigest()
    with _MODELS_LOCK:
        if key not in _MODELS:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "model.simulacra"
                path.write_bytes(data)
                _MODELS[key] = Synthesizer.load(path, verbose=False)
        return _MODELS[key]


def iter_partition(
    model: Synthesizer, plan: Plan, p: int, seed: int, conditions: Mapping[str, Any] | None
) -> Iterator[pd.DataFrame]:
    """The chunks of partition p: chunk k of call 0 (`Synthesizer.sample_chunk`)."""
    typed = model.encode_conditions(conditions)
    first, stop = plan.bounds[p]
    for k in range(first, stop):
        start, rows = plan.chunk_rows_of(k)
        yield model.sample_chunk(k, rows, typed, seed=seed, start=start)


def partition_frame(
    p: int, data: bytes, plan: Plan, seed: int, conditions: Mapping[str, Any] | None
) -> pd.DataFrame:
    import pandas as pd

    chunks = list(iter_partition(load_model_bytes(data), plan, p, seed, conditions))
    frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    first = plan.chunk_rows_of(plan.bounds[p][0])[0]
    frame.index = pd.RangeIndex(first, first + len(frame))
    return frame


def _write_one(
    p: int,
    data: bytes,
    plan: Plan,
    seed: int,
    conditions: Mapping[str, Any] | None,
    folder: str,
    schema: Any,
) -> int:
    frames = iter_partition(load_model_bytes(data), plan, p, seed, conditions)
    return write_partition(frames, part_path(folder, p), schema)


# client ----------------------------------------------------------------------------------
def _model_bytes(model: Synthesizer) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.simulacra"
        model.save(path)
        return path.read_bytes()


def _pilot(model: Synthesizer, rows: int, seed: int, conditions: Any) -> pd.DataFrame:
    """A small sample on the client: the dataset's column types."""
    verbose, model.verbose = model.verbose, False
    try:
        return model.sample(min(rows, _PILOT_ROWS), conditions=conditions, seed=seed)
    finally:
        model.verbose = verbose


def sample_dask(
    model: Synthesizer,
    n: int,
    partitions: int | None = None,
    seed: int | None = None,
    conditions: Mapping[str, Any] | None = None,
    chunk_rows: int | None = None,
) -> dd.DataFrame:
    """`model.sample(n, conditions, seed)` as a lazy Dask DataFrame of `partitions` parts."""
    import dask.dataframe as dd

    from ..synthesizers.base import CHUNK_ROWS

    model.encode_conditions(conditions)  # unfitted, or a bad condition: fails here
    seed = model.seed if seed is None else int(seed)
    plan = Plan.make(n, partitions, chunk_rows or CHUNK_ROWS)
    meta = _pilot(model, n, seed, conditions).iloc[:0]
    data = _model_bytes(model)
    return dd.from_map(
        partition_frame,
        list(range(len(plan.bounds))),
        data=data,
        plan=plan,
        seed=seed,
        conditions=dict(conditions or {}),
        meta=meta,
        divisions=[plan.chunk_rows_of(a)[0] for a, _ in plan.bounds] + [n - 1],
        label="simulacra-sample",
        enforce_metadata=False,
    )


def write_sample(
    client: Client,
    model_path: str | Path,
    n: int,
    output: str | Path,
    *,
    seed: int = 0,
    partitions: int | None = None,
    conditions: Mapping[str, Any] | None = None,
    chunk_rows: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> Plan:
    """Sample `n` rows of the model at `model_path` on `client` into the partitioned Parquet
    folder `output`, atomically; the same rows, in order, as `sample(n, seed=seed)`.
    Workers must see the folder beside `output` (a shared filesystem on a real cluster)."""
    from ..synthesizers.base import CHUNK_ROWS

    data = Path(model_path).read_bytes()
    model = load_model_bytes(data)
    plan = Plan.make(n, partitions, chunk_rows or CHUNK_ROWS)
    model.encode_conditions(conditions)
    schema = frame_schema(_pilot(model, n, seed, conditions))
    shared = client.scatter(data, broadcast=True)
    args = (shared, plan, seed, dict(conditions or {}))
    write_dataset(client, output, schema, len(plan.bounds), _write_one, args, progress)
    return plan
