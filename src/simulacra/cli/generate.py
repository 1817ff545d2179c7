"""Commands that build data from a specification or reproduce the reference paper."""

from __future__ import annotations

from pathlib import Path

import typer

from .._progress import is_quiet, status
from ..errors import ParameterError
from ..registry import names
from . import app
from .common import (
    ENGINE_HELP,
    PARTITIONS_HELP,
    SCHEDULER_HELP,
    announce,
    check_output,
    out,
    print_table,
)


def _wide_table(title: str, headers: list[str], rows: list[list[str]]) -> None:
    """A table at least 160 characters wide: the explanations stay readable when piped."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console(width=max(out.width, 160)).print(table)


_TABLE_MODELS = ", ".join(names("table"))

reproduce_app = typer.Typer(
    help="Reproduce published experiments (the reference paper).", no_args_is_help=True
)
app.add_typer(reproduce_app, name="reproduce")


@app.command(
    epilog=(
        "Examples:\n\n  simulacra generate --list\n\n"
        "  simulacra generate spec.yaml -n 5000 -o data.parquet --seed 0\n\n"
        "  simulacra generate user-stories -o stories.csv\n\n"
        "  simulacra generate spec.yaml -n 20000000 -o data/ --engine dask"
    )
)
def generate(
    spec: str | None = typer.Argument(
        None, help="A YAML/JSON specification file or a built-in scenario name."
    ),
    rows: int | None = typer.Option(
        None, "-n", "--rows", help="Rows (default: the number the spec gives)."
    ),
    output: Path | None = typer.Option(
        None,
        "-o",
        "--out",
        "--output",
        help="CSV, Parquet or JSON-lines file (required unless --list).",
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same bytes)."),
    list_scenarios: bool = typer.Option(False, "--list", help="List the built-in scenarios."),
    engine: str = typer.Option("local", "--engine", help=ENGINE_HELP),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    partitions: int | None = typer.Option(None, "--partitions", help=PARTITIONS_HELP),
) -> None:
    """Build a dataset from a specification or a built-in scenario."""
    from ..io import write_chunks
    from ..specs import resolve
    from ..specs.scenarios import SCENARIOS
    from .engines import check_engine

    if list_scenarios:
        rows_ = [[s.name, s.summary] for s in SCENARIOS.values()]
        print_table("built-in scenarios", ["name", "what it makes"], rows_)
        return
    if spec is None or output is None:
        raise ParameterError(
            "generate needs a SPEC (file or scenario name) and -o OUTPUT (or --list)"
        )
    check_engine(engine, scheduler, partitions)
    if engine == "dask":
        from ..scale.commands import generate_to_dataset

        made, parts = generate_to_dataset(
            spec,
            rows,
            output,
            seed=seed,
            partitions=partitions,
            scheduler=scheduler,
            announce=announce,
            verbose=not is_quiet(),
        )
        files = "file" if parts == 1 else "files"
        out.print(f"wrote {made:,} rows in {parts:,} Parquet {files} to {output}/")
        return
    check_output(output, [Path(spec)])
    with status(f"reading {spec}"):
        parsed = resolve(spec)
    count = rows if rows is not None else parsed.rows
    with status(f"writing {output}"):
        write_chunks(parsed.iter_generate(rows, seed, verbose=not is_quiet()), output)
    out.print(f"wrote {count:,} rows x {len(parsed.columns)} columns ({parsed.name}) to {output}")


@reproduce_app.command(
    epilog=(
        "Examples:\n\n  simulacra reproduce paper\n\n"
        "  simulacra reproduce paper --seeds 10 -o results"
    )
)
def paper(
    seeds: int = typer.Option(5, "--seeds", help="Seeds per experiment (0 .. seeds-1)."),
    out_dir: Path = typer.Option(
        Path("paper_results"), "-o", "--out", help="Folder for the files."
    ),
    claim_seeds: int = typer.Option(
        1, "--claim-seeds", help="Seeds for the synthetic-vs-real test (0 skips it)."
    ),
    epochs: int | None = typer.Option(
        None,
        "--epochs",
        # the number is experiments.claim.QUICK_EPOCHS (not imported here: it loads numpy)
        help="Epochs for neural synthesizers (default 5, a quick run; copula has none).",
    ),
    workers: int = typer.Option(
        1, "--workers", help="Processes for the synthetic-vs-real jobs (for idle multi-core hosts)."
    ),
    synthesizer: list[str] | None = typer.Option(
        None,
        "-m",
        "--model",
        help="Synthesizer for the claim, repeatable "
        f"(default: every registered one: {_TABLE_MODELS}).",
    ),
) -> None:
    """The reference paper's three experiments beside its reported figures, plus its claim."""
    from ..experiments.claim import QUICK_EPOCHS
    from ..experiments.paper import LABELS, reproduce_paper

    if seeds < 1 or claim_seeds < 0:
        raise ParameterError("--seeds must be >= 1 and --claim-seeds >= 0")
    results = reproduce_paper(
        out_dir,
        seeds=seeds,
        synthesizers=synthesizer,
        claim_seeds=min(claim_seeds, seeds),
        epochs=epochs if epochs is not None else QUICK_EPOCHS,
        workers=workers,
        verbose=not is_quiet(),
    )
    rows = [
        [
            r["experiment"],
            LABELS[r["metric"]],
            "-" if r["paper"] is None else f"{r['paper']:.2f}",
            f"{r['mean']:.4f} +- {r['std']:.4f}",
            r["why"],
        ]
        for r in results["table"]
    ]
    _wide_table(
        f"paper vs measured ({seeds} seeds; test rows unless 'train')",
        ["experiment", "metric", "paper", "ours (mean +- std)", "where and why they differ"],
        rows,
    )
    claim = [
        [
            r["experiment"],
            r["synthesizer"],
            LABELS[r["metric"]],
            f"{r['real']:.4f}",
            f"{r['synthetic']:.4f}" if r["error"] is None else f"failed: {r['error']}",
            "-" if r["error"] is not None else f"{r['gap']:+.4f}",
        ]
        for r in results["claim"]
    ]
    if claim:
        print_table(
            "train on synthetic, test on real",
            ["experiment", "synthesizer", "metric", "real", "synthetic", "gap"],
            claim,
        )
    out.print(f"results and figures in {out_dir} ({results['seconds']} s)")
