"""`simulacra distil`: a fast student model fitted on rows sampled from a slow teacher
(`synthesizers/distil.py`); the command only parses, calls it and reports."""

from __future__ import annotations

from pathlib import Path

import typer

from .._progress import is_quiet, status
from ..registry import names, option_help
from . import app
from .common import check_output, given, out, parse_pairs


@app.command(
    epilog=(
        "Examples:\n\n  simulacra distil ddpm.simulacra -o fast.simulacra\n\n"
        "  simulacra distil ensemble.simulacra -o fast.simulacra --rows 200000 --seed 1\n\n"
        "  simulacra distil ddpm.simulacra -o fast.simulacra --epochs 100 --time-budget 300"
    )
)
def distil(
    teacher: Path = typer.Argument(
        ..., help="Model file of the teacher: any table model written by `simulacra fit`."
    ),
    output: Path = typer.Option(..., "-o", "--out", "--output", help="Model file to write."),
    rows: int | None = typer.Option(
        None,
        "--rows",
        help="Rows the teacher samples for the student to learn (default: 10 per row the "
        "teacher learned, from 20,000 to 200,000).",
    ),
    model: str = typer.Option(
        "autoregressive",
        "-m",
        "--model",
        help=f"The student's model: {', '.join(names('table'))} (default: autoregressive).",
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed of the teacher's sample and the fit."),
    param: list[str] | None = typer.Option(
        None,
        "--param",
        metavar="NAME=VALUE",
        help="Student parameter name=value, repeatable (default: the model's own defaults).",
    ),
    epochs: int | None = typer.Option(None, "--epochs", help=option_help("epochs")),
    time_budget: float | None = typer.Option(
        None, "--time-budget", help="Seconds the student's fit may take (default: no limit)."
    ),
) -> None:
    """Distil a model: fit a fast student on rows sampled from TEACHER, never on real rows
    (its privacy is the teacher's)."""
    from ..synthesizers.distil import distil as distil_model
    from ..synthesizers.distil import load_teacher

    check_output(output, [teacher], model=True)
    params = {**parse_pairs(param, "--param"), **given(epochs=epochs, time_budget=time_budget)}
    fitted, source = load_teacher(teacher)
    with status(f"sampling {fitted.name} and fitting {model}"):
        student = distil_model(
            fitted, rows=rows, model=model, seed=seed, verbose=not is_quiet(), **params
        )
    assert student.distilled_ is not None
    student.distilled_["source"] = source
    with status(f"writing {output}"):
        student.save(output)
    info = student.fit_info_
    out.print(
        f"distilled {fitted.name} ({source}) into {model} on {info['rows']:,} sampled rows in "
        f"{info['seconds']:.1f}s -> {output}"
    )
