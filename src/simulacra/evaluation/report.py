"""`evaluate(real, synthetic, ...)`: every area measured and judged, composed into one typed
`Report` (`schema.py`) in this one place."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

from .._progress import new_progress, quiet
from ..errors import DataError, ParameterError
from ..io import read_table
from ..metadata import Metadata
from ._codec import build
from .limits import Limits
from .prepare import prepare
from .schema import AREAS, Figures, Overlap, PairTrendsMeans, Report, Rows, Settings
from .text import NO_SCORE, judged_line

__all__ = ["AREAS", "MIN_ROWS", "NO_SCORE", "Report", "evaluate", "judged_line"]

# rows each table needs at least: the real rows are split for the references and the
# classifiers' folds; nearest-neighbour scores need two rows of every table
MIN_ROWS = {"real": 10, "synthetic": 2, "holdout": 2}
STEPS = ("reference", "fidelity", "utility", "diversity", "privacy", "bias")


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
    rules: Sequence[str] | None = None,
    sequence_key: str | None = None,
    sequence_index: str | None = None,
    contexts: Mapping[str, pd.DataFrame] | None = None,
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
    command line that ran the evaluation, for the report's header and settings. `rules`
    (with the metadata's rules) are reported with their share of breaking rows in each table
    (`fidelity.declared_rules`). `sequence_key` and `sequence_index` compare the tables as
    events of entities too (`sequences`: lengths, gaps, order, static columns, autocorrelation,
    coherence, an entity-level detection test, copies and distances; `contexts` maps "real",
    "synthetic" and "holdout" to tables of one row per entity), the key left out of the rows'
    metrics.
    """
    # scikit-learn loads only here, so `import simulacra` stays quick
    from . import verdict
    from .areas import (
        measure_bias,
        measure_diversity,
        measure_fidelity,
        measure_privacy,
        measure_utility,
        with_declared_rules,
    )
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
    row_metadata = metadata
    if sequence_key is not None or sequence_index is not None:
        from ._sequence_area import check_sequence_options, without_key

        check_sequence_options(sequence_key, sequence_index, real, synthetic, holdout)
        assert sequence_key is not None
        row_metadata = without_key(metadata, real, sequence_key)
    with quiet(True) if not verbose else nullcontext():
        tables = prepare(real, synthetic, row_metadata, holdout, columns)
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
        overlap = build(Overlap, holdout_overlap(tables.real, tables.holdout))
        warnings = _overlap_warnings(overlap, len(tables.real), len(tables.holdout))
    notes: list[str] = list(tables.notes)
    if columns is not None:
        left_out = [c for c in map(str, real.columns) if c not in set(map(str, columns))]
        notes.append(
            f"only {len(real.columns) - len(left_out)} of the real table's "
            f"{len(real.columns)} columns were compared; left out: {', '.join(left_out) or '-'}"
        )
    seconds: dict[str, float] = {}
    # one thread per BLAS/OpenMP pool for the whole run: see _threads.py
    with threadpool_limits(limits=1), new_progress(verbose) as progress:
        steps = len(STEPS) + (sequence_key is not None)
        task = progress.add_task("evaluating", total=steps, info="")

        @contextmanager
        def step(name: str) -> Iterator[None]:
            progress.update(task, description=f"evaluating {name}")
            step_started = time.perf_counter()
            yield
            seconds[name] = round(time.perf_counter() - step_started, 3)
            progress.advance(task)

        with step("reference"):
            reference = reference_scores(tables, limits, seed, overlap)
        with step("fidelity"):
            fidelity, fidelity_figures = measure_fidelity(tables, limits, seed, reference)
            fidelity = with_declared_rules(fidelity, rules, metadata, real, synthetic, holdout)
        with step("utility"):
            utility = None
            if target is not None:
                utility, extra = measure_utility(tables, target, limits, seed)
                notes.extend(extra)
        with step("diversity"):
            diversity = measure_diversity(tables, limits, seed, reference)
        with step("privacy"):
            privacy, privacy_figures, attack_seconds = measure_privacy(
                tables, sensitive_list, limits, seed, overlap
            )
        seconds["privacy attacks"] = attack_seconds
        with step("bias"):
            bias = measure_bias(tables, target, sensitive_list)
        sequences = None
        if sequence_key is not None and sequence_index is not None:
            from ._sequence_area import measure_sequences

            with step("sequences"):
                sequences = measure_sequences(
                    real, synthetic, sequence_key, sequence_index, holdout,
                    dict(contexts or {}), row_metadata, seed, limits,
                )  # fmt: skip
        progress.update(task, description="evaluated")
    if holdout is None:
        notes.append(
            "privacy: no holdout given, so distances and membership inference were not "
            "measured against unseen real rows"
        )
    notes.extend(_pairs_note(fidelity.pair_trends_convention))
    settings = Settings(
        warnings=tuple(warnings),
        model=model,
        inputs=named,
        command=command,
        version=_version(),
        date=time.strftime("%Y-%m-%d %H:%M %Z"),
        rows=Rows(
            real=len(real),
            synthetic=len(synthetic),
            holdout=None if holdout is None else len(holdout),
        ),
        columns={name: tables.kinds[name] for name in tables.columns},
        kinds_from="inferred from the real table" if metadata is None else "the metadata given",
        excluded_columns=tables.excluded,
        target=target,
        sensitive=tuple(sensitive_list),
        seed=seed,
        limits=limits,
        notes=tuple(notes),
        seconds=round(time.perf_counter() - started, 2),
        step_seconds=seconds,
    )
    return Report(
        verdicts=verdict.judge(fidelity, utility, diversity, privacy, bias, sequences),
        fidelity=fidelity,
        utility=utility,
        diversity=diversity,
        privacy=privacy,
        bias=bias,
        reference=reference,
        settings=settings,
        figures=Figures(fidelity=fidelity_figures, privacy=privacy_figures),
        sequences=sequences,
    )


def _pairs_note(means: PairTrendsMeans) -> list[str]:
    """Which pairs the pair trends average, beside SDMetrics' default (`pairs.py`)."""
    if not means.pairs:
        return []
    strong = means.sdmetrics_default
    limits = means.thresholds
    return [
        f"pair trends: the mean over every column pair ({means.pairs}: "
        f"{means.all_pairs:.4f}); SDMetrics' QualityReport by default averages only the "
        f"pairs whose real |r| > {limits['correlation']} or Cramér's V > {limits['cramers_v']} "
        f"({means.pairs_in_sdmetrics_default}"
        + (f": {strong:.4f})" if strong is not None else ")")
        + "; each pair's score, kinds and real association are under fidelity.pairs in the JSON"
    ]


def _overlap_warnings(overlap: Overlap, training: int, held: int) -> list[str]:
    """A DataError when most of the holdout is training rows (`privacy.OVERLAP_REFUSED`, beyond
    chance); one warning when part of it is (`holdout_overlap`'s `contaminated`); else none."""
    from .privacy import OVERLAP_REFUSED

    copies = (
        f"{overlap.copy_share:.1%} of its {held:,} rows are exact copies of the "
        f"{training:,} training rows, where about {overlap.chance_share:.1%} would be by "
        "chance"
    )
    # refused only when the copies are more than chance can explain (`contaminated`): on a
    # table of few distinct rows (two categories and an age) nearly every unseen row repeats
    # a training row, and the estimate of the overlap is noise
    if overlap.overlap >= OVERLAP_REFUSED and overlap.contaminated:
        raise DataError(
            f"the holdout is not unseen real rows: {copies}; give real rows the generator never "
            "saw (or no holdout)"
        )
    if not overlap.contaminated:
        return []
    return [
        f"the holdout overlaps the training rows: {copies} (about {overlap.overlap:.0%} of "
        "the holdout is training rows); the privacy figures and the 'unseen real rows' "
        "references are measured against rows the generator saw, so they look better than "
        "they are"
    ]


def _table(table: pd.DataFrame | str | Path) -> pd.DataFrame:
    return table if isinstance(table, pd.DataFrame) else read_table(table)


def _version() -> str:
    from .._version import __version__

    return str(__version__)
