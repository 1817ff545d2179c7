"""Sampling sequences on Dask: partition p holds whole chunks of entities, each drawn from its
own seed stream (`Sequences.entity_chunk`), so the events written by any number of workers
equal `sample_sequences(n, seed=s)`'s, in order, and so do the context rows of a model fitted
with a context table (written to a dataset of their own).

One thing runs over chunks: generated event ids (an event table's own id column) are numbered
over the sample's events, so a chunk needs the count of the events before it. Where the model
has such a column (`numbers_events`), a first pass draws every chunk and counts its events,
the second draws them again and writes: twice the work, for the same ids as a local sample.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext
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


def sequence_model(model: Any) -> Sequences | None:
    """`model` if it samples sequences, else None."""
    return model if getattr(model, "sequences", False) else None


def _chunks(
    model: Sequences,
    plan: Plan,
    p: int,
    seed: int,
    conditions: Mapping[str, Any],
    before: list[int],
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    first, stop = plan.bounds[p]
    for k in range(first, stop):
        yield model.entity_chunk(
            k, plan.rows, conditions, seed=seed, events_before=before[k],
            chunk_entities=plan.chunk_rows,
        )  # fmt: skip


def _count_events(
    p: int, data: bytes, plan: Plan, seed: int, conditions: Mapping[str, Any]
) -> list[int]:
    """The events of each chunk of partition p (the first pass)."""
    model = _sequences(data)
    zeros = [0] * (plan.bounds[-1][1])
    return [len(events) for events, _ in _chunks(model, plan, p, seed, conditions, zeros)]


def _write_part(
    p: int,
    data: bytes,
    plan: Plan,
    seed: int,
    conditions: Mapping[str, Any],
    before: list[int],
    context: tuple[str, pa.Schema] | None,
    folder: str,
    schema: pa.Schema,
) -> int:
    """Write partition p's events (and context rows, into `context`'s folder); its entities."""
    contexts: list[pd.DataFrame] = []

    def events() -> Iterator[pd.DataFrame]:
        for frame, rows in _chunks(_sequences(data), plan, p, seed, conditions, before):
            contexts.append(rows)
            yield frame

    write_partition(events(), part_path(folder, p), schema)
    if context is not None:
        write_partition(contexts, part_path(context[0], p), context[1])
    return plan.partition_rows(p)


def _sequences(data: bytes) -> Sequences:
    model = sequence_model(load_model_bytes(data))
    assert model is not None
    return model


def write_sequences(
    client: Client,
    model_path: str | Path,
    entities: int,
    output: str | Path,
    *,
    seed: int = 0,
    partitions: int | None = None,
    conditions: Mapping[str, Any] | None = None,
    context_output: str | Path | None = None,
    chunk_entities: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> Plan:
    """The events of `entities` new entities of the sequence model at `model_path`, sampled
    on `client` into the partitioned Parquet folder `output` (and, for a model fitted with a
    context table, their context rows into `context_output`, default `OUTPUT-context`), each
    atomically; the same tables as `sample_sequences(entities, seed=seed)`. `progress` gets
    entities."""
    from ..synthesizers.sequences import CHUNK_ENTITIES

    data = Path(model_path).read_bytes()
    model = sequence_model(load_model_bytes(data))
    if model is None:
        raise ParameterError(f"{model_path}: not a sequence model (fitted without sequence_key)")
    plan = Plan.make(entities, partitions, chunk_entities or CHUNK_ENTITIES, "entities")
    given = dict(conditions or {})
    verbose, model.verbose = model.verbose, False
    try:  # conditions are checked here, before any work on the cluster
        pilot, pilot_context = model.sample_sequences(
            min(entities, _PILOT_ENTITIES), given or None, seed
        )
    finally:
        model.verbose = verbose
    has_context = len(pilot_context.columns) > 0
    if context_output is not None and not has_context:
        raise ParameterError(
            "--context-out writes sampled context rows: the model samples none (fitted without "
            "a context table)"
        )
    shared = client.scatter(data, broadcast=True)
    chunks = plan.bounds[-1][1]
    before = [0] * chunks
    if model.numbers_events:
        counted = client.gather(
            [
                client.submit(_count_events, p, shared, plan, seed, given, pure=False)
                for p in range(len(plan.bounds))
            ]  # fmt: skip
        )
        counts = [n for part in counted for n in part]
        before = [0, *accumulate(counts[:-1])]
    target = Path(context_output or f"{output}-context") if has_context else None
    with atomic_folder(target) if target is not None else nullcontext() as context_folder:
        context = None
        if context_folder is not None:
            context = (str(context_folder), frame_schema(pilot_context))
        args = (shared, plan, seed, given, before, context)
        write_dataset(
            client, output, frame_schema(pilot), len(plan.bounds), _write_part, args, progress
        )
        if context is not None:
            write_metadata(Path(context[0]), context[1], len(plan.bounds))
    return plan
