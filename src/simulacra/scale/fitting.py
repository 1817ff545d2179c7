"""Fitting on a Dask DataFrame from mergeable per-partition summaries.

1. A seeded sample of rows (`PILOT_ROWS`, spread over the partitions in proportion to their
   rows, partition i drawing from stream ("transform", 2, i)) gives the metadata (unless
   given) and a pilot TableTransformer.
2. Every partition is summarised where it lies (`summaries.py`); the summaries merge as a
   tree; the metadata's statistics and the transformer come from the merged summary
   (`transformer.py`).
3. Models that learn from partial sums (the copula: means, deviations and the correlation of
   normal scores from rows, column sums and X^T X) get them in one more pass: partition i is
   encoded with stream ("encode", i) and reduced to its `Moments`.

No step holds more than one partition and the summaries; the table is never materialised.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import seeding
from ..errors import DataError, ParameterError
from ..metadata import MODELLED_KINDS, Metadata
from ..transforms import TableTransformer
from ..transforms.columns import CategoricalTransform, ContinuousTransform
from .summaries import (
    ColumnSummary,
    Moments,
    TableSummary,
    summarise_categories,
    summarise_numbers,
)
from .transformer import metadata_from_summaries, transformer_from_summaries

if TYPE_CHECKING:
    import dask.dataframe as dd

    from ..synthesizers.base import Synthesizer

PILOT_ROWS = 100_000
_FAN_IN = 8  # summaries merged together at each level of the reduction tree


def read_parquet_glob(pattern: str) -> dd.DataFrame:
    """The Parquet files matching `pattern` as one Dask DataFrame (text as pandas reads it)."""
    import dask
    import dask.dataframe as dd

    files = sorted(glob.glob(pattern)) if any(c in pattern for c in "*?[") else [pattern]
    files = [f for f in files if not f.endswith(("_metadata", "_common_metadata"))]
    if not files:
        raise DataError(f"{pattern}: no Parquet file matches")
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.read_parquet(files)


@dataclass
class SummaryFit:
    """What fitting from summaries learned: metadata, transformer, rows, partial sums."""

    metadata: Metadata
    transformer: TableTransformer
    rows: int
    moments: Moments | None
    summary: TableSummary


def fit_summaries(
    synthesizer: Synthesizer,
    frame: dd.DataFrame,
    metadata: Metadata | None = None,
    moments: bool = True,
) -> SummaryFit:
    """Metadata, TableTransformer and (if `moments`) the encoded partial sums of `frame`,
    with the synthesizer's transform parameters and seed."""
    import dask

    seed = synthesizer.seed
    with dask.config.set({"dataframe.convert-string": False}):
        parts = frame.to_delayed()
        lengths = list(dask.compute(*[dask.delayed(len)(p) for p in parts]))
        rows = int(sum(lengths))
        if rows < 2:
            raise DataError(f"the table has {rows} row(s); at least 2 are needed to fit")
        takes = _allocate(lengths, PILOT_ROWS)
        picked = [
            dask.delayed(_pick_rows)(part, take, seed, i)
            for i, (part, take) in enumerate(zip(parts, takes, strict=True))
        ]
        sample = pd.concat(dask.compute(*picked), ignore_index=True)
        inferred = metadata is None
        pilot_meta = Metadata.infer(sample) if metadata is None else metadata
        pilot = TableTransformer(
            pilot_meta,
            max_categories=synthesizer.max_categories,
            seed=seed,
            verbose=False,
            **{"min_count": synthesizer.min_count, **synthesizer._transformer_params()},
        ).fit(sample)
        plan = (pilot_meta.to_dict(), pilot.get_state())
        summary = _reduce([dask.delayed(_summarise)(p, plan) for p in parts], _merge_summaries)
        final_meta = metadata_from_summaries(pilot_meta, summary) if inferred else pilot_meta
        _check_columns(final_meta, summary)
        pilot.metadata = final_meta
        for name, column in pilot.columns_.items():
            column.meta = final_meta[name]
        transformer = transformer_from_summaries(pilot, summary, sample, seed)
        sums = None
        if moments:
            state = (final_meta.to_dict(), transformer.get_state())
            encoded = [dask.delayed(_moments)(p, state, seed, i) for i, p in enumerate(parts)]
            sums = _reduce(encoded, _merge_moments)
    return SummaryFit(final_meta, transformer, rows, sums, summary)


def _allocate(lengths: list[int], total: int) -> list[int]:
    """Rows to pick from each partition: `total` in proportion to their lengths."""
    rows = sum(lengths)
    if rows <= total:
        return list(lengths)
    return [min(n, int(np.ceil(n * total / rows))) for n in lengths]


def _pick_rows(part: pd.DataFrame, k: int, seed: int, index: int) -> pd.DataFrame:
    if k >= len(part):
        return part
    rng = seeding.rng(seed, "transform", 2, index)
    return part.iloc[np.sort(rng.choice(len(part), k, replace=False))]


def _rebuild(plan: tuple[dict[str, Any], dict[str, Any]]) -> TableTransformer:
    metadata = Metadata.from_dict(plan[0])
    return TableTransformer.from_state(metadata, plan[1])


def _summarise(part: pd.DataFrame, plan: tuple[dict[str, Any], dict[str, Any]]) -> TableSummary:
    transformer = _rebuild(plan)
    columns = {}
    for name, column in transformer.columns_.items():
        series = part[name]
        if isinstance(column, ContinuousTransform):
            columns[name] = summarise_numbers(column.to_float(series))
        elif isinstance(column, CategoricalTransform):
            columns[name] = summarise_categories(series)
        else:
            columns[name] = ColumnSummary(rows=len(series), nulls=int(series.isna().sum()))
    return TableSummary(len(part), columns)


def _moments(
    part: pd.DataFrame, plan: tuple[dict[str, Any], dict[str, Any]], seed: int, index: int
) -> Moments:
    """Partition `index` encoded (stream ("encode", index)) and reduced to partial sums."""
    transformer = _rebuild(plan)
    rng = seeding.rng(seed, "encode", index)
    blocks = [col.encode(part[name], rng) for name, col in transformer.columns_.items()]
    data = np.hstack(blocks) if blocks else np.zeros((len(part), 0))
    return Moments.of(data)


def _merge_summaries(*parts: TableSummary) -> TableSummary:
    out = parts[0]
    for part in parts[1:]:
        out = out.merge(part)
    return out


def _merge_moments(*parts: Moments) -> Moments:
    out = parts[0]
    for part in parts[1:]:
        out = out.merge(part)
    return out


def _reduce(items: list[Any], merge: Any) -> Any:
    """Merge delayed values as a tree of fan-in `_FAN_IN`, and compute the root."""
    import dask

    while len(items) > 1:
        items = [
            dask.delayed(merge)(*items[i : i + _FAN_IN]) for i in range(0, len(items), _FAN_IN)
        ]
    return dask.compute(items[0])[0]


def _check_columns(metadata: Metadata, summary: TableSummary) -> None:
    """The whole-table version of `Metadata.check_table`'s per-column checks."""
    for name, col in metadata.columns.items():
        s = summary.columns[name]
        if col.kind in MODELLED_KINDS and s.nulls == s.rows:
            raise DataError(
                f"column '{name}' has no values (all null); set its kind to 'constant' "
                "to copy it as null, or drop it"
            )


def fit_dask(
    synthesizer: Synthesizer, frame: dd.DataFrame, metadata: Metadata | None = None
) -> Synthesizer:
    """`synthesizer.fit_dask(frame, metadata)` for the models that have it."""
    fit = getattr(synthesizer, "fit_dask", None)
    if fit is None:
        raise ParameterError(
            f"{synthesizer.name} cannot fit on Dask yet (fits from summaries: copula); "
            "use --engine local on a sample"
        )
    result: Synthesizer = fit(frame, metadata)
    return result
