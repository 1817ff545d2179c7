"""Gaussian-mechanism statistics: noisy histograms, ranges, category lists and projections.

Each measurement is a histogram of one column in which a row adds 1 to one cell, so adding or
removing a row changes it by 1 in L2 norm (sensitivity 1); its noise comes from a
`PrivacyLedger` (integer discrete Gaussian noise, recorded as it is spent). Everything derived
from noisy counts (bounds, quantile edges, resampled values) is post-processing and costs
nothing more.

- `dp_range`: counts over fixed, data-independent buckets (zero and +-[2^k, 2^(k+1)) for k in
  -20..62); the range spans the buckets whose noisy count clears the level that pure noise
  passes in any of the ~170 buckets with probability `RANGE_FALSE_SHARE` (about 5.7 sigma,
  taken from the discrete noise's own tail, which is heavier than the normal one at small
  sigma: see `noise_level`; when none does, the run of buckets around the largest noisy
  count that clear 3, 2 and then 1 sigma, so that stray noisy buckets far away cannot
  stretch the range to 2^62; at worst the bucket with the largest noisy count).
- `dp_histogram`: counts over cells between two bounds, equally wide in asinh((x - centre) /
  scale) so that skewed columns keep detail where their values are; the null count is one
  more cell. Cells whose noisy count is below `CELL_SIGMAS` sigma are emptied (noise mass
  spread over empty cells would otherwise dominate sparse columns), and so are the cells
  outside the first and last ones that pure noise would pass with probability
  `RANGE_FALSE_SHARE` (so a lone noisy cell cannot stretch the range); the upper end also
  keeps a long thin tail whose cells' counts together clear that level (see `_support`).
- `category_threshold`: the count a category outside the public list must show to be kept; a
  category of one row clears it with probability at most `delta` (the stability-based
  histogram), from the discrete noise's exact tail.
- `project_simplex`: noisy counts made non-negative with a given total (Euclidean projection).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from scipy.special import ndtri

EXPONENTS = np.arange(-20, 63)
# a stray bucket far from the data would ruin the column: pure noise passes the strict level
# in one fit in a million
RANGE_FALSE_SHARE = 1e-6
# under the strict level, buckets further than this from the run around the peak are noise
RANGE_GAP = 2
CELL_SIGMAS = 1.0
MIN_CELLS, MAX_CELLS = 8, 256
SCALE_PARTS = 64


class Noise(Protocol):
    """Count noise of scale `sigma` (`ledger.CountNoise`: discrete Gaussian, accounted)."""

    sigma: float

    def noisy(self, counts: np.ndarray) -> np.ndarray: ...


def sigma_for(rho: float, measurements: int) -> float:
    """Noise of each of `measurements` sensitivity-1 Gaussian histograms sharing rho-zCDP."""
    return float(np.sqrt(max(measurements, 1) / (2.0 * rho)))


def noise_level(sigma: float, share: float) -> int:
    """The least whole k >= 0 with P(X >= k) <= `share` for the discrete Gaussian noise X of
    scale `sigma` (P(x) proportional to exp(-x^2 / 2 sigma^2)), from its exact tail: at small
    sigma the whole numbers make the tail heavier than the normal's, by 4x at sigma 0.6."""
    top = int(np.ceil(sigma * max(float(ndtri(1.0 - share)), 0.0) + 4.0 * sigma)) + 2
    span = int(np.ceil(12.0 * sigma)) + 12  # the mass beyond 12 sigma is below 1e-30
    values = np.arange(-max(span, top), max(span, top) + 1, dtype=np.float64)
    weights = np.exp(-(values**2) / (2.0 * sigma**2))
    tails = np.cumsum(weights[::-1])[::-1] / weights.sum()  # tails[i] = P(X >= values[i])
    passing = np.flatnonzero((tails <= share) & (values >= 0))
    return int(values[passing[0]]) if len(passing) else top


def category_threshold(sigma: float, delta: float) -> float:
    """Noisy count a data-found category must exceed: one row's category (1 + noise) passes
    with probability at most delta."""
    return float(noise_level(sigma, delta)) + 0.5


def _bucket_edges() -> np.ndarray:
    positive = 2.0 ** np.append(EXPONENTS, EXPONENTS[-1] + 1)
    return np.concatenate([-positive[::-1], positive])  # zero bucket: (-2^-20, 2^-20)


def dp_range(values: np.ndarray, noise: Noise) -> tuple[float, float]:
    """Bounds of the finite `values` from a noisy histogram over power-of-two buckets."""
    edges = _bucket_edges()
    x = np.clip(values[np.isfinite(values)], edges[0], edges[-1])
    counts = np.histogram(x, bins=edges)[0]
    noisy = noise.noisy(counts)
    peak = int(np.argmax(noisy))
    kept = np.array([peak])
    above = np.flatnonzero(noisy >= _strict_count(len(counts), noise.sigma))
    if len(above):  # significant buckets: all of them (zeros beside large amounts, say)
        kept = above
    else:  # at weaker levels noise passes in stray buckets: keep the run around the peak
        for sigmas in (3.0, 2.0, 1.0):
            run = _run_around(np.flatnonzero(noisy > sigmas * noise.sigma), peak)
            if len(run) > 1:
                kept = run
                break
    return float(edges[kept[0]]), float(edges[kept[-1] + 1])


def _run_around(cells: np.ndarray, peak: int, gap: int = RANGE_GAP) -> np.ndarray:
    """The cells of `cells` (sorted) linked to `peak` by steps of at most `gap` cells."""
    if peak not in cells:
        return np.array([peak])
    low = high = int(np.flatnonzero(cells == peak)[0])
    while low > 0 and cells[low] - cells[low - 1] <= gap:
        low -= 1
    while high < len(cells) - 1 and cells[high + 1] - cells[high] <= gap:
        high += 1
    return cells[low : high + 1]


def _strict(cells: int) -> float:
    """The level (in sigmas) that noise passes in any of `cells` cells w.p. RANGE_FALSE_SHARE
    (for sums over many cells, whose noise is close to normal)."""
    return float(ndtri(1 - RANGE_FALSE_SHARE / cells))


def _strict_count(cells: int, sigma: float) -> int:
    """The count that pure noise reaches in any of `cells` empty cells w.p. RANGE_FALSE_SHARE."""
    return noise_level(sigma, RANGE_FALSE_SHARE / cells)


def cells_for(rows: int, sigma: float) -> int:
    """Cells such that an average cell holds about four times the noise."""
    return int(np.clip(rows / (4.0 * sigma), MIN_CELLS, MAX_CELLS))


def cell_edges(low: float, high: float, cells: int) -> np.ndarray:
    """`cells` + 1 edges from low to high, equally spaced in asinh((x - centre) / scale)."""
    if not high > low:
        return np.array([low, low + 1.0])
    centre, scale = (low + high) / 2, (high - low) / SCALE_PARTS
    ends = np.arcsinh((np.array([low, high]) - centre) / scale)
    edges = centre + scale * np.sinh(np.linspace(ends[0], ends[1], cells + 1))
    edges[0], edges[-1] = low, high
    return np.asarray(np.maximum.accumulate(edges))


def dp_histogram(
    values: np.ndarray, low: float, high: float, cells: int, noise: Noise
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(edges, noisy cell counts of the finite `values` clipped to [low, high], noisy counts
    of NaN, +inf and -inf): one histogram, a row in exactly one of its cells."""
    edges = cell_edges(low, high, cells)
    finite = np.isfinite(values)
    counts = np.histogram(np.clip(values[finite], low, high), bins=edges)[0]
    specials = [np.isnan(values).sum(), np.isposinf(values).sum(), np.isneginf(values).sum()]
    noisy = noise.noisy(np.append(counts, specials))
    cells_noisy = noisy[:-3]
    cleaned = np.where(cells_noisy >= CELL_SIGMAS * noise.sigma, cells_noisy, 0.0)
    first, last = _support(cells_noisy, noise.sigma)
    cleaned[:first] = 0.0
    cleaned[last + 1 :] = 0.0
    if not cleaned.any():
        cleaned[int(np.argmax(cells_noisy))] = 1.0
    return edges, cleaned, np.maximum(noisy[-3:], 0.0)


def _support(noisy: np.ndarray, sigma: float) -> tuple[int, int]:
    """The first and last cells that hold data: from the outermost cells whose own noisy count
    pure noise passes with probability RANGE_FALSE_SHARE (in any cell), the upper end moves
    on to the end of the most significant run of cells beyond it (sum over sigma sqrt(cells))
    while that run clears the same level. A long thin upper tail (prices, amounts), none of
    whose cells is strong on its own, is kept; a lone noisy cell is not. All cells when no
    cell is strong."""
    level = _strict(len(noisy))
    strong = np.flatnonzero(noisy >= _strict_count(len(noisy), sigma))
    if not len(strong):
        return 0, len(noisy) - 1
    last = int(strong[-1])
    while last + 1 < len(noisy):
        beyond = noisy[last + 1 :]
        z = np.cumsum(beyond) / (sigma * np.sqrt(np.arange(1, len(beyond) + 1)))
        if z.max() < level:
            break
        last += 1 + int(np.argmax(z))
    return int(strong[0]), last


def resample(
    edges: np.ndarray, counts: np.ndarray, size: int, rng: np.random.Generator
) -> np.ndarray:
    """`size` values drawn from the histogram, uniformly inside their cell."""
    cells = rng.choice(len(counts), size, p=counts / counts.sum())
    lo, hi = edges[cells], edges[cells + 1]
    return np.asarray(lo + rng.random(size) * (hi - lo))


def project_simplex(noisy: np.ndarray, total: float) -> np.ndarray:
    """The non-negative vector summing to `total` nearest to `noisy` (Euclidean)."""
    v = np.asarray(noisy, dtype=np.float64).ravel()
    if total <= 0 or not len(v):
        return np.zeros_like(v)
    u = np.sort(v)[::-1]
    cumulative = np.cumsum(u) - total
    index = np.arange(1, len(v) + 1)
    k = int(np.flatnonzero(u - cumulative / index > 0)[-1]) + 1
    theta = cumulative[k - 1] / k
    return np.asarray(np.maximum(v - theta, 0.0))
