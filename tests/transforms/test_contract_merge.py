"""The statistics-merge property of the Dask path, for every column kind: each partition is
summarised where it lies (`scale.fitting._summarise`, the function every partition runs) and the
summaries merge (`scale.summaries`), so the summaries of two halves of a column, merged, must give
the statistics one summary of the whole column gives; and the transformer learned from them
(`scale.transformer.transformer_from_summaries`) must be the one learned from the whole."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import Metadata
from simulacra.scale.fitting import _summarise, merge_summaries
from simulacra.scale.summaries import ColumnSummary, Moments, TableSummary
from simulacra.scale.transformer import transformer_from_summaries
from simulacra.transforms import TableTransformer
from simulacra.transforms.categorical import CategoricalTransform
from simulacra.transforms.columns import ContinuousTransform

from .column_cases import CASES, ROWS, Case, fitted

# the merged quantile sketch interpolates between the halves' order statistics: at 200 rows its
# quantiles may move by one gap between neighbouring values (about 1.5% of the range here)
SKETCH_TOLERANCE = 0.03


def _summaries(case: Case, tt: TableTransformer, cuts: list[int]) -> list[TableSummary]:
    plan = (tt.metadata.to_dict(), tt.get_state())
    frame = case.frame()
    bounds = [0, *cuts, len(frame)]
    return [_summarise(frame.iloc[a:b], plan) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def assert_same_statistics(merged: ColumnSummary, whole: ColumnSummary) -> None:
    """Counts exact, sums to rounding, extremes exact, quantiles within the sketch's step."""
    counts = ("rows", "nulls", "posinf", "neginf", "finite", "dropped")
    assert [getattr(merged, k) for k in counts] == [getattr(whole, k) for k in counts]
    assert merged.counts == whole.counts
    assert merged.dtype_categories == whole.dtype_categories
    assert merged.total == pytest.approx(whole.total, rel=1e-9, abs=1e-9)
    assert merged.squares == pytest.approx(whole.squares, rel=1e-9, abs=1e-9)
    if whole.sketch is None:
        assert merged.sketch is None
        return
    assert merged.sketch is not None and merged.sketch.n == whole.sketch.n
    assert merged.mean == pytest.approx(whole.mean, rel=1e-9)
    assert merged.std == pytest.approx(whole.std, rel=1e-6)
    ends = (whole.sketch.values[0], whole.sketch.values[-1])
    assert (merged.sketch.values[0], merged.sketch.values[-1]) == ends
    probs = np.linspace(0.0, 1.0, 51)
    gap = np.abs(merged.sketch.quantile(probs) - whole.sketch.quantile(probs)).max()
    assert gap <= SKETCH_TOLERANCE * (ends[1] - ends[0])


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.name}-{c.kind}")
def test_merged_halves_give_the_statistics_of_the_whole(case: Case) -> None:
    tt = fitted(case.name, *case.styles()[0], False)
    (whole,) = _summaries(case, tt, [])
    first, second = _summaries(case, tt, [ROWS // 2])
    merged = merge_summaries(first, second)
    assert merged.rows == whole.rows == ROWS
    kind = case.kind
    column = tt.columns_[case.name]
    summary = whole.columns[case.name]
    # what each kind is summarised as: numbers (datetimes as seconds) sketched, categories counted
    assert (summary.sketch is not None) == isinstance(column, ContinuousTransform), kind
    assert bool(summary.counts) == isinstance(column, CategoricalTransform), kind
    assert_same_statistics(merged.columns[case.name], summary)
    # ... in any order and any tree of merges
    a, b, c = _summaries(case, tt, [50, 120])
    assert_same_statistics(merge_summaries(merge_summaries(a, b), c).columns[case.name], summary)
    assert_same_statistics(merge_summaries(c, merge_summaries(b, a)).columns[case.name], summary)


def _copy(tt: TableTransformer) -> TableTransformer:
    return TableTransformer.from_state(tt.metadata, tt.get_state())


def _learned_styles() -> list[Any]:
    """Every category encoder, and the continuous encoders whose fit on points of the sketched
    quantile function follows those points closely: quantile grids and min-max ranges (the
    copula's Dask fit). A mixture's modes or a parametric family fitted on nearby points may
    differ more, so for those only the summaries are held to the merge property."""
    return [
        pytest.param(case, c, d, id=f"{case.name}-{c if case.continuous else d}")
        for case in CASES
        if case.modelled
        for c, d in case.styles()
        if not case.continuous or c in ("quantile", "minmax")
    ]


@pytest.mark.parametrize(("case", "continuous", "discrete"), _learned_styles())
def test_merged_halves_learn_the_transformer_of_the_whole(
    case: Case, continuous: str, discrete: str
) -> None:
    tt = fitted(case.name, continuous, discrete, False)
    (whole,) = _summaries(case, tt, [])
    merged = merge_summaries(*_summaries(case, tt, [ROWS // 2]))
    frame = case.frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DataNotes about pooled rare values
        # each learns into its own copy of the pilot (the cached one stays as it is)
        from_whole = transformer_from_summaries(_copy(tt), whole, frame)
        from_merged = transformer_from_summaries(_copy(tt), merged, frame)
    assert from_merged.blocks_ == from_whole.blocks_
    mine, theirs = from_merged.columns_[case.name], from_whole.columns_[case.name]
    encoded = from_whole.encode(frame)
    a = from_merged.decode(encoded, np.random.default_rng(0))[case.name]
    b = from_whole.decode(encoded, np.random.default_rng(0))[case.name]
    np.testing.assert_array_equal(a.isna().to_numpy(), b.isna().to_numpy())
    if isinstance(theirs, CategoricalTransform):
        assert isinstance(mine, CategoricalTransform)
        assert (mine.categories_, mine.rare_count_) == (theirs.categories_, theirs.rare_count_)
        pd.testing.assert_series_equal(a, b)
        return
    assert isinstance(mine, ContinuousTransform) and isinstance(theirs, ContinuousTransform)
    assert (mine.low_, mine.high_, mine.specials_) == (theirs.low_, theirs.high_, theirs.specials_)
    x, y = theirs.to_float(a), theirs.to_float(b)
    finite = np.isfinite(y)
    np.testing.assert_array_equal(np.isfinite(x), finite)
    span = theirs.high_ - theirs.low_
    assert np.abs(x[finite] - y[finite]).max() <= SKETCH_TOLERANCE * span


def test_partial_sums_of_halves_merge_to_those_of_the_whole() -> None:
    """The copula's second Dask pass: rows, column sums and X^T X of encoded partitions."""
    table = pd.concat([case.frame() for case in CASES if case.modelled], axis=1)
    columns = {}
    for case in CASES:
        if case.modelled:
            columns.update(case.metadata().columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tt = TableTransformer(Metadata(columns), verbose=False).fit(table)
    encoded = tt.encode(table)
    whole = Moments.of(encoded)
    merged = Moments.of(encoded[:77]).merge(Moments.of(encoded[77:]))
    assert merged.rows == whole.rows == ROWS
    for got, want in zip(merged.mean_std_correlation(), whole.mean_std_correlation(), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
