"""The Gaussian copula's draws given part of each row: its imputation (`GaussianCopula.impute`).

The copula holds every column as normal scores with one correlation matrix (`copula.py`), so
the scores a row lacks, given those it has, are Gaussian with the usual conditional mean and
covariance. A present cell is one score only where its value has a score of its own; a
category, or a number that many rows share (a point mass), is an interval of scores, and an
empty cell of a number fixes its null indicator's interval and leaves its value free. The
interval cells' scores are drawn from their truncated normal given the exact ones, by Gibbs
sweeps (exact for one interval), the free scores marginalised; then the free scores from
their exact conditional. Rows are taken together by which of their scores are free.

A filled cell of a column `never_empty` names is never empty: its null indicator is held to the
interval of "a value" (the indicator's first code), a category column's empty category (its
last code) kept out by the interval below it; other filled cells are empty as often as the
model says.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .truncated import gibbs_in_intervals

GIBBS_SWEEPS = 10
RIDGE = 1e-6  # added to the correlation's diagonal before it is solved or inverted


def fill(
    model: Any,
    table: pd.DataFrame,
    unknown: Mapping[str, np.ndarray],
    rng: np.random.Generator,
    never_empty: Collection[str],
) -> pd.DataFrame:
    """The fitted copula `model`'s decoded rows of `table`: the cells `unknown` marks (per
    column, which rows) drawn given the rest of their row, the other cells as given (decoded
    from their scores: `table`'s own values replace them where they are kept). `table` holds
    every column the model learned."""
    transformer = model.transformer_
    scores = transformer.encode(_placeheld(transformer, table, unknown, rng))
    low, high = scores.copy(), scores.copy()  # each cell's interval; equal ends: one score
    free = np.zeros(scores.shape, dtype=bool)
    with_nulls = {b.column for b in transformer.blocks_ if b.role == "null"}
    for block in transformer.blocks_:
        j, column = block.start, transformer.columns_[block.column]
        encoder = column.encoders[1 if block.role == "null" else 0]
        low[:, j], high[:, j] = _intervals(encoder, scores[:, j])
        if block.role == "value" and block.column in with_nulls:  # empty: its value is free
            free[:, j] = table[block.column].isna().to_numpy()
        drawn = np.asarray(unknown.get(block.column, np.zeros(len(table), bool)), dtype=bool)
        free[drawn, j] = True
        null = column.null_token(block.role)
        if block.column in never_empty and null is not None and drawn.any():
            free[drawn, j] = False
            low[drawn, j], high[drawn, j] = _not_empty(encoder, null)
    scores = np.clip(scores, low, high)
    patterns, group = np.unique(free, axis=0, return_inverse=True)
    for p, pattern in enumerate(patterns):
        rows = np.flatnonzero(group.ravel() == p)
        scores[rows] = _draw_rows(model, scores[rows], low[rows], high[rows], pattern, rng)
    return transformer.decode(scores, rng)


def _placeheld(
    transformer: Any,
    table: pd.DataFrame,
    unknown: Mapping[str, np.ndarray],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """`table` with its `unknown` cells holding a value the model learned (its middle row: every
    score 0), so that they encode (a category column may have had no empty cell)."""
    middle = transformer.decode(np.zeros((1, transformer.width_)), rng)
    table = table.copy()
    for name, rows in unknown.items():
        rows = np.asarray(rows, dtype=bool)
        if rows.any() and name in middle:
            value = middle[name].iloc[0]
            table[name] = [value if r else v for r, v in zip(rows, table[name], strict=True)]
    return table


def _draw_rows(
    model: Any,
    scores: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    free: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Rows whose free scores are the same columns (`free`): the interval cells by Gibbs
    sweeps given the exact ones, then the free ones given all."""
    known, target = np.flatnonzero(~free), np.flatnonzero(free)
    boxed = {
        k: (low[:, j], high[:, j]) for k, j in enumerate(known) if (low[:, j] < high[:, j]).any()
    }
    values = scores[:, known]
    if boxed:
        sigma = model.correlation_[np.ix_(known, known)] + RIDGE * np.eye(len(known))
        gibbs_in_intervals(values, np.linalg.inv(sigma), boxed, GIBBS_SWEEPS, rng)
    out = scores.copy()
    out[:, known] = values
    if len(target):
        mean, cov = model._conditional(list(known), list(target), values)
        chol = np.linalg.cholesky(cov + RIDGE * np.eye(len(target)))
        out[:, target] = mean + rng.standard_normal((len(out), len(target))) @ chol.T
    return out


def _intervals(encoder: Any, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each score's interval of scores that decode to the same value: the score itself for a
    value of its own, the whole step for a category or a point mass."""
    low, high = encoder.score_intervals(encoder.decode(scores[:, None]))
    step = low < high
    return np.where(step, low, scores), np.where(step, high, scores)


def _not_empty(encoder: Any, null: int) -> tuple[float, float]:
    """The interval of an indicator's or a category column's scores that are not `null`:
    below the null code's interval when it is the last code, else the first code's (a number's
    indicator: a value, null, inf, -inf)."""
    lo, hi = encoder.score_bounds(null)
    if null == len(encoder.bounds_) - 2:
        return -np.inf, lo
    return encoder.score_bounds(0)
