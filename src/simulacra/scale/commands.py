"""What `simulacra sample|generate|fit --engine dask` run: one call each from the CLI.

Each opens a Dask client (on `scheduler`, or a LocalCluster that starts and stops with the
command), runs the work with a progress bar over rows, and returns what the command prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._progress import new_progress

if TYPE_CHECKING:
    import pandas as pd

    from ..synthesizers.base import Synthesizer


def sample_to_dataset(
    model_path: Path,
    rows: int | None,
    output: Path,
    *,
    seed: int = 0,
    partitions: int | None = None,
    conditions: Mapping[str, Any] | None = None,
    context: pd.DataFrame | None = None,
    context_output: Path | None = None,
    scheduler: str | None = None,
    announce: Callable[[str], object] | None = None,
    verbose: bool = True,
) -> Sampled:
    """Sample `rows` rows of a saved model into the Parquet folder `output`; of a sequence
    model, the events of `rows` new entities (their context rows into `context_output`) or
    of the entities of a given `context` table."""
    from ..errors import ParameterError
    from ..synthesizers.base import CHUNK_ROWS
    from ..synthesizers.sequences import CHUNK_ENTITIES
    from .cluster import dask_client
    from .dataset import check_dataset_target
    from .sampling import Plan, load_model_bytes, write_sample
    from .sequences import sequence_model, write_sequences

    check_dataset_target(output)
    sequences = sequence_model(load_model_bytes(model_path.read_bytes())) is not None
    if not sequences and (context is not None or context_output is not None):
        raise ParameterError("--context and --context-out need a model fitted with --sequence-key")
    count = len(context) if context is not None and rows is None else rows
    if count is None:
        raise ParameterError("give -n (the number of rows or entities to sample)")
    # bad counts and targets are refused before a cluster starts
    if sequences:
        Plan.make(count, partitions, CHUNK_ENTITIES, "entities")
    else:
        Plan.make(count, partitions, CHUNK_ROWS)
    if context_output is not None:
        check_dataset_target(context_output)
    with dask_client(scheduler, announce=announce) as client, new_progress(verbose) as bar:
        task = bar.add_task(
            "sampling on dask", total=count, info="entities" if sequences else "rows"
        )
        common: dict[str, Any] = {
            "seed": seed,
            "partitions": partitions,
            "conditions": conditions,
            "progress": lambda done: bar.advance(task, done),
        }
        if not sequences:
            plan = write_sample(client, model_path, count, output, **common)
            return Sampled(count, len(plan.bounds), False, None)
        plan, folder = write_sequences(
            client, model_path, rows, output, context=context, context_output=context_output,
            **common,
        )  # fmt: skip
    return Sampled(count, len(plan.bounds), True, folder)


@dataclass(frozen=True)
class Sampled:
    """What `sample_to_dataset` wrote: rows (of a sequence model: entities), partitions,
    whether they are sequences, and the folder of sampled context rows (or None)."""

    count: int
    partitions: int
    sequences: bool
    context_folder: Path | None


def generate_to_dataset(
    spec: str,
    rows: int | None,
    output: Path,
    *,
    seed: int = 0,
    partitions: int | None = None,
    scheduler: str | None = None,
    announce: Callable[[str], object] | None = None,
    verbose: bool = True,
) -> tuple[int, int]:
    """Generate a specification's rows into the Parquet folder `output`; (rows, partitions)."""
    from .cluster import dask_client
    from .dataset import check_dataset_target
    from .generating import write_generated
    from .sampling import check_partitions

    check_dataset_target(output)
    check_partitions(partitions)  # before a cluster starts
    with dask_client(scheduler, announce=announce) as client, new_progress(verbose) as bar:
        task = bar.add_task("generating on dask", total=rows, info="rows")
        plan = write_generated(
            client,
            spec,
            rows,
            output,
            seed=seed,
            partitions=partitions,
            progress=lambda done: bar.advance(task, done),
        )
    return plan.rows, len(plan.bounds)


def fit_from_parquet(
    synthesizer: Synthesizer,
    pattern: str,
    *,
    metadata: Any = None,
    context: pd.DataFrame | None = None,
    scheduler: str | None = None,
    steps: int | None = None,
    announce: Callable[[str], object] | None = None,
) -> Synthesizer:
    """Fit `synthesizer` on the Parquet files matching `pattern`, read as a Dask DataFrame
    whose partitions are summarised (and streamed to a neural model) where they lie
    (`fitting.fit_dask`); a sequence model on those events (and the context table
    `context`, in memory), each partition's step rows streamed
    (`sequence_fit.fit_sequences_dask`)."""
    from .cluster import dask_client
    from .fitting import fit_dask, read_parquet_glob
    from .partitions import parquet_files
    from .sequence_fit import fit_sequences_dask
    from .sequences import sequence_model

    parquet_files(pattern)  # files that disagree are refused before a cluster starts
    sequences = sequence_model(synthesizer)
    with dask_client(scheduler, announce=announce):
        frame = read_parquet_glob(pattern)
        if sequences is None:
            return fit_dask(synthesizer, frame, metadata=metadata, steps=steps)
        return fit_sequences_dask(sequences, frame, metadata, context=context, steps=steps)
