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
    `verdict` says in one word and a sentence what to make of it (see `image_verdict`).
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
        "spread_ratio": spread_ratio(real.images, synthetic.images),
    }
    if real.labels is None or len(real.classes) < 2:
        result["classifier"] = None
        result["verdict"] = image_verdict(result, None)
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
    result["verdict"] = image_verdict(result, float(reference.max()))
    return result


# verdict thresholds: see `image_verdict`
COLLAPSED_SHARE = 0.9
COLLAPSED_SPREAD = 0.05
MEMORISED_SHARE = 0.1
FRECHET_GRADES = ((2.0, "good"), (5.0, "fair"))


def spread_ratio(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Mean over pixels of the standard deviation across synthetic images, divided by the same
    across real images: about 1 for varied samples, 0 when every sample is the same image."""
    base = float(real.std(axis=0).mean())
    return float(synthetic.std(axis=0).mean()) / base if base > 0 else 1.0


def image_verdict(result: dict[str, Any], real_top_share: float | None) -> dict[str, str]:
    """One word and a sentence, checked in this order:

    - "collapsed": at least `COLLAPSED_SHARE` of the samples fall in one predicted class while
      the real images are spread over several (their largest class holds less), or the samples
      barely differ (`spread_ratio` below `COLLAPSED_SPREAD`);
    - "memorised": at least `MEMORISED_SHARE` of the samples are flagged as near-copies of
      training images;
    - "good" / "fair" / "poor": feature Frechet distance at most 2x / 5x / above 5x the
      real-vs-real baseline; "n/a" without a classifier (unlabelled real images).
    """
    spread = result["spread_ratio"]
    if spread < COLLAPSED_SPREAD:
        return _verdict(
            "collapsed",
            f"The samples are near-identical: pixels vary {spread:.1%} as much across them as "
            "across real images.",
        )
    classes = result.get("classes")
    if classes and real_top_share is not None and real_top_share < COLLAPSED_SHARE:
        name, share = max(classes["shares"].items(), key=lambda item: item[1])
        if share >= COLLAPSED_SHARE:
            return _verdict(
                "collapsed",
                f"{share:.0%} of the samples look like class '{name}' to a classifier trained "
                f"on the real images, whose largest class holds {real_top_share:.0%}.",
            )
    memo = result["memorisation"]
    if memo["copy_share"] >= MEMORISED_SHARE:
        return _verdict(
            "memorised",
            f"{memo['copy_share']:.0%} of the samples ({memo['copies']}) are near-copies of "
            "training images.",
        )
    if not result.get("classifier") or not result.get("frechet_real_baseline"):
        return _verdict("n/a", "Without labelled real images there is no feature space to grade.")
    ratio = result["frechet"] / result["frechet_real_baseline"]
    word = next((w for limit, w in FRECHET_GRADES if ratio <= limit), "poor")
    return _verdict(
        word,
        f"Feature Frechet distance {result['frechet']:.3f} is {ratio:.1f}x that of real images "
        f"against other real images ({result['frechet_real_baseline']:.3f}); "
        f"{memo['copy_share']:.1%} of samples are near-copies.",
    )


def _verdict(word: str, sentence: str) -> dict[str, str]:
    return {"verdict": word, "sentence": sentence}


def _real_baseline(features: np.ndarray, size: int, seed: int) -> float | None:
    """Frechet distance of `size` random real images to the other real images (same n bias)."""
    size = min(size, len(features) // 2)
    if size < 2:
        return None
    order = seeding.rng(seed, "images", FRECHET_BASELINE).permutation(len(features))
    return feature_frechet(features[order[size:]], features[order[:size]])
