"""Fitting on a Dask DataFrame from mergeable per-partition summaries.

1. A seeded uniform sample of `PILOT_ROWS` rows, picked in the same pass that counts the
   rows (every row of partition i gets a key from stream (*PILOT_STREAM, i); the smallest
   keys win, merged as a tree: `_Pick`), gives the metadata (unless given, by the model's
   own `infer_metadata`) and a pilot TableTransformer.
2. Every partition is summarised where it lies (`summaries.py`); the summaries merge as a
   tree; the metadata's statistics and the transformer come from the merged summary
   (`transformer.py`).
3. Models that learn from partial sums (the copula: means, deviations and the correlation of
   normal scores from rows, column sums and X^T X) get them in one more pass: partition i is
   encoded with stream ("encode", i), `BLOCK_ROWS` rows at a time, and reduced to its
   `Moments`.

No step holds more than one partition and the summaries; the table is never materialised.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import seeding
from ..errors import DataError, ParameterError
from ..metadata import MODELLED_KINDS, Metadata
from ..transforms import TableTransformer
from ..transforms.columns import CategoricalTransform, ContinuousTransform
from .partitions import parquet_files
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
PILOT_STREAM = ("transform", 2)  # the seed stream that picks the pilot rows
BLOCK_ROWS = 100_000  # rows of a partition encoded at a time
_FAN_IN = 8  # summaries merged together at each level of the reduction tree
_PICK_FAN_IN = 4  # picks (up to PILOT_ROWS rows each) merged together


def read_parquet_glob(pattern: str) -> dd.DataFrame:
    """The Parquet files matching `pattern` as one Dask DataFrame (text as pandas reads it),
    once their schemas are checked to agree (`partitions.parquet_files`)."""
    import dask
    import dask.dataframe as dd

    files = parquet_files(pattern)
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.read_parquet(files)


@dataclass(frozen=True)
class Pilot:
    """A seeded sample of a frame's rows picked by `pick_rows` (in table order) and its rows
    per partition, for a caller that picked them before fitting (`rule_frames.py`);
    `inferred`: the metadata was read off the sample, so its statistics become the whole
    table's, as inferred metadata's do."""

    sample: pd.DataFrame
    lengths: list[int]
    inferred: bool


@dataclass
class SummaryFit:
    """What fitting from summaries learned: metadata, transformer, rows, partial sums."""

    metadata: Metadata
    transformer: TableTransformer
    rows: int
    moments: Moments | None
    summary: TableSummary
    sample: pd.DataFrame  # the pilot rows
    lengths: list[int]  # rows per partition


def fit_summaries(
    synthesizer: Synthesizer,
    frame: dd.DataFrame,
    metadata: Metadata | None = None,
    moments: bool = True,
    *,
    picked: Pilot | None = None,
) -> SummaryFit:
    """Metadata, TableTransformer and (if `moments`) the encoded partial sums of `frame`,
    with the synthesizer's transform parameters and seed; `picked`: its pilot rows already
    picked (`pick_rows` would pick the same ones), not picked again."""
    import dask

    seed = synthesizer.seed
    with dask.config.set({"dataframe.convert-string": False}):
        parts = frame.to_delayed()
        if picked is None:
            sample, lengths = pick_rows(parts, PILOT_ROWS, seed, PILOT_STREAM)
            inferred = metadata is None
        else:
            sample, lengths, inferred = picked.sample, picked.lengths, picked.inferred
        rows = int(sum(lengths))
        if rows < 2:
            raise DataError(f"the table has {rows} row(s); at least 2 are needed to fit")
        pilot_meta = synthesizer.infer_metadata(sample) if metadata is None else metadata
        pilot = synthesizer.new_transformer(pilot_meta, verbose=False).fit(sample)
        pilot_meta = pilot.metadata  # a column may be modelled otherwise than declared
        plan = (pilot_meta.to_dict(), pilot.get_state())
        summary = reduce_tree([dask.delayed(_summarise)(p, plan) for p in parts], merge_summaries)
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
            sums = reduce_tree(encoded, _merge_moments)
    return SummaryFit(final_meta, transformer, rows, sums, summary, sample, lengths)


def pick_rows(
    parts: list[Any], rows: int, seed: int, stream: tuple[str, int]
) -> tuple[pd.DataFrame, list[int]]:
    """A seeded uniform sample of `rows` rows of the partitions (delayed frames), picked in
    one pass that also counts their rows: (sample in table order, rows per partition).
    Partition i draws one key per row from stream (*stream, i); the smallest keys win."""
    import functools

    import dask

    picked = [dask.delayed(_pick_rows)(p, rows, seed, stream, i) for i, p in enumerate(parts)]
    pick = reduce_tree(picked, functools.partial(_merge_picks, rows), fan_in=_PICK_FAN_IN)
    return pick.table(), pick.lengths


@dataclass
class _Pick:
    """Rows with the smallest keys seen so far, with where each came from: merging picks in
    any tree keeps the same rows."""

    lengths: list[int]
    keys: np.ndarray
    origin: np.ndarray  # (partition, row) of each kept row
    rows: pd.DataFrame

    def table(self) -> pd.DataFrame:
        order = np.lexsort((self.origin[:, 1], self.origin[:, 0]))
        return self.rows.iloc[order].reset_index(drop=True)


def _pick_rows(
    part: pd.DataFrame, rows: int, seed: int, stream: tuple[str, int], index: int
) -> _Pick:
    keys = seeding.rng(seed, stream[0], stream[1], index).random(len(part))
    kept = _smallest(keys, rows)
    origin = np.column_stack([np.full(len(kept), index), kept]).astype(np.int64)
    return _Pick([len(part)], keys[kept], origin, part.iloc[kept])


def _smallest(keys: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` smallest keys, in position order."""
    if len(keys) <= k:
        return np.arange(len(keys))
    return np.sort(np.argpartition(keys, k - 1)[:k])


def _merge_picks(rows: int, *picks: _Pick) -> _Pick:
    keys = np.concatenate([p.keys for p in picks])
    kept = _smallest(keys, rows)
    # only the winning rows of each pick are copied (a worker's memory limit is tight)
    bounds = np.cumsum([0, *(len(p.keys) for p in picks)])
    frames = []
    for pick, low, high in zip(picks, bounds[:-1], bounds[1:], strict=True):
        frames.append(pick.rows.iloc[kept[(kept >= low) & (kept < high)] - low])
    frame = pd.concat(frames, ignore_index=True)
    origin = np.concatenate([p.origin for p in picks])[kept]
    return _Pick([n for p in picks for n in p.lengths], keys[kept], origin, frame)


def rebuild_transformer(plan: tuple[dict[str, Any], dict[str, Any]]) -> TableTransformer:
    """The transformer a worker rebuilds from (metadata dict, transformer state)."""
    metadata = Metadata.from_dict(plan[0])
    return TableTransformer.from_state(metadata, plan[1])


def _summarise(part: pd.DataFrame, plan: tuple[dict[str, Any], dict[str, Any]]) -> TableSummary:
    transformer = rebuild_transformer(plan)
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
    transformer = rebuild_transformer(plan)
    rng = seeding.rng(seed, "encode", index)
    width = transformer.width_
    total = Moments(0, np.zeros(width), np.zeros((width, width)))
    for data in encode_blocks(part, transformer, rng):
        total = total.merge(Moments.of(data))
    return total


def encode_blocks(
    part: pd.DataFrame, transformer: TableTransformer, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Partition `part` encoded `BLOCK_ROWS` rows at a time (so a worker holds one block's
    encoding, not the partition's), every block drawing from `rng` in turn."""
    for start in range(0, len(part), BLOCK_ROWS):
        block = part.iloc[start : start + BLOCK_ROWS]
        columns = [col.encode(block[name], rng) for name, col in transformer.columns_.items()]
        yield np.hstack(columns) if columns else np.zeros((len(block), 0))


def merge_summaries(*parts: TableSummary) -> TableSummary:
    out = parts[0]
    for part in parts[1:]:
        out = out.merge(part)
    return out


def _merge_moments(*parts: Moments) -> Moments:
    out = parts[0]
    for part in parts[1:]:
        out = out.merge(part)
    return out


def reduce_tree(items: list[Any], merge: Any, fan_in: int = _FAN_IN) -> Any:
    """Merge delayed values as a tree of fan-in `fan_in`, and compute the root."""
    import dask

    while len(items) > 1:
        items = [dask.delayed(merge)(*items[i : i + fan_in]) for i in range(0, len(items), fan_in)]
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
    synthesizer: Synthesizer,
    frame: dd.DataFrame,
    metadata: Metadata | None = None,
    steps: int | None = None,
) -> Synthesizer:
    """Fit `synthesizer` on a `dask.dataframe.DataFrame` without materialising it, through
    the model's public protocol: a model with `fit_moments` (the copula) from merged
    per-partition summaries and partial sums of normal scores; a model with `fit_batches`
    (the neural ones) on minibatches streamed partition by partition, for `epochs` passes
    or `steps` optimiser steps (`streaming.fit_streamed`). Rules (the model's and the
    metadata's) are kept on the partitions reparametrised where they lie (`rule_frames.py`).
    Returns the fitted model."""
    from .rule_frames import has_rules, ruled_frame

    plan, picked = None, None
    if has_rules(synthesizer, metadata):
        frame, metadata, plan, picked = ruled_frame(synthesizer, frame, metadata)
    fitted = _fit_dask(synthesizer, frame, metadata, steps, picked)
    if plan is not None:
        plan.learn(fitted.transformer_)
    fitted.rules_ = plan
    return fitted


def _fit_dask(
    synthesizer: Synthesizer,
    frame: dd.DataFrame,
    metadata: Metadata | None,
    steps: int | None,
    picked: Pilot | None,
) -> Synthesizer:
    if hasattr(synthesizer, "fit_batches"):
        from .streaming import fit_streamed

        return fit_streamed(synthesizer, frame, metadata, steps=steps, picked=picked)  # type: ignore[arg-type]
    if steps is not None:
        raise ParameterError(
            f"--steps applies to models trained on minibatches, not {synthesizer.name}"
        )
    fit_moments = getattr(synthesizer, "fit_moments", None)
    if fit_moments is None:
        raise ParameterError(
            f"{synthesizer.name} cannot fit on Dask yet (from summaries: copula; from "
            "streamed minibatches: autoregressive, tvae, ctgan, ddpm); use --engine local on a "
            "sample"
        )
    started = time.perf_counter()
    fitted = fit_summaries(synthesizer, frame, metadata, picked=picked)
    assert fitted.moments is not None
    moments = fitted.moments.mean_std_correlation()
    result: Synthesizer = fit_moments(
        fitted.metadata, fitted.transformer, moments, fitted.rows, started=started
    )
    return result
