"""Sampling sequences on Dask: partition p holds whole chunks of entities, each drawn from its
own seed stream (`Sequences.entity_chunk`), so the events written by any number of workers
equal `iter_sequences`'s, in order; so do the context rows of a model fitted with a context
table (written to a dataset of their own), or the events of the entities of a given context
table (sent to every worker once).

One thing runs over chunks: generated event ids (an event table's own id column) are numbered
over the sample's events, so a chunk needs the count of the events before it. Where the model
has such a column (`numbers_events`), a first pass draws every chunk and counts its events,
the second draws them again and writes: twice the work, for the same ids as a local sample.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError
from .dataset import (
    atomic_folder,
    frame_schema,
    part_path,
    write_dataset,
    write_metadata,
    write_partition,
)
from .sampling import Plan, load_model_bytes

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from dask.distributed import Client

    from ..synthesizers.sequences import Sequences

_PILOT_ENTITIES = 200  # entities sampled on the client to fix the datasets' column types


@dataclass(frozen=True)
class _Job:
    """What every partition's task shares: the plan, seed and conditions, and the events
    before each chunk (zeros until counted)."""

    plan: Plan
    seed: int
    conditions: dict[str, Any]
    before: tuple[int, ...]


def sequence_model(model: Any) -> Sequences | None:
    """`model` if it samples sequences, else None."""
    return model if getattr(model, "sequences", False) else None


def _chunks(
    data: bytes, job: _Job, p: int, given: pd.DataFrame | None
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Partition p's chunks (events, context rows); `given`: the whole given context table."""
    model = sequence_model(load_model_bytes(data))
    assert model is not None
    plan = job.plan
    first, stop = plan.bounds[p]
    for k in range(first, stop):
        start = k * plan.chunk_rows
        rows = None if given is None else given.iloc[start : start + plan.chunk_rows]
        yield model.entity_chunk(
            k, plan.rows, job.conditions, seed=job.seed, events_before=job.before[k],
            chunk_entities=plan.chunk_rows, context=rows,
        )  # fmt: skip


def _count_events(p: int, data: bytes, job: _Job, given: pd.DataFrame | None) -> list[int]:
    """The events of each chunk of partition p (the first pass)."""
    return [len(events) for events, _ in _chunks(data, job, p, given)]


def _write_part(
    p: int,
    data: bytes,
    job: _Job,
    given: pd.DataFrame | None,
    context: tuple[str, pa.Schema] | None,
    folder: str,
    schema: pa.Schema,
) -> int:
    """Write partition p's events (and sampled context rows, into `context`'s folder); its
    entities."""
    contexts: list[pd.DataFrame] = []

    def events() -> Iterator[pd.DataFrame]:
        for frame, rows in _chunks(data, job, p, given):
            contexts.append(rows)
            yield frame

    write_partition(events(), part_path(folder, p), schema)
    if context is not None:
        write_partition(contexts, part_path(context[0], p), context[1])
    return job.plan.partition_rows(p)


def write_sequences(
    client: Client,
    model_path: str | Path,
    entities: int | None,
    output: str | Path,
    *,
    seed: int = 0,
    partitions: int | None = None,
    conditions: Mapping[str, Any] | None = None,
    context: pd.DataFrame | None = None,
    context_output: str | Path | None = None,
    chunk_entities: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> tuple[Plan, Path | None]:
    """The events of `entities` new entities of the sequence model at `model_path` (or of
    the entities of a given `context` table), sampled on `client` into the partitioned Parquet
    folder `output` and, for new entities of a model fitted with a context table, their
    context rows into `context_output` (default `OUTPUT-context`), each atomically: the same
    tables as `iter_sequences(entities, seed=seed, context=context)`. `progress` gets
    entities. Returns the plan and the context rows' folder (None when none is written)."""
    from ..synthesizers.sequences import CHUNK_ENTITIES

    data = Path(model_path).read_bytes()
    model = sequence_model(load_model_bytes(data))
    if model is None:
        raise ParameterError(f"{model_path}: not a sequence model (fitted without sequence_key)")
    given = dict(conditions or {})
    # conditions, the count and a given context table are checked here, before any work
    model.iter_sequences(entities, given or None, seed, context=context)
    count = len(context) if context is not None else entities
    assert count is not None
    plan = Plan.make(count, partitions, chunk_entities or CHUNK_ENTITIES, "entities")
    verbose, model.verbose = model.verbose, False
    try:
        pilot, pilot_context = model.sample_sequences(
            None if context is not None else min(count, _PILOT_ENTITIES),
            given or None,
            seed,
            context=None if context is None else context.head(_PILOT_ENTITIES),
        )
    finally:
        model.verbose = verbose
    samples_context = len(pilot_context.columns) > 0 and context is None
    if context_output is not None and not samples_context:
        raise ParameterError(
            "--context-out writes sampled context rows: the model samples none "
            + ("here" if context is not None else "(fitted without a context table)")
        )
    shared = client.scatter(data, broadcast=True)
    table = client.scatter(context, broadcast=True) if context is not None else None
    job = _Job(plan, seed, given, (0,) * plan.bounds[-1][1])
    if model.numbers_events:
        parts = range(len(plan.bounds))
        counted = client.gather(
            [client.submit(_count_events, p, shared, job, table, pure=False) for p in parts]
        )
        counts = [n for part in counted for n in part]
        job = replace(job, before=(0, *accumulate(counts[:-1])))
    target = Path(context_output or f"{output}-context") if samples_context else None
    with atomic_folder(target) if target is not None else nullcontext() as context_folder:
        written = None
        if context_folder is not None:
            written = (str(context_folder), frame_schema(pilot_context))
        args = (shared, job, table, written)
        write_dataset(
            client, output, frame_schema(pilot), len(plan.bounds), _write_part, args, progress
        )
        if written is not None:
            write_metadata(Path(written[0]), written[1], len(plan.bounds))
    return plan, target
