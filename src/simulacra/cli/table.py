"""Commands over tables: inspect, fit, sample, demo."""

from __future__ import annotations

from pathlib import Path

import typer

from ..io import read_table, write_chunks, write_table
from ..metadata import Metadata
from ..synthesizers import Synthesizer, names
from . import app
from .common import out, parse_pairs, print_table


@app.command(
    epilog="Examples:\n\n  simulacra inspect data.csv\n\n  simulacra inspect data.csv --json m.json"
)
def inspect(
    data: Path = typer.Argument(..., help="CSV, Parquet or JSON-lines table."),
    json_path: Path | None = typer.Option(None, "--json", help="Also save the metadata here."),
) -> None:
    """Show the metadata simulacra infers for a table (edit the JSON to override kinds)."""
    metadata = Metadata.infer(read_table(data))
    rows = []
    for name, col in metadata.columns.items():
        details = {
            k: v for k, v in col.to_dict().items() if k not in ("kind", "dtype", "null_share")
        }
        rows.append([name, col.kind, col.dtype, f"{col.null_share:.1%}", _short(details)])
    print_table(
        f"{data} ({len(rows)} columns)", ["column", "kind", "dtype", "nulls", "details"], rows
    )
    if json_path is not None:
        metadata.save(json_path)
        out.print(f"metadata written to {json_path}")


def _short(details: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in details.items())


@app.command(
    epilog=(
        "Examples:\n\n  simulacra fit data.csv -m copula -o model.simulacra\n\n"
        "  simulacra fit data.csv -m copula --param marginals=parametric -o m.simulacra\n\n"
        "  simulacra fit data.csv --metadata meta.json --seed 1 -o m.simulacra\n\n"
        "  simulacra fit data.csv -m ctgan --epochs 300 --batch-size 500 -o m.simulacra"
    )
)
def fit(
    data: Path = typer.Argument(..., help="CSV, Parquet or JSON-lines table to learn."),
    model: str = typer.Option("copula", "-m", "--model", help="Synthesizer name."),
    output: Path = typer.Option(..., "-o", "--output", help="Model file to write."),
    metadata_path: Path | None = typer.Option(None, "--metadata", help="Metadata JSON to use."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    param: list[str] | None = typer.Option(None, "--param", help="Model parameter name=value."),
    epochs: int | None = typer.Option(None, "--epochs", help="Training epochs (ctgan, tvae)."),
    batch_size: int | None = typer.Option(
        None, "--batch-size", help="Training batch size (ctgan, tvae)."
    ),
) -> None:
    """Learn a table and save the model."""
    from .._progress import is_quiet

    params = {"seed": seed, **parse_pairs(param, "--param")}
    if epochs is not None:
        params["epochs"] = epochs
    if batch_size is not None:
        params["batch_size"] = batch_size
    synthesizer = Synthesizer(model, verbose=not is_quiet(), **params)
    table = read_table(data)
    metadata = Metadata.load(metadata_path) if metadata_path else None
    synthesizer.fit(table, metadata)
    synthesizer.save(output)
    info = synthesizer.describe()["fit"]
    out.print(f"fitted {model} on {info['rows']:,} rows in {info['seconds']:.1f}s -> {output}")


fit.__doc__ = f"Learn a table and save the model (models: {', '.join(names())})."


@app.command(
    epilog=(
        "Examples:\n\n  simulacra sample model.simulacra -n 1000000 -o synth.parquet\n\n"
        "  simulacra sample model.simulacra -n 500 -o ideal.csv --condition cut=Ideal --seed 3\n\n"
        "  simulacra sample model.simulacra -n 5000 -o bal.csv --rebalance churn --ratio 1"
    )
)
def sample(
    model: Path = typer.Argument(..., help="Model file written by `simulacra fit`."),
    rows: int = typer.Option(..., "-n", "--rows", help="Number of rows."),
    output: Path = typer.Option(..., "-o", "--output", help="CSV, Parquet or JSON-lines file."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    condition: list[str] | None = typer.Option(
        None, "--condition", help="column=value every row must meet (repeatable)."
    ),
    rebalance_column: str | None = typer.Option(
        None, "--rebalance", help="Add rows of the minority classes of this column."
    ),
    ratio: float = typer.Option(1.0, "--ratio", help="With --rebalance: minority/majority share."),
) -> None:
    """Sample synthetic rows from a saved model, streamed to a file in chunks."""
    from .._progress import is_quiet

    synthesizer = Synthesizer.load(model)
    synthesizer.verbose = not is_quiet()
    conditions = parse_pairs(condition, "--condition", typed=False)
    if rebalance_column is not None:
        from ..rebalance import rebalance

        base = synthesizer.sample(rows, conditions=conditions, seed=seed)
        table = rebalance(base, rebalance_column, synthesizer, ratio=ratio, seed=seed + 1)
        write_table(table, output)
        counts = table[rebalance_column].value_counts().to_dict()
        out.print(f"wrote {len(table):,} rows to {output} ({rebalance_column}: {counts})")
        return
    chunks = synthesizer.iter_sample(rows, conditions=conditions, seed=seed)
    write_chunks(chunks, output)
    out.print(f"wrote {rows:,} rows to {output}")


@app.command(epilog="Example:\n\n  simulacra demo --out demo_output")
def demo(
    out_dir: Path = typer.Option(Path("demo_output"), "--out", help="Folder for the files."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
) -> None:
    """Fit the copula on the bundled diamonds table, sample as many rows, show fidelity."""
    from ..demo import run_demo

    run_demo(out_dir, seed)
