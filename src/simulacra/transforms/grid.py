"""A numerical column's value grid: the step its values are multiples of, and its point masses.

Real columns live on grids a model smears out: prices in steps of 5 or 0.05, loan amounts in
thousands, exact zeros in a debt column, 40 hours a week. `learn_grid` finds the grid from the
observed values at fit; `Grid.snap` moves decoded model output onto it, deterministically (no
random draws), so a seed still reproduces its rows byte for byte.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

# a step holds when at least this share of the nonzero values are its multiples
ON_GRID_SHARE = 0.995
# candidate steps are these mantissas times a power of ten (2.5: quarters, 25, 250, ...)
MANTISSAS = (1.0, 2.0, 2.5, 5.0)
# fewer nonzero values than this give no evidence for a step coarser than the column's precision
MIN_STEP_EVIDENCE = 20
# a point mass is a value held by at least this share of the rows and at least this many rows
MASS_SHARE = 0.01
MASS_ROWS = 20
# a point mass's snapping window never reaches further than this share of the column's range
WINDOW_SHARE = 0.01


@dataclass(frozen=True)
class Grid:
    """Where a column's values lie: multiples of `step` (None: no step) and `masses`.

    `shares` is each mass's share of the observed rows; `windows` the (below, above) reach of
    each mass's snapping window.
    """

    step: float | None = None
    masses: tuple[float, ...] = ()
    shares: tuple[float, ...] = ()
    windows: tuple[tuple[float, float], ...] = ()

    def snap(self, values: np.ndarray, low: float, high: float) -> np.ndarray:
        """`values` moved onto the grid: those inside the window of a mass in [low, high] onto
        the mass, the rest to the nearest multiple of the step that lies in [low, high]
        (unchanged when no multiple does)."""
        out = np.array(values, dtype=np.float64)
        free = np.ones(len(out), dtype=bool)
        if self.masses:  # windows do not overlap: only the masses either side can catch a value
            masses = np.asarray(self.masses)
            below, above = np.asarray(self.windows).T
            right = np.minimum(np.searchsorted(masses, out), len(masses) - 1)
            left = np.maximum(right - 1, 0)
            inside = (masses >= low) & (masses <= high)
            for side in (right, left):
                near = (out >= masses[side] - below[side]) & (out <= masses[side] + above[side])
                hit = free & inside[side] & near
                out[hit] = masses[side][hit]
                free &= ~hit
        if self.step is not None and free.any():
            step = self.step
            first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
            if first <= last:
                k = np.clip(np.round(out[free] / step), first, last)
                out[free] = np.round(k * step, _digits(step))
        return out

    def describe(self) -> str | None:
        """One short line: "step 25, mass 0 (30%)", "step 5, 44 masses"; None: no grid."""
        parts = [f"step {self.step:g}"] if self.step is not None else []
        if 0 < len(self.masses) <= 3:
            shown = ", ".join(
                f"{m:g} ({s:.0%})" for m, s in zip(self.masses, self.shares, strict=True)
            )
            parts.append(f"{'mass' if len(self.masses) == 1 else 'masses'} {shown}")
        elif self.masses:
            parts.append(f"{len(self.masses)} masses")
        return ", ".join(parts) or None

    def state(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "masses": list(self.masses),
            "mass_shares": list(self.shares),
            "mass_windows": [list(w) for w in self.windows],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Grid:
        """The grid stored in a transform's state; no grid for a state saved before grids."""
        return cls(
            step=state.get("step"),
            masses=tuple(state.get("masses", ())),
            shares=tuple(state.get("mass_shares", ())),
            windows=tuple((float(b), float(a)) for b, a in state.get("mass_windows", ())),
        )


def learn_grid(
    values: np.ndarray, decimals: int | None, span: float, min_rows: int = MASS_ROWS
) -> Grid:
    """The grid of the observed (non-null) `values` of a column with `decimals` decimals
    (None: full precision) and range `span`; see `learn_step` and `learn_masses`.

    Only what adds to the column's own rounding to `decimals` is kept: the step when it is
    coarser than 10^-decimals, and the masses whose window reaches further than half the step
    (or half of 10^-decimals); the rest would snap nothing that rounding does not.
    """
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return Grid()
    finest = None if decimals is None else float(f"1e{-decimals}")
    step = learn_step(values, decimals)
    half = (step or finest or 0.0) / 2 * (1 + 1e-9)
    masses, shares, windows = learn_masses(values, span, min_rows)
    keep = [i for i, window in enumerate(windows) if max(window) > half]
    return Grid(
        None if step == finest else step,
        tuple(masses[i] for i in keep),
        tuple(shares[i] for i in keep),
        tuple(windows[i] for i in keep),
    )


def learn_step(values: np.ndarray, decimals: int | None) -> float | None:
    """The largest step s = m x 10^k (m in 1, 2, 2.5, 5; s at least 10^-decimals and at most
    the largest |value|) such that at least 99.5% of the nonzero values are multiples of s.

    Zeros are multiples of every step, so they are no evidence and are left out of the share.
    With fewer than 20 nonzero values the step is the column's precision, 10^-decimals. None
    for full-precision columns (decimals None) and when even 10^-decimals fails the share.
    """
    if decimals is None:
        return None
    finest = float(f"1e{-decimals}")
    uniques, counts = np.unique(values[values != 0], return_counts=True)
    if counts.sum() == 0:
        return finest
    if counts.sum() < MIN_STEP_EVIDENCE:
        return finest if _share_on(uniques, counts, finest) >= ON_GRID_SHARE else None
    largest = float(np.abs(uniques).max())
    best = None
    for power in range(-decimals, math.floor(math.log10(largest)) + 1):
        for mantissa in MANTISSAS:
            step = float(f"{mantissa}e{power}")
            if step < finest or step > largest or _digits(step) > decimals:
                continue
            if _share_on(uniques, counts, step) >= ON_GRID_SHARE:
                best = step
    return best


def learn_masses(
    values: np.ndarray, span: float, min_rows: int = MASS_ROWS
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[tuple[float, float], ...]]:
    """The point masses of `values`: each value held by at least 1% of them and at least
    `min_rows` rows (default 20), with its share and its snapping window.

    The window reaches, on each side, half the gap to the nearest other observed value (so
    snapping the real values themselves would move none of them) but never more than 1% of the
    column's range `span`; each reach is rounded down to 1, 2 or 5 x 10^k, so the model file
    does not store the neighbouring values themselves.
    """
    uniques, counts = np.unique(values, return_counts=True)
    need = max(min_rows, math.ceil(MASS_SHARE * len(values)))
    cap = WINDOW_SHARE * span
    masses, shares, windows = [], [], []
    for i in np.flatnonzero(counts >= need):
        below = (uniques[i] - uniques[i - 1]) / 2 if i > 0 else cap
        above = (uniques[i + 1] - uniques[i]) / 2 if i + 1 < len(uniques) else cap
        masses.append(float(uniques[i]))
        shares.append(float(counts[i] / len(values)))
        windows.append((_round_down(min(below, cap)), _round_down(min(above, cap))))
    return tuple(masses), tuple(shares), tuple(windows)


def _share_on(uniques: np.ndarray, counts: np.ndarray, step: float) -> float:
    """The share of the values (distinct `uniques` held `counts` times) that are multiples of
    `step`, up to floating-point error."""
    ratio = uniques / step
    on = np.abs(ratio - np.round(ratio)) <= 1e-6 + 1e-12 * np.abs(ratio)
    return float(counts[on].sum() / counts.sum())


def _round_down(width: float) -> float:
    """`width` rounded down to 1, 2 or 5 x 10^k (0 stays 0)."""
    if width <= 0 or not math.isfinite(width):
        return 0.0
    power = math.floor(math.log10(width))
    mantissa = max(m for m in (1, 2, 5) if m * 10.0**power <= width * (1 + 1e-12))
    return float(f"{mantissa}e{power}")


def _digits(step: float) -> int:
    """Decimals needed to write `step` (0.05 -> 2, 25 -> 0)."""
    return next((d for d in range(16) if round(step, d) == step), 15)
