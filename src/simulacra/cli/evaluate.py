"""`simulacra evaluate`: score a synthetic table against the real one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .._progress import is_quiet
from . import app
from .common import (
    SCHEDULER_HELP,
    announce,
    check_output,
    load_table,
    out,
    print_table,
    write_together,
)
from .sequences import print_sequences, sequence_options

if TYPE_CHECKING:
    import pandas as pd


@app.command(
    epilog=(
        "Examples:\n\n  simulacra evaluate real.csv synth.parquet --report report.html\n\n"
        "  simulacra evaluate train.csv synth.parquet --holdout test.csv --target churn "
        "--sensitive sex -o report.html --json scores.json"
    )
)
def evaluate(
    context: typer.Context,
    real: Path = typer.Argument(
        ...,
        help="The real table the generator learned from (or a folder of related tables: "
        "each table and each relation is scored).",
    ),
    synthetic: Path = typer.Argument(..., help="The synthetic table (or folder) to judge."),
    holdout: Path | None = typer.Option(
        None,
        "--holdout",
        help="Real rows the generator never saw (privacy tests, utility test set; "
        "default: none, so those tests are skipped).",
    ),
    target: str | None = typer.Option(
        None, "--target", help="Column that utility models predict (default: none, no utility)."
    ),
    sensitive: list[str] | None = typer.Option(
        None,
        "--sensitive",
        help="Sensitive column for attribute inference and bias (repeatable; default: none).",
    ),
    report: Path | None = typer.Option(
        None, "-o", "--out", "--report", help="Write the HTML report here (default: none)."
    ),
    json_path: Path | None = typer.Option(
        None, "--json", help="Write every score as JSON here (default: none)."
    ),
    metadata_path: Path | None = typer.Option(
        None,
        "--metadata",
        help="Metadata JSON, e.g. from 'simulacra inspect --json' (default: inferred from the "
        "real table). Column kinds decide how each column and pair is scored, so give the "
        "metadata the model was fitted with, or the one another tool was given.",
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        help="The generator of SYNTHETIC, named in the report: a name such as 'ctgan', or the "
        "model file it was sampled from (the report names the file and its model; default: "
        "not stated).",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of every sample and model."),
    rule: list[str] | None = typer.Option(
        None,
        "--rule",
        metavar="RULE",
        help="A rule to report with its share of breaking rows in each table, repeatable "
        "('start <= end', 'fixed: city, zip', ...; default: the metadata's rules).",
    ),
    columns: str | None = typer.Option(
        None,
        "--columns",
        metavar="A,B,...",
        help="Compare only these columns, named in the report (default: the tables must have "
        "the same columns).",
    ),
    engine: str = typer.Option(
        "local",
        "--engine",
        help="local: read the tables into memory; dask: REAL, SYNTHETIC (and --holdout) are "
        "Parquet files or globs ('real/*.parquet') read on a Dask cluster: column shapes and "
        "pair trends from summaries of every row, every other score on seeded samples of "
        "--sample-rows rows, as the report says.",
    ),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    sample_rows: int = typer.Option(
        100_000, "--sample-rows", help="With --engine dask: rows sampled from each table."
    ),
    sequence_key: str | None = typer.Option(
        None, "--sequence-key", help="Also compare the tables as sequences of this key's entities."
    ),
    sequence_index: str | None = typer.Option(
        None, "--sequence-index", help="With --sequence-key: the column ordering the events."
    ),
    real_context: Path | None = typer.Option(
        None, "--context", help="With --sequence-key: the real entities' context table."
    ),
    synthetic_context: Path | None = typer.Option(
        None, "--synthetic-context", help="With --context: the synthetic entities' context."
    ),
    holdout_context: Path | None = typer.Option(
        None, "--holdout-context", help="With --context and --holdout: the holdout's context."
    ),
) -> None:
    """Measure fidelity, utility, diversity, privacy and bias of a synthetic table."""
    from ..errors import DataError
    from ..evaluation.report import evaluate as run_evaluation
    from ..evaluation.text import NO_SCORE
    from ..metadata import Metadata
    from .engines import check_engine

    outputs = [p for p in (report, json_path) if p is not None]
    if len({p.resolve() for p in outputs}) < len(outputs):
        raise DataError("--report and --json name the same file; give each its own path")
    for path in outputs:
        check_output(path, [real, synthetic, holdout, metadata_path])
    if real.is_dir() and engine == "local":  # a dataset of several tables, folder by folder
        from .datasets import evaluate_datasets

        if report is not None:
            raise DataError("a dataset's scores are written with --json (no HTML report yet)")
        held = str(holdout) if holdout is not None else None
        evaluate_datasets(str(real), str(synthetic), held, metadata_path, json_path, seed)
        return
    metadata = Metadata.load(metadata_path) if metadata_path else None
    named = {"real": real, "synthetic": synthetic, "holdout": holdout, "metadata": metadata_path}
    options = {
        "inputs": {label: str(path) for label, path in named.items() if path is not None},
        "model": _model_label(model),
        "command": _command_line(context),
        "metadata": metadata,
        "target": target,
        "sensitive": sensitive or None,
        "verbose": not is_quiet(),
        "columns": [c.strip() for c in columns.split(",") if c.strip()] if columns else None,
    }
    check_engine(engine, scheduler, None)
    contexts = {"real": real_context, "synthetic": synthetic_context, "holdout": holdout_context}
    options |= sequence_options(sequence_key, sequence_index, contexts, engine)
    if rule:
        if engine == "dask":
            raise DataError("--rule works with --engine local (the rules' shares need every row)")
        options["rules"] = list(rule)
    if engine == "dask":
        from ..scale.cluster import dask_client
        from ..scale.evaluating import evaluate_dask

        if sample_rows < 2:
            raise DataError(f"--sample-rows must be at least 2, not {sample_rows}")
        with dask_client(scheduler, announce=announce):
            result = evaluate_dask(
                real, synthetic, holdout=holdout, sample_rows=sample_rows, seed=seed, **options
            )
    else:
        result = run_evaluation(
            _compared(real),
            _compared(synthetic),
            holdout=_compared(holdout) if holdout else None,
            seed=seed,
            **options,  # type: ignore[arg-type]
        )
    rows = []
    for area, entry in result.verdicts.by_area():
        score = NO_SCORE if entry.score is None else f"{entry.score:.3f}"
        rows.append([area, score, entry.verdict, entry.sentence])
    title = f"{synthetic} against {real}" + (f" (model {options['model']})" if model else "")
    print_table(title, ["area", "score", "verdict", "in words"], rows)
    whole = result.settings.whole_table
    if whole is not None:
        out.print(
            f"whole tables, from summaries: column shapes {whole.column_shapes_mean}, "
            f"pair trends {whole.pair_trends_mean}"
        )
    print_sequences(result)
    for warning in result.settings.warnings:
        out.print(f"warning: {warning}", style="bold red", markup=False, soft_wrap=True)
    for note in result.settings.notes:
        out.print(f"note: {note}")
    writers: dict[Path, Callable[[Path], object]] = {}
    if json_path is not None:
        writers[json_path] = result.to_json
    if report is not None:
        writers[report] = result.to_html
    write_together(writers)
    for path in writers:
        out.print(f"{'scores' if path == json_path else 'report'} written to {path}")


def _model_label(model: str | None) -> str | None:
    """`--model` as the report names it: a model file as 'NAME (PATH)', anything else as is."""
    if model is None or not Path(model).is_file():
        return model
    from ..modelfile import read_model

    manifest, _ = read_model(model)
    return f"{manifest.get('model', 'a model')} ({model})"


def _command_line(context: typer.Context) -> str:
    """The command as parsed: `simulacra evaluate` with every argument and every option that
    differs from its default (global flags such as --quiet left out)."""
    import shlex

    words = context.command_path.split()
    for param in context.command.params:
        value = context.params.get(param.name or "")
        if value is None or value == param.default or value == []:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if param.param_type_name == "option":
                words.append(max(param.opts, key=len))
            words.append(str(item))
    return shlex.join(words)


def _compared(path: Path) -> pd.DataFrame:
    """A table read for evaluation: nearest-neighbour and classifier scores need two rows."""
    from ..errors import DataError

    table = load_table(path)
    if len(table) < 2:
        raise DataError(f"{path}: has {len(table)} row; evaluate needs at least 2 in each table")
    return table
