"""Diversity and coverage: do synthetic rows span what the real rows span, and only that?"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from ._threads import one_thread

KNN_K = 5
_CHUNK = 2_000


def category_coverage(real: pd.Series, synthetic: pd.Series) -> float:
    """|C_real ∩ C_synth| / |C_real|: the share of the real column's non-null categories that
    appear in the synthetic column. Range [0, 1]; 1 means every real category is produced.
    """
    seen = set(pd.unique(real.dropna()))
    if not seen:
        return float("nan")
    produced = set(pd.unique(synthetic.dropna()))
    return len(seen & produced) / len(seen)


def range_coverage(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - (max(min_s - min_r, 0) + max(max_r - max_s, 0)) / (max_r - min_r), clipped to
    [0, 1]: how much of the real column's range [min_r, max_r] the synthetic values reach.
    1 means the synthetic range covers the real one (going beyond it is not penalised), as in
    SDMetrics' RangeCoverage.
    """
    a = pd.to_numeric(real.dropna()).to_numpy(np.float64)
    b = pd.to_numeric(synthetic.dropna()).to_numpy(np.float64)
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    span = float(a.max() - a.min())
    if span == 0:
        return 1.0 if b.min() <= a.min() <= b.max() else 0.0
    missed = max(b.min() - a.min(), 0.0) + max(a.max() - b.max(), 0.0)
    return float(np.clip(1.0 - missed / span, 0.0, 1.0))


@one_thread
def knn_precision_recall(
    real: np.ndarray, synthetic: np.ndarray, k: int = KNN_K
) -> dict[str, float]:
    """Improved precision and recall (Kynkäänniemi et al., 2019) of two point sets.

    Each point's k-NN radius is the distance to its k-th nearest neighbour in its own set.
    precision = share of synthetic points inside the radius of at least one real point
    (synthetic rows look real); recall = share of real points inside the radius of at least one
    synthetic point (the real variety is reproduced). Both range over [0, 1]; 1 is best.
    Cost is O(n_real * n_synth); the caller subsamples.
    """
    k = max(1, min(k, len(real) - 1, len(synthetic) - 1))
    real_radius = _kth_distance(real, k)
    synth_radius = _kth_distance(synthetic, k)
    return {
        "precision": _covered_share(synthetic, real, real_radius),
        "recall": _covered_share(real, synthetic, synth_radius),
        "k": float(k),
    }


def _kth_distance(points: np.ndarray, k: int) -> np.ndarray:
    # k + 1 neighbours because every point is its own nearest neighbour at distance 0.
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points)
    return np.asarray(distances[:, k])


def _covered_share(queries: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> float:
    """Share of queries q with |q - c| <= r_c for some centre c (exact, in chunks)."""
    centre_norms = np.einsum("ij,ij->i", centres, centres)
    covered = 0
    for start in range(0, len(queries), _CHUNK):
        block = queries[start : start + _CHUNK]
        squared = (
            np.einsum("ij,ij->i", block, block)[:, None]
            - 2.0 * block @ centres.T
            + centre_norms[None, :]
        )
        covered += int(np.any(squared <= radii[None, :] ** 2 + 1e-9, axis=1).sum())
    return covered / max(len(queries), 1)
