"""`fit` and `sample` of sequence models: `--sequence-key`, `--sequence-index`, `--context`.

    simulacra fit visits.csv --sequence-key patient_id --sequence-index visit_date \\
        [--context patients.csv] -o m.simulacra
    simulacra sample m.simulacra -n 1000 -o synth.csv [--context new_patients.csv]
    simulacra fit 'events/*.parquet' --engine dask --sequence-key patient_id \\
        --sequence-index visit_date -o m.simulacra

`-n` counts entities. A model fitted with a context table samples its context rows too
(written to `--context-out`, by default beside the events: `synth-context.csv`), unless a
context table is given: then it samples the sequences of those entities.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._progress import is_quiet, new_progress, status
from ..errors import ParameterError
from ..registry import able_to
from .common import announce, check_output, load_table, out, write_together

if TYPE_CHECKING:
    import pandas as pd

    from ..synthesizers import Synthesizer


def check_sequence_options(
    model: str, key: str | None, index: str | None, context: Path | None
) -> None:
    """One error line for sequence options that cannot go together."""
    if key is None and index is None:
        if context is not None:
            raise ParameterError("--context goes with --sequence-key and --sequence-index")
        return
    if key is None or index is None:
        raise ParameterError("--sequence-key and --sequence-index go together")
    able = able_to("sequences")
    if model not in able:
        raise ParameterError(
            f"{model} cannot learn sequences; use -m {' or -m '.join(able)} with --sequence-key"
        )


def samples_sequences(
    synthesizer: object, context: Path | None, context_out: Path | None, rebalance: str | None
) -> bool:
    """Whether `sample` samples sequences (a sequence model), or one error line for sequence
    options given to a model that learned none."""
    sequences = bool(getattr(synthesizer, "sequences", False))
    if not sequences and (context is not None or context_out is not None):
        raise ParameterError("--context and --context-out need a model fitted with --sequence-key")
    if sequences and rebalance is not None:
        raise ParameterError("--rebalance does not take a sequence model")
    return sequences


@dataclass(frozen=True)
class DaskFit:
    """`fit --engine dask`'s options for a sequence fit."""

    scheduler: str | None
    steps: int | None


def fit_sequences(
    model: str,
    params: dict[str, Any],
    data: Path,
    metadata_path: Path | None,
    context_path: Path | None,
    encoding: str | None,
    output: Path,
    dask: DaskFit | None = None,
) -> None:
    """Fit a sequence model on the events in `data` (and the context table) and save it; with
    `dask`, on the Parquet files `data` names, streamed (`scale/sequence_fit.py`)."""
    from ..metadata import Metadata
    from ..synthesizers import Synthesizer
    from ..synthesizers.sequences import Sequences

    synthesizer = Synthesizer(model, verbose=not is_quiet(), **params)
    assert isinstance(synthesizer, Sequences)  # check_sequence_options read its tag
    context = load_table(context_path, encoding) if context_path is not None else None
    metadata = Metadata.load(metadata_path) if metadata_path is not None else None
    if dask is not None:
        from ..scale.commands import fit_from_parquet

        with status(f"fitting {model} on sequences on Dask from {data}"):
            fit_from_parquet(
                synthesizer,
                str(data),
                metadata=metadata,
                context=context,
                scheduler=dask.scheduler,
                steps=dask.steps,
                announce=announce,
            )
    else:
        table = load_table(data, encoding)
        with status(f"fitting {model} on sequences"):
            synthesizer.fit(table, metadata, context=context)
    with status(f"writing {output}"):
        synthesizer.save(output)
    info = synthesizer.describe()["fit"]
    given = f", given {context_path}" if context_path is not None else ""
    out.print(
        f"fitted {model} on {info['rows']:,} events of {info['entities']:,} entities{given} in "
        f"{info['seconds']:.1f}s -> {output}"
    )


def sample_sequences(
    synthesizer: Synthesizer,
    model: Path,
    entities: int | None,
    output: Path,
    seed: int,
    conditions: dict[str, Any],
    context_path: Path | None,
    context_out: Path | None,
) -> None:
    """Sample the sequences of `entities` new entities (or of the entities of the context
    table at `context_path`) into `output`, the sampled context rows into `context_out`."""
    from ..synthesizers.sequences import Sequences

    if not isinstance(synthesizer, Sequences):
        raise ParameterError(f"{model}: not a sequence model")
    layout = synthesizer.sequence_
    if context_path is not None and not layout.context_columns:
        raise ParameterError(f"{model}: was fitted without a context table; sample without one")
    if context_out is not None and (not layout.context_columns or context_path is not None):
        raise ParameterError(
            "--context-out writes sampled context rows: the model samples none "
            + ("(it was fitted without a context table)" if context_path is None else "here")
        )
    context = load_table(context_path) if context_path is not None else None
    if layout.context_columns and context is None and context_out is None:
        context_out = output.with_name(f"{output.stem}-context{output.suffix}")
    if context_out is not None:
        check_output(context_out, [model, output])
    if entities is None and context is None:
        raise ParameterError("give -n (the number of entities to sample) or --context")
    synthesizer.verbose = False
    pairs = synthesizer.iter_sequences(entities, conditions, seed, context=context)
    contexts: list[pd.DataFrame] = []

    counted = entities if entities is not None else len(context)  # type: ignore[arg-type]

    def events() -> Iterator[pd.DataFrame]:
        """The events chunk by chunk, on a progress bar of entities (not of events)."""
        with new_progress(True) as progress:
            task = progress.add_task(
                f"sampling {synthesizer.name} into {output}", total=counted, info="entities"
            )
            for chunk, rows in pairs:
                contexts.append(rows)  # one row per entity: far fewer than the events
                yield chunk
                # without a context table every entity has events; with one, a row each
                progress.advance(task, len(rows) if len(rows) else chunk[layout.key].nunique())

    written: list[int] = []

    def write_events(tmp: Path) -> None:
        written.append(_write_staged(events(), tmp, output.suffix))

    def write_context(tmp: Path) -> None:
        assert context_out is not None
        _write_staged(iter(contexts), tmp, context_out.suffix)

    writers = {output: write_events}
    if context_out is not None:
        writers[context_out] = write_context
    write_together(writers)  # type: ignore[arg-type]
    extra = f" and their context rows to {context_out}" if context_out is not None else ""
    out.print(f"wrote {written[0]:,} events of {counted:,} entities to {output}{extra}")


def _write_staged(chunks: Iterator[pd.DataFrame], tmp: Path, suffix: str) -> int:
    """Write `chunks` into `tmp` in the format `suffix` names (through a sibling file with
    that suffix, then renamed); the number of rows written."""
    from ..io import write_chunks

    staged = tmp.with_name(tmp.name + suffix)
    rows = [0]

    def counting() -> Iterator[pd.DataFrame]:
        for chunk in chunks:
            rows[0] += len(chunk)
            yield chunk

    write_chunks(counting(), staged)
    os.replace(staged, tmp)
    return rows[0]


def sequence_options(
    key: str | None, index: str | None, contexts: dict[str, Path | None], engine: str
) -> dict[str, Any]:
    """`evaluate`'s options that compare the tables as sequences (none without a key)."""
    given = {label: path for label, path in contexts.items() if path is not None}
    if key is None and index is None:
        if given:
            raise ParameterError("--context and the other context tables need --sequence-key")
        return {}
    if key is None or index is None:
        raise ParameterError("--sequence-key and --sequence-index go together")
    if engine != "local":  # Dask's evaluation samples rows, not whole entities
        raise ParameterError("--sequence-key works with --engine local only")
    if given and ("real" not in given or "synthetic" not in given):
        raise ParameterError("give --context and --synthetic-context together")
    tables = {label: load_table(path) for label, path in given.items()}
    return {"sequence_key": key, "sequence_index": index, "contexts": tables}


def print_sequences(report: Any) -> None:
    """The sequence measures of an evaluation, one line each (none without them)."""
    s = report.sequences
    if s is None:
        return
    d, lengths, order = s.detection, s.lengths, s.order
    kept = "-" if s.static.kept is None else f"{s.static.kept:.1%}"
    attack = s.distances.membership_auc
    out.print(
        f"sequences: entity detection AUC {d.auc:.3f} (floor {d.floor:.3f}); lengths KS "
        f"{lengths.ks:.3f}; index strictly increasing in {order.strictly_increasing:.1%} of "
        f"entities; static columns kept in {kept}; coherence {_score(s.coherence.mean)} "
        f"(reference {_score(s.coherence.reference_mean)}); copied sequences "
        f"{s.copies.synthetic:.1%}"
        + ("" if attack is None else f"; entity membership attack AUC {attack:.3f}"),
        soft_wrap=True,
    )


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
