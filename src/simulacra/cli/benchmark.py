"""`simulacra benchmark`: registered models x tables (bundled or files), one leaderboard."""

from __future__ import annotations

from pathlib import Path

import typer

from .._progress import is_quiet
from . import app
from .common import out, print_table


@app.command(
    epilog=(
        "Examples:\n\n\b\n  simulacra benchmark --models copula,tvae:epochs=5 --tables wa_churn "
        "-o bench/\n  simulacra benchmark --models copula,ctgan --tables data.csv --target churn "
        "-o bench/\n\nRun it again to resume: finished cells (bench/cells/*.json) are skipped."
    )
)
def benchmark(
    models: str = typer.Option(
        "copula",
        "--models",
        metavar="M[:K=V,..],..",
        help="Models to compare, separated by ',' or ';', each a registered name with optional "
        "parameters (copula,tvae:epochs=5,batch_size=200), or a peer run in its own "
        "interpreter: sdv-gaussiancopula, sdv-ctgan, sdv-tvae (SDV_PYTHON), "
        "mostlyai-tabularargn (MOSTLYAI_PYTHON).",
    ),
    tables: str = typer.Option(
        "wa_churn",
        "--tables",
        metavar="T,..",
        help="Bundled tables (diamonds, wa_churn, penguins) or paths of CSV, Parquet or "
        "JSON-lines files.",
    ),
    target: str | None = typer.Option(
        None,
        "--target",
        help="Column that utility predicts in the table files (bundled tables have their own; "
        "default: utility not measured on files).",
    ),
    out_dir: Path = typer.Option(
        Path("benchmark_output"), "-o", "--out", help="Folder for cells, JSON and leaderboard."
    ),
    rows: int | None = typer.Option(
        None, "--rows", help="Cap each table at this many rows (default: all)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of every split, model and sample."),
) -> None:
    """Fit, sample and evaluate every model on every table; write JSON and an HTML leaderboard.
    The best model of a table is the most realistic one not rated high privacy risk."""
    from ..evaluation.leaderboard import BEST_RULE, HOLDOUT, best_sentence, reference_row
    from .benchmarking import parse_models, run_benchmark

    specs = parse_models(models)
    names = [t.strip() for t in tables.split(",") if t.strip()]
    result = run_benchmark(
        specs, names, out_dir, seed=seed, rows=rows, verbose=not is_quiet(), target=target
    )
    keys = ("realism", "quality", "privacy", "dcr_share", "utility")
    rows_out = []
    for table in names:
        cells = [c for c in result["cells"] if c["table"] == table and not c.get("skipped")]
        for c in cells:
            seconds = f"{c['fit_seconds'] + c['sample_seconds']:.1f}"
            rows_out.append([table, c["model"], *(_num(c[k]) for k in keys), seconds])
        reference = reference_row(cells)
        if reference is not None:
            rows_out.append([table, HOLDOUT, *(_num(reference[k]) for k in keys), ""])
    print_table(
        "benchmark",
        ["table", "model", "realism", "quality", "privacy", "DCR share", "utility", "seconds"],
        rows_out,
    )
    for c in result["cells"]:
        if c.get("skipped"):
            out.print(f"{c['model']} on {c['table']}: skipped, {c['skipped']}")
    out.print(
        f"{BEST_RULE}; the holdout row is the reference every score is judged against",
        soft_wrap=True,
    )
    for table in names:
        cells = [c for c in result["cells"] if c["table"] == table]
        out.print(f"best on {table}: {best_sentence(cells)}", soft_wrap=True)
    out.print(f"leaderboard written to {out_dir / 'leaderboard.html'}")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"
