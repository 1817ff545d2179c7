"""Which numbers of an events table are learned by their change from the value the previous
event predicts, and that prediction (`sequence_layout.py` holds them as `__seq.change.<c>`).

A number whose consecutive values within entities correlate above `PERSISTENT` (over at
least `MIN_PAIRS` pairs) and which its previous value explains more than another number of
its own event does is predicted by the least-squares line of x_t on x_(t-1), its slope at
most `MAX_SLOPE` (an AR(1) step that pulls values back): in logarithms for a positive number
skewed above `SKEWED`, with plain changes (slope 1, intercept 0) for a number of at most
`GRID_VALUES` values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metadata import Column

# a number is modelled by its changes when consecutive values of an entity correlate above
# this: then var(x_t - x_(t-1)) = 2 var(x) (1 - r) is below var(x)
PERSISTENT = 0.5
MIN_PAIRS = 20
GRID_VALUES = 20  # a number with at most this many values keeps plain changes
SKEWED = 1.0  # a positive number skewed more than this changes in logarithms
# the steepest slope of a line: below 1, every step pulls a value back toward the line's level
MAX_SLOPE = 0.95


def row_ties(events: pd.DataFrame, numbers: list[str]) -> dict[str, float]:
    """Per numerical column, its largest squared rank correlation with another numerical
    column of the same event: how much of it its own row explains."""
    if len(numbers) < 2:
        return {}
    ranks = events[numbers].apply(pd.to_numeric, errors="coerce").rank()
    squared = ranks.corr(min_periods=MIN_PAIRS).to_numpy() ** 2
    np.fill_diagonal(squared, 0.0)
    return {c: float(np.nanmax(squared[k], initial=0.0)) for k, c in enumerate(numbers)}


def step_line(
    values: pd.Series, column: Column, first: np.ndarray, row_tie: float = 0.0
) -> tuple[float, float, bool] | None:
    """(slope, intercept, in logarithms) of the prediction of a numerical column's value from
    the previous one when consecutive values within entities correlate above `PERSISTENT`
    (over at least `MIN_PAIRS` pairs, in logarithms for a positive column skewed above
    `SKEWED`) and the previous value explains more of it than another column of its own
    event does (`row_tie`, squared rank correlations: a change drawn apart from the row's
    other numbers loses their tie; baseball fielding's putouts, tied to games and innings
    more than to the previous season's putouts, kept as values: C2ST of the rows 0.955 ->
    0.871), else None: the least-squares line, its slope clipped to [0, `MAX_SLOPE`], or
    (1, 0) for a column of at most `GRID_VALUES` values. (The intercept itself changes no
    sample: a constant shift of every change moves the quantile bins of the changes with
    it.)

    A slope clipped at 1 made the prediction a random walk's step, so a sampled sequence
    wandered as far as its drawn changes took it: on pbcseq's bilirubin (least-squares slope
    above 1) a sample's patients with 6 visits or more ended at 2.7x their first value
    (median over 16 seeds; real 1.6x); at most 0.95, at 2.1x. Over those 16 seeds: entity
    C2ST 0.778 -> 0.784, coherence 0.913 -> 0.924 (0.933 real), column shapes 0.902 ->
    0.916, worst lag-1 difference 0.189 -> 0.181."""
    if column.kind != "numerical":
        return None
    x = pd.to_numeric(values, errors="coerce").to_numpy(np.float64)
    present = x[~np.isnan(x)]
    grid = len(np.unique(present)) <= GRID_VALUES
    log = not grid and len(present) > 2 and present.min() > 0 and _skewness(present) > SKEWED
    if log:
        x = log_values(x)
    before = np.where(first, np.nan, np.roll(x, 1))
    pairs = ~(np.isnan(x) | np.isnan(before) | first)
    if pairs.sum() < MIN_PAIRS or np.std(x[pairs]) == 0 or np.std(before[pairs]) == 0:
        return None
    after, before = x[pairs], before[pairs]
    if not np.corrcoef(before, after)[0, 1] > PERSISTENT:
        return None
    lag = pd.Series(before).corr(pd.Series(after), method="spearman")
    if not lag**2 > row_tie:
        return None
    if grid:
        return 1.0, 0.0, False
    slope = float(np.clip(np.cov(before, after)[0, 1] / np.var(before, ddof=1), 0.0, MAX_SLOPE))
    return slope, float(np.mean(after) - slope * np.mean(before)), log


def _skewness(x: np.ndarray) -> float:
    spread = float(np.std(x))
    return float(np.mean((x - x.mean()) ** 3) / spread**3) if spread > 0 else 0.0


def log_values(values: np.ndarray) -> np.ndarray:
    """Natural logarithms of positive values; NaN for the others (and for NaN)."""
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
