"""A small CNN classifier trained on the real images: the feature space of the image metrics.

This is NOT the Inception network of the usual FID: it is a two-convolution network trained in
seconds on the real set itself, so its distances compare datasets of the same kind only and are
not comparable with published FID numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from .. import seeding
from .._torch import seeded_torch
from ..errors import DataError
from .data import ImageSet
from .streams import CLASSIFIER_BATCHES, CLASSIFIER_SPLIT, CLASSIFIER_WEIGHTS
from .train import batches

FEATURES = 64


class SmallCNN(nn.Module):
    """conv(16) -> pool -> conv(32) -> pool -> adaptive 4x4 -> 64 features -> classes."""

    def __init__(self, n_classes: int, channels: int = 1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Linear(32 * 16, FEATURES),
            nn.ReLU(),
        )
        self.head = nn.Linear(FEATURES, n_classes)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(images)
        return features, self.head(features)


@dataclass
class FeatureClassifier:
    """A trained SmallCNN with the class names and its accuracy on held-out real images."""

    net: SmallCNN
    classes: list[str]
    holdout_accuracy: float

    def features_and_probabilities(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """64-d penultimate features and class probabilities of `(n, h, w)` or `(n, h, w, c)`
        images."""
        feats, probs = [], []
        self.net.eval()
        with torch.no_grad():
            for start in range(0, len(images), 1024):
                part = ImageSet(images[start : start + 1024]).channels_first()
                x = torch.from_numpy(np.ascontiguousarray(part))
                f, logits = self.net(x.float())
                feats.append(f.numpy())
                probs.append(functional.softmax(logits, dim=1).numpy())
        return np.concatenate(feats).astype(np.float64), np.concatenate(probs).astype(np.float64)


def train_classifier(
    real: ImageSet,
    *,
    epochs: int = 15,
    holdout: float = 0.2,
    max_images: int = 10_000,
    seed: int = 0,
    threads: int | None = None,
) -> FeatureClassifier:
    """Train the SmallCNN on a labelled real set (a share held out to report its accuracy).

    Large sets are subsampled to `max_images` (at random, seeded) to keep this to seconds.
    The split, the initial weights and the batch order come from `seed`'s "images" streams
    (see `streams.py`); `threads` CPU threads (default one).
    """
    if real.labels is None or len(real.classes) < 2:
        raise DataError("the real images need class labels (two or more) to train the classifier")
    rng = seeding.rng(seed, "images", CLASSIFIER_SPLIT)
    order = rng.permutation(len(real))[:max_images]
    n_test = int(round(len(order) * holdout)) if len(order) >= 10 else 0
    test, train = order[:n_test], order[n_test:]
    x = torch.from_numpy(np.ascontiguousarray(real.channels_first(), dtype=np.float32))
    y = torch.from_numpy(real.labels.astype(np.int64))
    train_index = torch.from_numpy(train)
    steps = epochs * -(-len(train) // 64)
    with seeded_torch(seeding.integer(seed, "images", CLASSIFIER_WEIGHTS), threads):
        net = SmallCNN(len(real.classes), real.channels)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=steps)
        shuffle = torch.Generator().manual_seed(seeding.integer(seed, "images", CLASSIFIER_BATCHES))
        net.train()
        for _ in range(epochs):
            for batch in batches(len(train), 64, shuffle):
                index = train_index[batch]
                _, logits = net(x[index])
                loss = functional.cross_entropy(logits, y[index])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                scheduler.step()
    net.eval()
    accuracy = float("nan")
    if n_test:
        with torch.no_grad():
            _, logits = net(x[torch.from_numpy(test)])
        accuracy = float((logits.argmax(1) == y[torch.from_numpy(test)]).float().mean())
    return FeatureClassifier(net, list(real.classes), accuracy)
