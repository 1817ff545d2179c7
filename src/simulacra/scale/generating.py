"""Specification datasets on Dask: partition p holds chunks [a, b) of `Spec.iter_generate`.

Specifications already generate in chunks of `specs.spec.CHUNK_ROWS`, chunk k of every column
from its own stream ("spec", column, part, k) (`Spec.generate_chunk`); draws shared by all
rows (Faker pools, class means, id permutations: `Spec.shared_draws`) come from the set-up
stream, which each worker repeats once. So the
dataset equals `simulacra generate` row for row, whatever the workers or partitions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError
from .dataset import frame_schema, part_path, write_dataset, write_partition
from .sampling import Plan

if TYPE_CHECKING:
    import pandas as pd
    from dask.distributed import Client

    from ..specs import Spec

_SETUPS: dict[tuple[str, int, int], tuple[Spec, dict[str, Any]]] = {}
_SETUPS_LOCK = threading.Lock()


def spec_source(spec: str) -> str:
    """What a worker rebuilds the spec from: a scenario's name, or the spec file's text."""
    from ..specs.scenarios import SCENARIOS

    return spec if spec in SCENARIOS else Path(spec).read_text(encoding="utf-8")


def _setup(source: str, rows: int, seed: int) -> tuple[Spec, dict[str, Any]]:
    """The spec and its shared draws (`Spec.shared_draws`), once per process."""
    from ..specs import resolve

    key = (source, rows, seed)
    with _SETUPS_LOCK:
        if key not in _SETUPS:
            spec = resolve(source)
            _SETUPS[key] = (spec, spec.shared_draws(rows, seed))
        return _SETUPS[key]


def iter_partition(source: str, plan: Plan, p: int, seed: int) -> Iterator[pd.DataFrame]:
    spec, states = _setup(source, plan.rows, seed)
    first, stop = plan.bounds[p]
    for k in range(first, stop):
        yield spec.generate_chunk(k, plan.chunk_rows_of(k)[1], seed, states)


def _write_one(p: int, source: str, plan: Plan, seed: int, folder: str, schema: Any) -> int:
    return write_partition(iter_partition(source, plan, p, seed), part_path(folder, p), schema)


def write_generated(
    client: Client,
    spec: str,
    rows: int | None,
    output: str | Path,
    *,
    seed: int = 0,
    partitions: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> Plan:
    """Generate the spec (a file or scenario name) into the Parquet folder `output` on
    `client`, atomically; the same rows, in order, as `simulacra generate` with `seed`."""
    from ..specs import resolve
    from ..specs.spec import CHUNK_ROWS

    source = spec_source(spec)
    parsed = resolve(source)
    count = rows if rows is not None else parsed.rows
    if count is None:
        raise ParameterError(f"spec '{parsed.name}': give a number of rows (-n)")
    plan = Plan.make(count, partitions, CHUNK_ROWS)
    pilot = next(parsed.iter_generate(min(count, 1_000), seed))
    schema = frame_schema(pilot)
    args = (source, plan, seed)
    write_dataset(client, output, schema, len(plan.bounds), _write_one, args, progress)
    return plan
