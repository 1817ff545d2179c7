"""A classifier trained on real digits recognises what a class-conditional model was asked for.

Threshold from measurement: a conditional MLP VAE (10 epochs, 16x16 digits) scored label
agreement 1.000, 1.000 and 0.993 over all classes and 0.995-1.00 for single labels ("3", "7")
with model seeds 0, 1 and 2 (classifier: 8 epochs, held-out accuracy 0.93). 0.9 leaves a margin
for platform differences while still failing a model that ignores its label (about 0.1).
"""

from __future__ import annotations

import numpy as np
import pytest

from simulacra.images import ImageSet, ImageSynthesizer
from simulacra.images.classifier import train_classifier
from simulacra.images.evaluate import evaluate_images
from simulacra.images.metrics import label_agreement

THRESHOLD = 0.9


@pytest.fixture(scope="module")
def conditional(digits16: ImageSet) -> ImageSynthesizer:
    return ImageSynthesizer("vae", conditional=True, epochs=10, threads=1, verbose=False).fit(
        digits16
    )


def test_classifier_recognises_requested_digits(
    digits16: ImageSet, conditional: ImageSynthesizer
) -> None:
    clf = train_classifier(digits16, epochs=8, seed=0, threads=1)
    assert clf.holdout_accuracy > 0.9
    for label in ("3", "7"):
        sevens = conditional.sample(200, label=label, seed=1)
        _, probs = clf.features_and_probabilities(sevens.images)
        assert label_agreement(probs, sevens.labels) >= THRESHOLD
        assert np.all(sevens.labels == digits16.classes.index(label))


def test_evaluation_of_a_conditional_model(
    digits16: ImageSet, conditional: ImageSynthesizer
) -> None:
    synth = conditional.sample(300, seed=0)
    result = evaluate_images(digits16, synth, classifier_epochs=8, threads=1)
    assert result["label_agreement"] >= THRESHOLD
    assert result["classes"]["coverage"] == 1.0
    assert result["frechet"] > result["frechet_real_baseline"] >= 0.0
    assert result["memorisation"]["copies"] == 0
    assert "NOT Inception-FID" in result["classifier"]["note"]
