"""`evaluate_images(real, synthetic)`: every image metric in one dictionary (JSON-ready)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import seeding
from .classifier import train_classifier
from .data import ImageSet
from .metrics import (
    class_distribution,
    feature_frechet,
    label_agreement,
    memorisation,
    pixel_statistics,
)
from .streams import FRECHET_BASELINE

FRECHET_NOTE = (
    "Frechet distance in the 64-d feature space of a small CNN trained on the real images; "
    "NOT Inception-FID and not comparable with published FID values. Compare it with "
    "frechet_real_baseline (a real subset of the same size against the other real images)."
)


def evaluate_images(
    real: ImageSet,
    synthetic: ImageSet,
    *,
    seed: int = 0,
    classifier_epochs: int = 15,
    pairs: int = 8,
    threads: int | None = None,
) -> dict[str, Any]:
    """Compare synthetic images with the real (training) images.

    Always: `memorisation` (nearest-neighbour distances, flagged copies, closest pairs) and
    `pixels` (pixel statistics). With labelled real images: `classifier` (its held-out accuracy),
    `frechet` and `frechet_real_baseline`, `classes` (predicted-class shares, mean confidence,
    coverage) and, when the synthetic images carry the same classes, `label_agreement`.
    Synthetic images of another size are resized to the real size first. `threads` limits
    torch's CPU threads while the classifier trains.
    """
    if synthetic.shape != real.shape:
        synthetic = (
            synthetic.resized(real.shape[0]) if real.shape[0] == real.shape[1] else synthetic
        )
    result: dict[str, Any] = {
        "real_images": len(real),
        "synthetic_images": len(synthetic),
        "image_shape": list(real.shape),
        "memorisation": memorisation(synthetic.images, real.images, pairs=pairs, seed=seed),
        "pixels": pixel_statistics(real.images, synthetic.images),
    }
    if real.labels is None or len(real.classes) < 2:
        result["classifier"] = None
        return result
    clf = train_classifier(real, epochs=classifier_epochs, seed=seed, threads=threads)
    real_feats, _ = clf.features_and_probabilities(real.images)
    synth_feats, synth_probs = clf.features_and_probabilities(synthetic.images)
    reference = np.bincount(real.labels, minlength=len(real.classes)) / len(real)
    result["classifier"] = {
        "holdout_accuracy": clf.holdout_accuracy,
        "classes": clf.classes,
        "note": FRECHET_NOTE,
    }
    result["frechet"] = feature_frechet(real_feats, synth_feats)
    result["frechet_real_baseline"] = _real_baseline(real_feats, len(synthetic), seed)
    result["classes"] = class_distribution(synth_probs, clf.classes, reference)
    if synthetic.labels is not None and synthetic.classes == clf.classes:
        result["label_agreement"] = label_agreement(synth_probs, synthetic.labels)
    return result


def _real_baseline(features: np.ndarray, size: int, seed: int) -> float | None:
    """Frechet distance of `size` random real images to the other real images (same n bias)."""
    size = min(size, len(features) // 2)
    if size < 2:
        return None
    order = seeding.rng(seed, "images", FRECHET_BASELINE).permutation(len(features))
    return feature_frechet(features[order[size:]], features[order[:size]])
