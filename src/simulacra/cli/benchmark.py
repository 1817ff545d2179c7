"""`simulacra benchmark`: registered models x bundled tables, one leaderboard."""

from __future__ import annotations

from pathlib import Path

import typer

from .._progress import is_quiet
from . import app
from .common import out, print_table


@app.command(
    epilog=(
        "Example:\n\n  simulacra benchmark --models copula,tvae:epochs=5 --tables wa_churn "
        "-o bench/\n\nRun it again to resume: finished cells (bench/cells/*.json) are skipped."
    )
)
def benchmark(
    models: str = typer.Option(
        "copula",
        "--models",
        metavar="M[:K=V,..];..",
        help="Models to compare, ';'-separated, each a registered name with optional "
        "parameters (copula;tvae:epochs=5), or a peer run in its own interpreter: "
        "sdv-gaussiancopula, sdv-ctgan, sdv-tvae (SDV_PYTHON), mostlyai-tabularargn "
        "(MOSTLYAI_PYTHON).",
    ),
    tables: str = typer.Option(
        "wa_churn", "--tables", metavar="T,..", help="Bundled tables: diamonds, wa_churn, penguins."
    ),
    out_dir: Path = typer.Option(
        Path("benchmark_output"), "-o", "--out", help="Folder for cells, JSON and leaderboard."
    ),
    rows: int | None = typer.Option(
        None, "--rows", help="Cap each table at this many rows (default: all)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of every split, model and sample."),
) -> None:
    """Fit, sample and evaluate every model on every table; write JSON and an HTML leaderboard."""
    from ..evaluation.benchmark import best_model, run_benchmark

    specs = [m.strip() for m in models.replace("|", ";").split(";") if m.strip()]
    if len(specs) == 1 and ":" not in specs[0]:
        specs = [m.strip() for m in specs[0].split(",") if m.strip()]
    names = [t.strip() for t in tables.split(",") if t.strip()]
    result = run_benchmark(specs, names, out_dir, seed=seed, rows=rows, verbose=not is_quiet())
    rows_out = [
        [
            c["table"],
            c["model"],
            *(_num(c[k]) for k in ("realism", "quality", "privacy", "dcr_share", "utility")),
            f"{c['fit_seconds'] + c['sample_seconds']:.1f}",
        ]  # fmt: skip
        for c in result["cells"]
        if not c.get("skipped")
    ]
    print_table(
        "benchmark",
        ["table", "model", "realism", "quality", "privacy", "DCR share", "utility", "seconds"],
        rows_out,
    )
    for c in result["cells"]:
        if c.get("skipped"):
            out.print(f"{c['model']} on {c['table']}: skipped, {c['skipped']}")
    for table in names:
        cells = [c for c in result["cells"] if c["table"] == table]
        out.print(f"best on {table}: {best_model(cells)}")
    out.print(f"leaderboard written to {out_dir / 'leaderboard.html'}")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"
