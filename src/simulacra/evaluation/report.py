"""`evaluate(real, synthetic, ...)`: every metric group composed into one `Report`."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .._progress import new_progress, quiet
from ..errors import DataError, ParameterError
from ..io import atomic_path, read_table
from ..metadata import Metadata
from . import verdict
from .limits import Limits
from .prepare import prepare

AREAS = ("fidelity", "utility", "diversity", "privacy", "bias")
NO_SCORE = "—"  # an area judged without a number: not measured, or inconclusive


class Report:
    """The scores of one evaluation (`scores`, a nested dict of plain numbers) and the arrays its
    HTML page draws (`figures`)."""

    def __init__(self, scores: dict[str, Any], figures: dict[str, Any]) -> None:
        self.scores = scores
        self.figures = figures

    def to_json(self, path: str | Path) -> Path:
        """Write every score as JSON (NaN and infinities become null), atomically."""
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(_plain(self.scores), indent=2, allow_nan=False))
        return Path(path)

    def to_html(self, path: str | Path) -> Path:
        """Write a self-contained HTML page (plots embedded as PNG, no network), atomically."""
        from .html import render

        with atomic_path(path) as tmp:
            tmp.write_text(render(self), encoding="utf-8")
        return Path(path)

    def summary(self) -> str:
        """A short text table: one line per area with its score (a dash when it has none),
        verdict and sentence; above it, what was judged when the inputs or model were named,
        and a WARNING line for each of the report's warnings."""
        judged = judged_line(self.scores["settings"])
        lines = [judged] if judged else []
        lines += [f"WARNING: {w}" for w in self.scores["settings"].get("warnings", [])]
        lines.append(f"{'area':<10} {'score':>6}  verdict")
        for area in AREAS:
            s = self.scores[area]
            score = NO_SCORE if s.get("score") is None else f"{s['score']:.3f}"
            lines.append(f"{area:<10} {score:>6}  {s['verdict']}: {s['sentence']}")
        lines.append(f"{'overall':<10} {'':>6}  {self.scores['overall']['sentence']}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        verdicts = ", ".join(f"{a}={self.scores[a].get('verdict')}" for a in AREAS)
        return f"Report({verdicts})"


# rows each table needs at least: the real rows are split for the references and the
# classifiers' folds; nearest-neighbour scores need two rows of every table
MIN_ROWS = {"real": 10, "synthetic": 2, "holdout": 2}


def _check_sizes(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None) -> None:
    """One error line naming the table too short to be evaluated."""
    for label, table in (("real", real), ("synthetic", synthetic), ("holdout", holdout)):
        if table is not None and len(table) < MIN_ROWS[label]:
            raise DataError(
                f"the {label} table has {len(table)} row(s); evaluate needs at least "
                f"{MIN_ROWS[label]}"
            )


def evaluate(
    real: pd.DataFrame | str | Path,
    synthetic: pd.DataFrame | str | Path,
    metadata: Metadata | None = None,
    holdout: pd.DataFrame | str | Path | None = None,
    target: str | None = None,
    sensitive: str | Sequence[str] | None = None,
    seed: int = 0,
    limits: Limits | None = None,
    verbose: bool = True,
    columns: Sequence[str] | None = None,
    model: str | None = None,
    inputs: dict[str, str] | None = None,
    command: str | None = None,
) -> Report:
    """Measure how faithful, useful, diverse, private and unbiased `synthetic` is against `real`.

    Tables are DataFrames or paths to CSV, Parquet or JSON-lines files.
    `real` is the table the generator learned from; `holdout` (optional) holds real rows it never
    saw, needed for the privacy tests and used as test rows for utility. `target` names the
    column utility models predict; `sensitive` one or more columns for attribute inference and
    group bias. Both tables must have the same columns unless `columns` names the subset to
    compare (reported in the settings). Metadata is inferred from `real` when not given; id,
    PII, text and constant columns are left out of every metric. Costly metrics use seeded
    samples capped by `limits`. Every score comes with its reference: the holdout (or, without
    one, a share of the real rows) scored as if it were synthetic, and for utility the trivial
    model. `model` names the generator, `inputs` the files compared ("real", "synthetic",
    "holdout", "metadata"; paths given as tables are named automatically) and `command` the
    command line that ran the evaluation, for the report's header and settings.
    """
    # scikit-learn loads only here, so `import simulacra` stays quick
    from .areas import bias_area, diversity_area, fidelity_area, privacy_area, utility_area
    from .privacy import holdout_overlap
    from .reference import reference_scores

    started = time.perf_counter()
    limits = limits or Limits()
    if not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, not {seed!r}")
    sensitive_list = [sensitive] if isinstance(sensitive, str) else list(sensitive or [])
    named = {
        label: str(table)
        for label, table in (("real", real), ("synthetic", synthetic), ("holdout", holdout))
        if isinstance(table, str | Path)
    }
    named.update(inputs or {})
    real, synthetic = _table(real), _table(synthetic)
    holdout = None if holdout is None else _table(holdout)
    with quiet(True) if not verbose else nullcontext():
        tables = prepare(real, synthetic, metadata, holdout, columns)
    for label, name in [("target", target)] + [("sensitive column", s) for s in sensitive_list]:
        if name is None:
            continue
        if name not in real.columns or name not in synthetic.columns:
            raise DataError(
                f"{label} '{name}' is not a column of both the real and synthetic tables"
            )
        if name not in tables.kinds:
            raise DataError(f"{label} '{name}' cannot be evaluated: {tables.excluded[name]}")
    if target is not None and len(tables.columns) < 2:
        raise DataError(f"target '{target}' is the only compared column: utility needs others")
    _check_sizes(real, synthetic, holdout)
    overlap, warnings = None, []
    if tables.holdout is not None:
        overlap = holdout_overlap(tables.real, tables.holdout)
        warnings = _overlap_warnings(overlap, len(tables.real), len(tables.holdout))
    notes: list[str] = list(tables.notes)
    if columns is not None:
        left_out = [c for c in map(str, real.columns) if c not in set(map(str, columns))]
        notes.append(
            f"only {len(real.columns) - len(left_out)} of the real table's "
            f"{len(real.columns)} columns were compared; left out: {', '.join(left_out) or '-'}"
        )
    scores: dict[str, Any] = {}
    figures: dict[str, Any] = {}
    steps = ["reference", "fidelity", "utility", "diversity", "privacy", "bias"]
    seconds: dict[str, float] = {}
    # one thread per BLAS/OpenMP pool for the whole run: see _threads.py
    with threadpool_limits(limits=1), new_progress(verbose) as progress:
        task = progress.add_task("evaluating", total=len(steps), info="")
        for step in steps:
            progress.update(task, description=f"evaluating {step}")
            step_started = time.perf_counter()
            if step == "reference":
                scores["reference"] = reference_scores(tables, limits, seed)
            elif step == "fidelity":
                scores["fidelity"], figures["fidelity"] = fidelity_area(tables, limits, seed)
            elif step == "utility":
                utility = None
                if target is not None:
                    utility, extra = utility_area(tables, target, limits, seed)
                    notes.extend(extra)
                scores["utility"] = utility
            elif step == "diversity":
                scores["diversity"] = diversity_area(tables, limits, seed)
            elif step == "privacy":
                scores["privacy"], figures["privacy"] = privacy_area(
                    tables, sensitive_list, limits, seed
                )
            else:
                scores["bias"] = bias_area(tables, target, sensitive_list)
            seconds[step] = round(time.perf_counter() - step_started, 3)
            if step == "privacy":
                seconds["privacy attacks"] = figures["privacy"].pop("attacks_seconds")
            progress.advance(task)
        progress.update(task, description="evaluated")
    if holdout is None:
        notes.append(
            "privacy: no holdout given, so distances and membership inference were not "
            "measured against unseen real rows"
        )
    notes.extend(_pairs_note(scores["fidelity"]["pair_trends_convention"]))
    if overlap is not None:
        scores["reference"]["holdout_overlap"] = scores["privacy"]["holdout_overlap"] = overlap
    _add_references(scores)
    _add_verdicts(scores)
    scores["overall"] = verdict.overall_verdict(scores)
    scores["settings"] = {
        "warnings": warnings,
        "model": model,
        "inputs": named,
        "command": command,
        "version": _version(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "rows": {
            "real": len(real),
            "synthetic": len(synthetic),
            "holdout": None if holdout is None else len(holdout),
        },
        "columns": {name: tables.kinds[name] for name in tables.columns},
        "kinds_from": "inferred from the real table" if metadata is None else "the metadata given",
        "excluded_columns": tables.excluded,
        "target": target,
        "sensitive": sensitive_list,
        "seed": seed,
        "limits": limits.to_dict(),
        "notes": notes,
        "seconds": round(time.perf_counter() - started, 2),
        "step_seconds": seconds,  # timings: pop them with "seconds" to compare two runs
    }
    return Report(
        {key: scores[key] for key in ("overall", *AREAS, "reference", "settings")}, figures
    )


def judged_line(settings: dict[str, Any]) -> str:
    """'judged: SYNTHETIC against REAL, holdout H, metadata M; model X', or "" when the report
    was given tables in Python and no model."""
    inputs, model = settings.get("inputs") or {}, settings.get("model")
    if not inputs and not model:
        return ""
    synthetic = inputs.get("synthetic", "a synthetic table")
    real = inputs.get("real", "a real table")
    extra = "".join(f", {k} {inputs[k]}" for k in ("holdout", "metadata") if inputs.get(k))
    return f"judged: {synthetic} against {real}{extra}; model {model or 'not stated'}"


def _pairs_note(means: dict[str, Any]) -> list[str]:
    """Which pairs the pair trends average, beside SDMetrics' default (`pairs.py`)."""
    if not means["pairs"]:
        return []
    strong = means["sdmetrics_default"]
    limits = means["thresholds"]
    return [
        f"pair trends: the mean over every column pair ({means['pairs']}: "
        f"{means['all_pairs']:.4f}); SDMetrics' QualityReport by default averages only the "
        f"pairs whose real |r| > {limits['correlation']} or Cramér's V > {limits['cramers_v']} "
        f"({means['pairs_in_sdmetrics_default']}"
        + (f": {strong:.4f})" if strong is not None else ")")
        + "; each pair's score, kinds and real association are under fidelity.pairs in the JSON"
    ]


def _overlap_warnings(overlap: dict[str, Any], training: int, held: int) -> list[str]:
    """A DataError when most of the holdout is training rows (`privacy.OVERLAP_REFUSED`); one
    warning when part of it is (`holdout_overlap`'s `contaminated`); else none."""
    from .privacy import OVERLAP_REFUSED

    copies = (
        f"{overlap['copy_share']:.1%} of its {held:,} rows are exact copies of the "
        f"{training:,} training rows, where about {overlap['chance_share']:.1%} would be by "
        "chance"
    )
    if overlap["overlap"] >= OVERLAP_REFUSED:
        raise DataError(
            f"the holdout is not unseen real rows: {copies}; give real rows the generator never "
            "saw (or no holdout)"
        )
    if not overlap["contaminated"]:
        return []
    return [
        f"the holdout overlaps the training rows: {copies} (about {overlap['overlap']:.0%} of "
        "the holdout is training rows); the privacy figures and the 'unseen real rows' "
        "references are measured against rows the generator saw, so they look better than "
        "they are"
    ]


def _table(table: pd.DataFrame | str | Path) -> pd.DataFrame:
    return table if isinstance(table, pd.DataFrame) else read_table(table)


def _version() -> str:
    from .._version import __version__

    return str(__version__)


def _add_references(scores: dict[str, Any]) -> None:
    """Put each reference beside the score it belongs to, and the far-away synthetic rows
    (measured with the privacy distances) under fidelity, where they belong."""
    ref = scores["reference"]
    fidelity, diversity, privacy = scores["fidelity"], scores["diversity"], scores["privacy"]
    overlap = {"holdout_overlap": ref["holdout_overlap"]} if "holdout_overlap" in ref else {}
    fidelity["reference"] = {
        **{k: ref[k] for k in ("column_shapes", "column_pair_trends", "detection_auc")},
        **overlap,
    }
    for name, column in fidelity["columns"].items():
        column["reference"] = ref["columns"].get(name)
    for pair in fidelity["pairs"]:
        pair["reference"] = ref["pairs"].get(" × ".join(pair["columns"]))
    diversity["reference"] = {**{k: ref[k] for k in ("knn_precision", "knn_recall")}, **overlap}
    fidelity["far_share"] = privacy["far_share"]
    fidelity["distance_ratio"] = privacy["distance_ratio"]


def _add_verdicts(scores: dict[str, Any]) -> None:
    judges = {
        "fidelity": verdict.fidelity_verdict,
        "utility": verdict.utility_verdict,
        "diversity": verdict.diversity_verdict,
        "privacy": verdict.privacy_verdict,
        "bias": verdict.bias_verdict,
    }
    scores["fidelity"]["caps"] = verdict.fidelity_caps(scores["fidelity"])
    for area, judge in judges.items():
        score, word, sentence = judge(scores[area])
        if scores[area] is None:
            scores[area] = {"ratio": None}
        scores[area] = {"score": score, "verdict": word, "sentence": sentence, **scores[area]}


def _plain(value: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python numbers, NaN/inf to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
