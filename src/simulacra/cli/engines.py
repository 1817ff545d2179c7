"""The command line's Dask engine: `fit --engine dask` and `sample --engine dask`, and the
check of the engine options every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .._progress import is_quiet, status
from .common import announce, load_table, out, parse_pairs

if TYPE_CHECKING:
    from ..synthesizers import Synthesizer


ENGINES = ("local", "dask")


def check_engine(engine: str, scheduler: str | None, partitions: int | None) -> None:
    from ..errors import ParameterError

    if engine not in ENGINES:
        raise ParameterError(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "local" and (scheduler is not None or partitions is not None):
        raise ParameterError("--scheduler and --partitions need --engine dask")


def fit_dask(
    synthesizer: Synthesizer,
    data: Path,
    metadata_path: Path | None,
    output: Path,
    scheduler: str | None,
    steps: int | None,
) -> None:
    from ..metadata import Metadata
    from ..scale.commands import fit_from_parquet

    metadata = Metadata.load(metadata_path) if metadata_path is not None else None
    with status(f"fitting {synthesizer.name} on Dask from {data}"):
        fit_from_parquet(
            synthesizer,
            str(data),
            metadata=metadata,
            scheduler=scheduler,
            steps=steps,
            announce=announce,
        )
    with status(f"writing {output}"):
        synthesizer.save(output)
    info = synthesizer.describe()["fit"]
    out.print(
        f"fitted {synthesizer.name} on {info['rows']:,} rows on Dask in {info['seconds']:.1f}s "
        f"-> {output}"
    )


def sample_dask(
    model: Path,
    rows: int | None,
    output: Path,
    seed: int,
    condition: list[str] | None,
    rebalance_column: str | None,
    scheduler: str | None,
    partitions: int | None,
    context: Path | None = None,
    context_out: Path | None = None,
) -> None:
    """`sample --engine dask`: rows; of a sequence model, the events of `rows` new entities
    (their sampled context rows into `context_out`, default OUTPUT-context) or of the
    entities of the `context` table."""
    from ..errors import ParameterError
    from ..scale.commands import sample_to_dataset

    if rebalance_column is not None:
        raise ParameterError("--rebalance works with --engine local only")
    done = sample_to_dataset(
        model,
        rows,
        output,
        seed=seed,
        partitions=partitions,
        conditions=parse_pairs(condition, "--condition", typed=False),
        scheduler=scheduler,
        announce=announce,
        context=load_table(context) if context is not None else None,
        context_output=context_out,
        verbose=not is_quiet(),
    )
    files = "file" if done.partitions == 1 else "files"
    what = f"the events of {done.count:,} entities" if done.sequences else f"{done.count:,} rows"
    rest = f" (their context rows to {done.context_folder}/)" if done.context_folder else ""
    out.print(
        f"wrote {what} in {done.partitions:,} Parquet {files} to {output}/{rest}", soft_wrap=True
    )
