"""Image metrics: pure functions comparing real and synthetic image sets.

The Frechet distance here is computed in the 64-d feature space of a small CNN trained on the
real images (see `classifier.py`); it is NOT Inception-FID and is not comparable with FID values
published elsewhere. Compare it only with the real-vs-real baseline reported beside it.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch
from scipy import linalg

from .. import seeding
from .streams import MEMORISATION_BASELINE


def frechet_distance(
    mean_a: np.ndarray, cov_a: np.ndarray, mean_b: np.ndarray, cov_b: np.ndarray
) -> float:
    """Frechet distance between two Gaussians.

    d = ||m_a - m_b||^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2)); range [0, inf), 0 when equal.
    """
    diff = mean_a - mean_b
    with warnings.catch_warnings():
        # dead ReLU features make covariances singular; the square root is still usable
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(cov_a @ cov_b)
        if not np.isfinite(root).all():
            eps = np.eye(len(cov_a)) * 1e-6
            root = linalg.sqrtm((cov_a + eps) @ (cov_b + eps))
    trace = np.trace(cov_a) + np.trace(cov_b) - 2.0 * float(np.trace(np.real(root)))
    return float(max(0.0, diff @ diff + trace))


def feature_frechet(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two feature matrices `(n, d)`; [0, inf)."""
    return frechet_distance(
        features_a.mean(0), np.cov(features_a, rowvar=False),
        features_b.mean(0), np.cov(features_b, rowvar=False),
    )  # fmt: skip


def class_distribution(
    probabilities: np.ndarray, classes: list[str], reference: np.ndarray | None = None
) -> dict[str, Any]:
    """What a classifier thinks synthetic images are.

    `shares`: share of images predicted as each class (sums to 1); `mean_confidence`: mean of
    the top class probability, in [1/k, 1]; `coverage`: share of classes predicted for at least
    half their fair share (1/(2k)) of the images, in [0, 1]; `total_variation` (given the real
    label shares `reference`): 1/2 * sum |p_synth - p_real|, in [0, 1].
    """
    k = len(classes)
    predicted = probabilities.argmax(1)
    shares = np.bincount(predicted, minlength=k) / len(predicted)
    result: dict[str, Any] = {
        "shares": {c: round(float(s), 4) for c, s in zip(classes, shares, strict=True)},
        "mean_confidence": float(probabilities.max(1).mean()),
        "coverage": float((shares >= 0.5 / k).mean()),
    }
    if reference is not None:
        result["total_variation"] = float(0.5 * np.abs(shares - reference).sum())
    return result


def label_agreement(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Share of images whose predicted class is the class they were generated for; [0, 1]."""
    return float((probabilities.argmax(1) == labels).mean())


def nearest_distances(
    queries: np.ndarray, pool: np.ndarray, *, exclude_self: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """For each query image, the RMS pixel distance to its nearest pool image, and its index.

    distance = sqrt(mean((a - b)^2)) over pixels, in [0, 1] for images in [0, 1].
    `exclude_self` (queries are the pool) skips each image's own index.
    """
    q = torch.from_numpy(np.ascontiguousarray(queries.reshape(len(queries), -1), dtype=np.float32))
    p = torch.from_numpy(np.ascontiguousarray(pool.reshape(len(pool), -1), dtype=np.float32))
    best = np.empty(len(q))
    where = np.empty(len(q), dtype=np.int64)
    for start in range(0, len(q), 512):
        d = torch.cdist(q[start : start + 512].double(), p.double())
        if exclude_self:
            rows = torch.arange(len(d))
            d[rows, rows + start] = float("inf")
        value, index = d.min(1)
        best[start : start + len(d)] = value.numpy()
        where[start : start + len(d)] = index.numpy()
    return best / np.sqrt(q.shape[1]), where


def memorisation(
    synthetic: np.ndarray,
    training: np.ndarray,
    *,
    pairs: int = 8,
    copy_fraction: float = 0.5,
    baseline_size: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    """Nearest-neighbour check of synthetic images against the training images.

    Baseline: each of (up to `baseline_size`) training images' distance to its nearest *other*
    training image. A synthetic image is flagged as a likely copy when its nearest training
    image is closer than `copy_fraction` x the 5th percentile of that baseline.
    `distance_ratio` = median synthetic NN distance / median baseline distance (well below 1
    suggests memorisation). `closest` lists the `pairs` closest (synthetic, training) pairs.
    The baseline images are drawn from `seed`'s "images" stream (see `streams.py`).
    """
    rng = seeding.rng(seed, "images", MEMORISATION_BASELINE)
    pick = rng.permutation(len(training))[: min(baseline_size, len(training))]
    base, _ = nearest_distances(training[pick], training[pick], exclude_self=True)
    if len(pick) < 2:
        base = np.array([np.inf])
    dist, index = nearest_distances(synthetic, training)
    threshold = copy_fraction * float(np.percentile(base, 5))
    flagged = np.flatnonzero(dist < threshold)
    order = np.argsort(dist, kind="stable")[:pairs]
    return {
        "median_distance": float(np.median(dist)),
        "baseline_median_distance": float(np.median(base)),
        "distance_ratio": float(np.median(dist) / max(float(np.median(base)), 1e-12)),
        "copy_threshold": threshold,
        "copies": int(len(flagged)),
        "copy_share": float(len(flagged) / len(dist)),
        "flagged": [int(i) for i in flagged[:100]],
        "closest": [
            {"synthetic": int(i), "training": int(index[i]), "distance": float(dist[i])}
            for i in order
        ],
    }


def pixel_statistics(real: np.ndarray, synthetic: np.ndarray, bins: int = 16) -> dict[str, float]:
    """Pixel-level differences (images in [0, 1]).

    `mean_image_rmse`: RMS difference of the two mean images, [0, 1]; `intensity_tv`: total
    variation distance of the pixel-value histograms (`bins` bins), [0, 1]; plus mean intensity,
    intensity standard deviation and ink share (pixels > 0.5) of each set.
    """
    edges = np.linspace(0.0, 1.0, bins + 1)
    hist_r = np.histogram(real, edges)[0] / real.size
    hist_s = np.histogram(synthetic, edges)[0] / synthetic.size
    return {
        "real_mean": float(real.mean()),
        "synthetic_mean": float(synthetic.mean()),
        "real_std": float(real.std()),
        "synthetic_std": float(synthetic.std()),
        "real_ink_share": float((real > 0.5).mean()),
        "synthetic_ink_share": float((synthetic > 0.5).mean()),
        "mean_image_rmse": float(np.sqrt(((real.mean(0) - synthetic.mean(0)) ** 2).mean())),
        "intensity_tv": float(0.5 * np.abs(hist_r - hist_s).sum()),
    }
