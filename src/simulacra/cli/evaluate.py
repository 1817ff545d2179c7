"""`simulacra evaluate`: score a synthetic table against the real one."""

from __future__ import annotations

from pathlib import Path

import typer

from .._progress import is_quiet, status
from . import app
from .common import load_table, out, print_table


@app.command(
    epilog=(
        "Examples:\n\n  simulacra evaluate real.csv synth.parquet --report report.html\n\n"
        "  simulacra evaluate train.csv synth.parquet --holdout test.csv --target churn "
        "--sensitive sex -o report.html --json scores.json"
    )
)
def evaluate(
    real: Path = typer.Argument(..., help="The real table the generator learned from."),
    synthetic: Path = typer.Argument(..., help="The synthetic table to judge."),
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
        None, "--metadata", help="Metadata JSON (inferred from the real table if not given)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of every sample and model."),
) -> None:
    """Measure fidelity, utility, diversity, privacy and bias of a synthetic table."""
    from ..evaluation.report import evaluate as run_evaluation
    from ..metadata import Metadata

    metadata = Metadata.load(metadata_path) if metadata_path else None
    result = run_evaluation(
        load_table(real),
        load_table(synthetic),
        metadata=metadata,
        holdout=load_table(holdout) if holdout else None,
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
        with status(f"writing {report}"):
            written = result.to_html(report)
        out.print(f"report written to {written}")
