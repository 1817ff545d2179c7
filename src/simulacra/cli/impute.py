"""`simulacra impute`: fill the missing cells of a table with a model that conditions on any
columns."""

from __future__ import annotations

from pathlib import Path

import typer

from .._progress import status
from ..registry import able_to
from . import app
from .common import ENCODING_HELP, check_output, load_table, out


@app.command(
    epilog=(
        "Example:\n\n  simulacra fit data.csv -m autoregressive -o m.simulacra\n\n"
        "  simulacra impute m.simulacra gaps.csv -o filled.csv --seed 1"
    )
)
def impute(
    model: Path = typer.Argument(..., help="Model file written by `simulacra fit`."),
    data: Path = typer.Argument(..., help="Table with missing cells (same columns)."),
    output: Path = typer.Option(
        ..., "-o", "--out", "--output", help="CSV, Parquet or JSON-lines file."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Fill the missing cells of a table, each drawn given the rest of its row."""
    from ..errors import ParameterError
    from ..io import write_table
    from ..synthesizers import Synthesizer

    check_output(output, [model, data])
    with status(f"loading {model}"):
        synthesizer = Synthesizer.load(model)
    if "impute" not in synthesizer.tags:
        fit_with = " or ".join(f"-m {name}" for name in able_to("impute"))
        raise ParameterError(
            f"{model}: a {synthesizer.name} model cannot impute; fit one with {fit_with}"
        )
    table = load_table(data, encoding)
    missing = int(table.isna().to_numpy().sum())
    with status(f"imputing {missing:,} cells"):
        filled = synthesizer.impute(table, seed=seed)  # type: ignore[attr-defined]  # its tag
    with status(f"writing {output}"):
        write_table(filled, output)
    left = int(filled.isna().to_numpy().sum())
    out.print(f"filled {missing - left:,} of {missing:,} missing cells -> {output}")


impute.__doc__ = (
    "Fill the missing cells of a table, each drawn given the rest of its row (models that "
    f"condition on any columns: {', '.join(able_to('impute'))})."
)
