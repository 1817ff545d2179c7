"""A TableTransformer fitted from merged summaries instead of a whole table.

The pilot transformer is fitted the usual way on a seeded sample of rows; it fixes what a
sample decides well (kinds, datetime formats, value grids, generated columns' seeds, text
pools). Every statistic a summary holds exactly or as a sketch then replaces the pilot's, in
the same saved-state format `TableTransformer.get_state` writes, and `from_state` builds the
same transform objects the normal fit builds:

- numbers, datetimes: the marginal (quantile grid from the quantile sketch; min-max from the
  exact extremes; other encoders fitted on points of the sketched quantile function), the
  range, and the shares of nulls and infinities;
- categories, flags: category order and counts, the rare pool, the tail, nulls.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..metadata import Metadata
from ..transforms import TableTransformer
from ..transforms.columns import (
    RARE_LABEL,
    CategoricalTransform,
    ContinuousTransform,
    NumericalTransform,
)
from ..transforms.continuous import quantile_grid, tail_probabilities
from ..transforms.grid import MASS_ROWS, learn_grid
from .summaries import ColumnSummary, TableSummary

PSEUDO_ROWS = 100_000  # points of the sketched quantile function other encoders are fitted on


def metadata_from_summaries(metadata: Metadata, summary: TableSummary) -> Metadata:
    """Inferred metadata with its data-read statistics (null shares, numeric ranges,
    cardinalities) taken from the whole table's summaries instead of the sample's."""
    out = Metadata.from_dict(metadata.to_dict())
    for name, col in out.columns.items():
        s = summary.columns[name]
        col.null_share = s.nulls / s.rows if s.rows else 0.0
        if col.kind == "numerical" and s.sketch is not None and s.sketch.n:
            if col.min is not None:
                col.min = float(s.sketch.values[0])
            if col.max is not None:
                col.max = float(s.sketch.values[-1])
        if col.kind == "categorical" and col.cardinality is not None and s.counts:
            col.cardinality = len(s.counts)
    return out


def transformer_from_summaries(
    pilot: TableTransformer, summary: TableSummary, sample: pd.DataFrame, seed: int = 0
) -> TableTransformer:
    """`pilot` (fitted on `sample`) with every statistic the summaries hold replaced."""
    state = pilot.get_state()
    rng = np.random.default_rng(seed)
    for name, column in pilot.columns_.items():
        s = summary.columns[name]
        if isinstance(column, ContinuousTransform) and s.sketch is not None and s.sketch.n:
            x = column.to_float(sample[name])
            state["columns"][name] = _continuous_state(column, s, x, rng)
        elif isinstance(column, CategoricalTransform) and (s.counts or s.nulls):
            state["columns"][name] = _categorical_state(column, s)
    return TableTransformer.from_state(pilot.metadata, state)


def _continuous_state(
    column: ContinuousTransform, s: ColumnSummary, sample: np.ndarray, rng: np.random.Generator
) -> dict[str, Any]:
    assert s.sketch is not None
    state = column.get_state()
    lowest, highest = float(s.sketch.values[0]), float(s.sketch.values[-1])
    low = lowest if column.meta.min is None else float(column.meta.min)
    high = highest if column.meta.max is None else float(column.meta.max)
    marginal = _marginal_state(column, s, rng)
    support = marginal.pop("_support", None)
    if support is not None:
        low = support[0] if column.meta.min is None else low
        high = support[1] if column.meta.max is None else high
    codes = np.array([s.finite, s.nulls, s.posinf, s.neginf], dtype=np.float64)
    specials = int(np.flatnonzero(codes)[-1])
    encoders = [marginal]
    if specials:
        encoders.append(_codes_state(column.discrete, codes[: specials + 1]))
    state.update(encoders=encoders, low=low, high=high, specials=specials)
    if isinstance(column, NumericalTransform):
        decimals = 0 if column.meta.integer else column.meta.decimals
        min_rows = max(MASS_ROWS, column.min_count)
        observed = sample[~np.isnan(sample)]
        state.update(learn_grid(observed, decimals, high - low, min_rows).state())
    return state


def _marginal_state(
    column: ContinuousTransform, s: ColumnSummary, rng: np.random.Generator
) -> dict[str, Any]:
    assert s.sketch is not None
    n = s.sketch.n
    if column.continuous == "quantile":
        probs = quantile_grid(n)
        # the tails end between the same ranks from each end as the pilot's
        shares = getattr(column.encoders[0], "shares_", None)
        at = probs if shares is None else tail_probabilities(probs, n, column.min_count, shares)
        state = {
            "encoder": "quantile",
            "probs_": probs,
            "quantiles_": s.sketch.quantile(at),
            "n_": n,
        }
        return state if shares is None else {**state, "shares_": shares}
    if column.continuous == "minmax":
        return {"encoder": "minmax", "low_": s.sketch.values[0], "high_": s.sketch.values[-1]}
    points = s.sketch.quantile((np.arange(min(n, PSEUDO_ROWS)) + 0.5) / min(n, PSEUDO_ROWS))
    encoder = column._encoder(type(column.encoders[0])).fit(points, rng)
    return {**encoder.get_state(), "_support": encoder.support()}


def _codes_state(discrete: str, counts: np.ndarray) -> dict[str, Any]:
    """The saved state of a code encoder fitted on codes 0..k-1 seen `counts` times."""
    total = float(counts.sum())
    if discrete == "frequency":
        bounds = np.concatenate([[0.0], np.cumsum(counts) / total])
        return {"encoder": "frequency", "bounds_": bounds, "n_": int(total)}
    return {"encoder": discrete, "size_": len(counts)}


def _categorical_state(column: CategoricalTransform, s: ColumnSummary) -> dict[str, Any]:
    ordered = sorted(s.counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    rare = [(v, c) for v, c in ordered if c < column.min_count]
    kept = [(v, c) for v, c in ordered if c >= column.min_count]
    rare_count = float(sum(c for _, c in rare) + s.dropped)
    top, tail = kept[: column.max_categories], kept[column.max_categories :]
    has_null = s.nulls > 0
    counts = [float(c) for _, c in top]
    if tail or rare_count:
        counts.append(float(sum(c for _, c in tail)) + rare_count)
    if has_null:
        counts.append(float(s.nulls))
    dtype_categories = None
    if s.dtype_categories is not None:
        rare_values = {v for v, _ in rare}
        known = {v for v, _ in kept}
        dtype_categories = [v for v in s.dtype_categories if v not in rare_values]
        if rare_count and RARE_LABEL not in known:
            dtype_categories.append(RARE_LABEL)
    return {
        **column.get_state(),
        "encoders": [_codes_state(column.discrete, np.array(counts))],
        "categories": [v for v, _ in top],
        "counts": np.array([c for _, c in top], dtype=np.float64),
        "tail_values": [v for v, _ in tail],
        "tail_counts": np.array([c for _, c in tail], dtype=np.float64),
        "has_null": has_null,
        "rare_count": rare_count,
        "dtype_categories": dtype_categories,
    }
