"""Honest training signals: what a fit can tell about itself before anyone evaluates it.

Two failures show at fit time: posterior collapse (a VAE's KL term near zero, so the decoder
ignores the latent code and every sample is the same blur) and samples with near-zero spread
(every draw the same image, whatever the model). Both become warning lines in `describe()`
and in the CLI.
"""

from __future__ import annotations

import numpy as np

KL_FLOOR = 0.5  # nats per image: a VAE whose KL is below this has (nearly) stopped coding
SPREAD_FLOOR = 0.01  # mean per-pixel standard deviation across samples, pixels in [0, 1]


def sample_spread(images: np.ndarray) -> float:
    """Mean over pixels of the standard deviation across images; 0 when all are identical."""
    return float(np.asarray(images, np.float64).std(axis=0).mean())


def training_warnings(history: dict[str, list[float]], samples: np.ndarray) -> list[str]:
    """One sentence per sign of a failed fit, from the loss history and a few samples."""
    found = []
    kl = history.get("kl")
    if kl and kl[-1] < KL_FLOOR:
        found.append(
            f"posterior collapse: the KL term ended at {kl[-1]:.3f} nats per image (below "
            f"{KL_FLOOR}), so samples ignore the latent code; train longer or lower the "
            "learning rate"
        )
    spread = sample_spread(samples)
    if spread < SPREAD_FLOOR:
        found.append(
            f"near-identical samples: pixel spread across samples is {spread:.4f} (below "
            f"{SPREAD_FLOOR}); the model makes one image, not a distribution"
        )
    return found
