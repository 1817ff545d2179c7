"""`simulacra evaluate`: score a synthetic table against the real one."""

from __future__ import annotations

from pathlib import Path

import typer

from ..evaluation.report import evaluate as run_evaluation
from ..io import read_table
from ..metadata import Metadata
from . import app
from .common import out, print_table


@app.command(
    epilog=(
        "Examples:\n\n  simulacra evaluate real.csv synth.parquet --report report.html\n\n"
        "  simulacra evaluate train.csv synth.parquet --holdout test.csv --target churn "
        "--sensitive sex --report report.html --json scores.json"
    )
)
def evaluate(
    real: Path = typer.Argument(..., help="The real table the generator learned from."),
    synthetic: Path = typer.Argument(..., help="The synthetic table to judge."),
    holdout: Path | None = typer.Option(
        None,
        "--holdout",
        help="Real rows the generator never saw (privacy tests, utility test set).",
    ),
    target: str | None = typer.Option(None, "--target", help="Column that utility models predict."),
    sensitive: list[str] | None = typer.Option(
        None, "--sensitive", help="Sensitive column for attribute inference and bias (repeatable)."
    ),
    report: Path | None = typer.Option(None, "--report", help="Write the HTML report here."),
    json_path: Path | None = typer.Option(None, "--json", help="Write every score as JSON here."),
    metadata_path: Path | None = typer.Option(
        None, "--metadata", help="Metadata JSON (inferred from the real table if not given)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of every sample and model."),
) -> None:
    """Measure fidelity, utility, diversity, privacy and bias of a synthetic table."""
    from .._progress import is_quiet

    metadata = Metadata.load(metadata_path) if metadata_path else None
    result = run_evaluation(
        read_table(real),
        read_table(synthetic),
        metadata=metadata,
        holdout=read_table(holdout) if holdout else None,
        target=target,
        sensitive=sensitive or None,
        seed=seed,
        verbose=not is_quiet(),
    )
    rows = []
    for area in ("fidelity", "utility", "diversity", "privacy", "bias"):
        entry = result.scores[area]
        score = "" if entry["score"] is None else f"{entry['score']:.3f}"
        rows.append([area, score, entry["verdict"], entry["sentence"]])
    print_table(f"{synthetic} against {real}", ["area", "score", "verdict", "in words"], rows)
    for note in result.scores["settings"]["notes"]:
        out.print(f"note: {note}")
    if json_path is not None:
        out.print(f"scores written to {result.to_json(json_path)}")
    if report is not None:
        out.print(f"report written to {result.to_html(report)}")
