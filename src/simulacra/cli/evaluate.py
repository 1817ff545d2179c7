"""`simulacra evaluate`: score a synthetic table against the real one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from .._progress import is_quiet
from . import app
from .common import check_output, load_table, out, print_table, write_together


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
    columns: str | None = typer.Option(
        None,
        "--columns",
        metavar="A,B,...",
        help="Compare only these columns, named in the report (default: the tables must have "
        "the same columns).",
    ),
) -> None:
    """Measure fidelity, utility, diversity, privacy and bias of a synthetic table."""
    from ..errors import DataError
    from ..evaluation.report import evaluate as run_evaluation
    from ..metadata import Metadata

    outputs = [p for p in (report, json_path) if p is not None]
    if len({p.resolve() for p in outputs}) < len(outputs):
        raise DataError("--report and --json name the same file; give each its own path")
    for path in outputs:
        check_output(path, [real, synthetic, holdout, metadata_path])
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
        columns=[c.strip() for c in columns.split(",") if c.strip()] if columns else None,
    )
    rows = []
    for area in ("fidelity", "utility", "diversity", "privacy", "bias"):
        entry = result.scores[area]
        score = "" if entry["score"] is None else f"{entry['score']:.3f}"
        rows.append([area, score, entry["verdict"], entry["sentence"]])
    print_table(f"{synthetic} against {real}", ["area", "score", "verdict", "in words"], rows)
    for note in result.scores["settings"]["notes"]:
        out.print(f"note: {note}")
    writers: dict[Path, Callable[[Path], object]] = {}
    if json_path is not None:
        writers[json_path] = result.to_json
    if report is not None:
        writers[report] = result.to_html
    write_together(writers)
    for path in writers:
        out.print(f"{'scores' if path == json_path else 'report'} written to {path}")
