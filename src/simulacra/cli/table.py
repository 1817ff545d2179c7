"""Commands over tables: inspect, fit, sample, impute, demo.

pandas and the models load inside each command, so `simulacra --help` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .._progress import is_quiet, status, track_rows
from ..registry import able_to, names, option_help
from . import app
from .choice import DEFAULT_BUDGET, DEFAULT_HELP, budget_params, check_fit_options, choose_model
from .common import (
    ENCODING_HELP,
    ENGINE_HELP,
    PARTITIONS_HELP,
    SCHEDULER_HELP,
    check_output,
    err,
    given,
    load_table,
    out,
    parse_pairs,
    print_details,
    print_table,
    write_json,
)
from .engines import check_engine, fit_dask, sample_dask
from .rules import RULE_HELP, with_proposed_rules

if TYPE_CHECKING:
    pass


@app.command(
    epilog=(
        "Examples:\n\n  simulacra inspect data.csv\n\n  simulacra inspect data.csv -o meta.json\n\n"
        "  simulacra inspect model.simulacra\n\n  simulacra inspect model.simulacra --json m.json"
        "\n\n  simulacra inspect --params ctgan"
    )
)
def inspect(
    path: str = typer.Argument(
        ...,
        help="A CSV, Parquet or JSON-lines table, a model file written by `fit`, a folder of "
        "tables or a database URL (a dataset: keys and relations); with --params, a model's "
        "name.",
    ),
    params: bool = typer.Option(
        False,
        "--params",
        help="PATH is a model's name (copula, ctgan, ..., vae, ..., upscaler): show its "
        "parameters, their defaults, allowed values and meaning.",
    ),
    json_path: Path | None = typer.Option(
        None,
        "-o",
        "--out",
        "--json",
        help="Also write JSON here: a table's metadata, or what a model learned "
        "(default: print only).",
    ),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
) -> None:
    """Show the metadata simulacra infers for a table (edit the JSON to override kinds), or
    what a saved model learned: parameters, encodings, networks, training, fit time; or with
    --params the parameters a model takes."""
    from .datasets import inspect_dataset, is_dataset

    file = Path(path)
    if json_path is not None:
        check_output(json_path, [] if is_dataset(path) else [file])
    if not params and is_dataset(path):
        inspect_dataset(path, json_path, None, encoding)
    elif params:
        _inspect_params(path, json_path)
    elif _holds_model(file):
        _inspect_model(file, json_path)
    else:
        _inspect_table(file, json_path, encoding)


def _holds_model(path: Path) -> bool:
    """A model file: named `.simulacra`, or any zip with a model manifest."""
    import zipfile

    if path.suffix.lower() == ".simulacra":
        return True
    try:
        with zipfile.ZipFile(path) as archive:
            return "manifest.json" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def _inspect_table(path: Path, json_path: Path | None, encoding: str | None) -> None:
    import warnings

    from ..errors import DataNote
    from ..metadata import Metadata

    table = load_table(path, encoding)
    with status("inferring metadata"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DataNote)  # the notes are a column of the table below
        metadata = Metadata.infer(table)
    rows = []
    for name, col in metadata.columns.items():
        details = {
            k: v
            for k, v in col.to_dict().items()
            if k not in ("kind", "dtype", "null_share", "extra")
        }
        row = [name, col.kind, col.dtype, f"{col.null_share:.1%}", _short(details)]
        rows.append([*row, col.note or ""])
    headers = ["column", "kind", "dtype", "nulls", "details", "note"]
    print_table(f"{path} ({len(rows)} columns)", headers, rows)
    metadata = with_proposed_rules(table, metadata)
    from ..sequence_keys import propose_sequence

    proposal = propose_sequence(table, metadata)
    if proposal is not None:
        out.print(f"sequences: {proposal.sentence()}", soft_wrap=True)
    if json_path is not None:
        with status(f"writing {json_path}"):
            metadata.save(json_path)
        out.print(f"metadata written to {json_path}")


def _inspect_model(path: Path, json_path: Path | None) -> None:
    from ..model import load_model

    with status(f"loading {path}"):
        model = load_model(path)
        details = model.describe()
    print_details(f"{path}: {model.kind} model '{model.name}'", details)
    if json_path is not None:
        write_json(json_path, details)
        out.print(f"description written to {json_path}")


def _inspect_params(name: str, json_path: Path | None) -> None:
    from ..model import TAGS
    from ..params import parameter_table
    from .catalog import find_model

    kind, cls = find_model(name)
    rows = parameter_table(cls)
    tags = ", ".join(t for t in TAGS if t in getattr(cls, "tags", ()))
    title = f"{kind} model '{name}'" + (f" ({tags})" if tags else "")
    print_table(
        title, ["parameter", "default", "allowed", "meaning"], [list(r.values()) for r in rows]
    )
    if json_path is not None:
        write_json(json_path, {"kind": kind, "model": name, "tags": tags, "params": rows})
        out.print(f"parameters written to {json_path}")


def _short(details: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in details.items())


@app.command(
    epilog=(
        "Examples:\n\n  simulacra fit data.csv -o model.simulacra\n\n"
        "  simulacra fit data.csv --time-budget 60 -o model.simulacra\n\n"
        "  simulacra fit data.csv -m copula -o model.simulacra\n\n"
        "  simulacra fit data.csv -m copula --param marginals=parametric -o m.simulacra\n\n"
        "  simulacra fit data.csv --metadata meta.json --seed 1 -o m.simulacra\n\n"
        "  simulacra fit data.csv -m ctgan --epochs 300 --batch-size 500 -o m.simulacra\n\n"
        "  simulacra fit data.csv -m mst --epsilon 1 --metadata meta.json -o m.simulacra\n\n"
        "  simulacra fit data.csv -m mst --epsilon 1 --infer-schema -o m.simulacra\n\n"
        "  simulacra fit visits.csv --sequence-key patient_id --sequence-index visit_date "
        "--context patients.csv -o m.simulacra"
    )
)
def fit(
    data: str = typer.Argument(
        ...,
        help="CSV, Parquet or JSON-lines table to learn; or a dataset of related tables: a "
        "folder of table files or a database URL (postgresql://..., sqlite:///file.db).",
    ),
    model: str | None = typer.Option(
        None,
        "-m",
        "--model",
        help=f"Synthesizer: {', '.join(names('table'))} ({DEFAULT_HELP}; copula: fits in seconds).",
    ),
    time_budget: float | None = typer.Option(
        None,
        "--time-budget",
        help=f"Seconds the whole fit may take; training stops after the epoch the next would "
        f"not fit in (default without -m: {DEFAULT_BUDGET:.0f}; with -m: no limit).",
    ),
    output: Path = typer.Option(..., "-o", "--out", "--output", help="Model file to write."),
    metadata_path: Path | None = typer.Option(
        None, "--metadata", help="Metadata JSON to use (default: inferred from the table)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    param: list[str] | None = typer.Option(
        None,
        "--param",
        metavar="NAME=VALUE",
        help="Model parameter name=value, repeatable (default: the model's own defaults).",
    ),
    epochs: int | None = typer.Option(None, "--epochs", help=option_help("epochs")),
    batch_size: int | None = typer.Option(None, "--batch-size", help=option_help("batch_size")),
    epsilon: float | None = typer.Option(None, "--epsilon", help=option_help("epsilon")),
    delta: float | None = typer.Option(None, "--delta", help=option_help("delta")),
    infer_schema: bool = typer.Option(False, "--infer-schema", help=option_help("infer_schema")),
    rule: list[str] | None = typer.Option(None, "--rule", metavar="RULE", help=RULE_HELP),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    engine: str = typer.Option(
        "local",
        "--engine",
        help="local: read the table into memory; dask: DATA is a Parquet file or glob "
        "('data/*.parquet') learned partition by partition on a Dask cluster "
        f"({', '.join(able_to('summaries'))} from summaries; "
        f"{', '.join(able_to('streams'))} from streamed minibatches).",
    ),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    steps: int | None = typer.Option(
        None,
        "--steps",
        help="With --engine dask, a model trained on minibatches streamed from the partitions "
        f"({', '.join(able_to('streams'))}) stops after this many optimiser steps "
        "(default: --epochs passes over the table).",
    ),
    sequence_key: str | None = typer.Option(
        None, "--sequence-key", help=option_help("sequence_key")
    ),
    sequence_index: str | None = typer.Option(
        None, "--sequence-index", help=option_help("sequence_index")
    ),
    context: Path | None = typer.Option(
        None, "--context", help="With --sequence-key: one row per entity, joined by the key."
    ),
    tables: list[str] | None = typer.Option(
        None,
        "--tables",
        help="With a database URL: the tables to learn, comma-separated (default: all).",
        callback=lambda v: [t.strip() for item in v or [] for t in item.split(",") if t.strip()],
    ),
    children: str | None = typer.Option(
        None,
        "--children",
        help="With a dataset: child tables learned as rows given their parent (rows, the "
        "default) or as sequences of each parent's rows (sequences).",
    ),
    init: Path | None = typer.Option(
        None,
        "--init",
        help="Model file of a related table to start from (autoregressive or ddpm): the columns it "
        "shares with DATA start from its encodings and weights, then training goes on with "
        "DATA (default -m: the base's model).",
    ),
) -> None:
    """Learn a table and save the model."""
    from ..metadata import Metadata
    from ..synthesizers import Synthesizer
    from .datasets import check_dataset_options, fit_dataset, is_dataset
    from .sequences import DaskFit, check_sequence_options, fit_sequences

    if engine == "local" and is_dataset(data):
        check_dataset_options(
            epsilon=epsilon, init=init, sequence_key=sequence_key, context=context, rule=rule
        )
        params = {"seed": seed, **parse_pairs(param, "--param"), **given(epochs=epochs)}
        params |= given(batch_size=batch_size, time_budget=time_budget)
        fit_dataset(
            data, output, metadata_path, tables, model, children, params, encoding, not is_quiet()
        )
        return
    if children is not None:
        from ..errors import ParameterError

        raise ParameterError("--children works with a dataset of several tables, not one table")
    table_path = Path(data)
    check_output(output, [table_path, metadata_path, context, init], model=True)
    if init is not None:
        model = model or _base_model_name(init, engine)
    table = None  # read first when its row count chooses the model
    if model is None and epsilon is None and engine == "local" and sequence_key is None:
        table = load_table(table_path, encoding)
    count = None if table is None else len(table)
    model, why = choose_model(model, epsilon, engine, sequence_key, count)
    if why is not None and not is_quiet():
        err.print(f"note: model {model}: {why} (-m picks another)", markup=False)
    params = {
        "seed": seed,
        **parse_pairs(param, "--param"),
        **given(epochs=epochs, batch_size=batch_size, epsilon=epsilon, delta=delta),
    }
    params |= budget_params(model, why is not None, time_budget)
    if rule:
        params["rules"] = list(rule)
    check_sequence_options(model, sequence_key, sequence_index, context)
    check_fit_options(epsilon, infer_schema, engine, steps)
    check_engine(engine, scheduler, None)
    if sequence_key is not None:
        params |= {"sequence_key": sequence_key, "sequence_index": sequence_index}
        dask = DaskFit(scheduler, steps) if engine == "dask" else None
        fit_sequences(model, params, table_path, metadata_path, context, encoding, output, dask)
        return
    if infer_schema:
        params["infer_schema"] = True
    synthesizer = Synthesizer(model, verbose=not is_quiet(), **params)
    if engine == "dask":
        fit_dask(synthesizer, table_path, metadata_path, output, scheduler, steps)
        return
    if table is None:
        table = load_table(table_path, encoding)
    metadata = None
    if metadata_path is not None:
        metadata = Metadata.load(metadata_path)
    elif epsilon is None:
        with status("inferring metadata"):
            metadata = Metadata.infer(table)
    # under --epsilon without --metadata the synthesizer infers (or refuses) by itself
    with status(f"fitting {model}"):
        if init is not None:  # the columns shared with the base take its metadata
            synthesizer.fit_from(init, table, None if metadata_path is None else metadata)
        else:
            synthesizer.fit(table, metadata)
    with status(f"writing {output}"):
        synthesizer.save(output)
    info = synthesizer.describe()["fit"]
    rows = (
        f"about {info['rows']:,} rows (a DP count)"
        if "rows_source" in info
        else (f"{info['rows']:,} rows")
    )
    out.print(f"fitted {model} on {rows} in {info['seconds']:.1f}s -> {output}")
    if init is not None:
        out.print(synthesizer.describe()["init"]["summary"])


def _base_model_name(init: Path, engine: str) -> str:
    """The model of the base file `--init` names (what `fit` then fits, unless -m says)."""
    from ..errors import ParameterError
    from ..modelfile import read_model

    if engine != "local":
        raise ParameterError("--init works with --engine local")
    manifest, _ = read_model(init)
    if manifest["kind"] != "table":
        raise ParameterError(f"--init: {init} holds an image model, not a table model")
    return str(manifest["model"])


fit.__doc__ = f"Learn a table and save the model (models: {', '.join(names('table'))})."


@app.command(
    epilog=(
        "Examples:\n\n  simulacra sample model.simulacra -n 1000000 -o synth.parquet\n\n"
        "  simulacra sample model.simulacra -n 500 -o ideal.csv --condition cut=Ideal --seed 3\n\n"
        "  simulacra sample model.simulacra -n 5000 -o bal.csv --rebalance churn --ratio 1\n\n"
        "  simulacra sample model.simulacra -n 1000000000 -o out/ --engine dask"
    )
)
def sample(
    model: Path = typer.Argument(..., help="Model file written by `simulacra fit`."),
    rows: int | None = typer.Option(
        None,
        "-n",
        "--rows",
        help="Number of rows; of a sequence model, of entities (default with --context: one "
        "per context row).",
    ),
    target: str = typer.Option(
        ...,
        "-o",
        "--out",
        "--output",
        help="CSV, Parquet or JSON-lines file; of a dataset model, a new folder or a database URL.",
    ),
    scale: float | None = typer.Option(
        None, "--scale", help="Of a dataset model: rows of each table over the real ones (1.0)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    condition: list[str] | None = typer.Option(
        None,
        "--condition",
        metavar="COLUMN=VALUE",
        help="A value every row must have, or a range LOW..HIGH (repeatable; default: none).",
    ),
    rebalance_column: str | None = typer.Option(
        None,
        "--rebalance",
        help="Add rows of the minority classes of this column (default: no rebalancing).",
    ),
    ratio: float = typer.Option(1.0, "--ratio", help="With --rebalance: minority/majority share."),
    engine: str = typer.Option("local", "--engine", help=ENGINE_HELP),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    partitions: int | None = typer.Option(None, "--partitions", help=PARTITIONS_HELP),
    context: Path | None = typer.Option(
        None, "--context", help="Sequences of these entities (default: new ones)."
    ),
    context_out: Path | None = typer.Option(
        None, "--context-out", help="Sampled context rows (default: OUTPUT-context)."
    ),
) -> None:
    """Sample synthetic rows from a saved model, streamed to a file in chunks."""
    from ..errors import ParameterError
    from ..io import write_chunks
    from ..synthesizers import Synthesizer
    from .datasets import holds_dataset, sample_dataset
    from .sequences import sample_sequences, samples_sequences

    if holds_dataset(model):
        if rows is not None or condition or rebalance_column or context or engine != "local":
            raise ParameterError("a dataset model samples with --scale (and --seed) only")
        sample_dataset(model, scale, target, seed, not is_quiet())
        return
    if scale is not None:
        raise ParameterError("--scale goes with a dataset model; give -n")
    output = Path(target)
    if rows is None and context is None:
        raise ParameterError("missing option '-n' / '--rows'")
    check_engine(engine, scheduler, partitions)
    if engine == "dask":
        sample_dask(
            model, rows, output, seed, condition, rebalance_column, scheduler, partitions,
            context, context_out,
        )  # fmt: skip
        return
    check_output(output, [model, context])
    with status(f"loading {model}"):
        synthesizer = Synthesizer.load(model)
    synthesizer.verbose = not is_quiet()
    conditions = parse_pairs(condition, "--condition", typed=False)
    if samples_sequences(synthesizer, context, context_out, rebalance_column):
        sample_sequences(synthesizer, model, rows, output, seed, conditions, context, context_out)
        return
    assert rows is not None
    if rebalance_column is not None:
        from ..rebalance import iter_rebalanced

        chunks, counts = iter_rebalanced(
            synthesizer, rows, rebalance_column, ratio, conditions=conditions, seed=seed
        )
        with status(f"sampling {rows:,} rows and the minority rows into {output}"):
            write_chunks(chunks, output)
        shown = {label: counts[label] for label in sorted(counts, key=counts.__getitem__)}
        out.print(f"wrote {sum(counts.values()):,} rows to {output} ({rebalance_column}: {shown})")
        return
    # the command counts the rows as they are written, whatever -n (the model's own bar
    # shows only past one chunk of rows)
    synthesizer.verbose = False
    chunks = synthesizer.iter_sample(rows, conditions=conditions, seed=seed)
    write_chunks(track_rows(chunks, f"sampling {synthesizer.name} into {output}", rows), output)
    out.print(f"wrote {rows:,} rows to {output}")


@app.command(epilog="Example:\n\n  simulacra demo -o demo_output")
def demo(
    out_dir: Path = typer.Option(Path("demo_output"), "-o", "--out", help="Folder for the files."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
) -> None:
    """Fit the copula on the bundled diamonds table, sample as many rows, show fidelity."""
    from .demo import run_demo

    run_demo(out_dir, seed)
