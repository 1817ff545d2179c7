"""Image metrics: Frechet distance, class shares, memorisation check, pixel statistics."""

from __future__ import annotations

import numpy as np
import pytest

from simulacra.images import ImageSet
from simulacra.images.metrics import (
    class_distribution,
    feature_frechet,
    frechet_distance,
    memorisation,
    pixel_statistics,
)


def test_frechet_distance_of_gaussians_matches_the_closed_form() -> None:
    # 1-d: (m1 - m2)^2 + s1^2 + s2^2 - 2 s1 s2 = (m1 - m2)^2 + (s1 - s2)^2
    d = frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([-2.0]), np.array([[1.0]]))
    assert d == pytest.approx(9.0 + 1.0)
    cov = np.diag([1.0, 2.0, 3.0])
    assert frechet_distance(np.zeros(3), cov, np.zeros(3), cov) == pytest.approx(0.0, abs=1e-9)


def test_feature_frechet_grows_with_a_shift() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2000, 4)), rng.normal(size=(2000, 4))
    near, far = feature_frechet(a, b), feature_frechet(a, b + 1.0)
    assert near < 0.05
    assert far == pytest.approx(4.0, rel=0.1)  # ||shift||^2 = 4 x 1^2


def test_class_distribution_shares_confidence_coverage() -> None:
    probs = np.array([[0.9, 0.1, 0.0], [0.8, 0.2, 0.0], [0.4, 0.6, 0.0], [0.7, 0.3, 0.0]])
    result = class_distribution(probs, ["a", "b", "c"], reference=np.full(3, 1 / 3))
    assert result["shares"] == {"a": 0.75, "b": 0.25, "c": 0.0}
    assert result["mean_confidence"] == pytest.approx((0.9 + 0.8 + 0.6 + 0.7) / 4)
    assert result["coverage"] == pytest.approx(2 / 3)
    assert result["total_variation"] == pytest.approx(0.5 * (0.75 - 1 / 3 + 1 / 3 - 0.25 + 1 / 3))


def test_memorisation_flags_a_copied_training_image(digits16: ImageSet) -> None:
    training = digits16.images[:600]
    fresh = digits16.images[600:640].copy()  # real digits the "model" never saw
    fresh[7] = training[123]  # one exact copy
    fresh[20] = np.clip(training[45] + 1 / 255, 0, 1)  # and one copy off by a grey level
    result = memorisation(fresh, training)
    assert result["copies"] == 2
    assert result["flagged"] == [7, 20]
    assert result["closest"][0] == {"synthetic": 7, "training": 123, "distance": 0.0}
    assert result["closest"][1]["synthetic"] == 20 and result["closest"][1]["training"] == 45
    assert 0.5 < result["distance_ratio"] < 2.0  # unseen real digits sit as far as real ones do


def test_pixel_statistics_see_a_brightness_change(digits16: ImageSet) -> None:
    real = digits16.images[:300]
    same = pixel_statistics(real, real)
    assert same["mean_image_rmse"] == 0.0 and same["intensity_tv"] == 0.0
    darker = pixel_statistics(real, real * 0.5)
    assert darker["synthetic_mean"] == pytest.approx(0.5 * darker["real_mean"], rel=1e-5)
    # the bright pixels all move down: the histograms differ by a good part of the ink share
    assert darker["synthetic_ink_share"] == 0.0 < darker["real_ink_share"]
    assert darker["intensity_tv"] > 0.5 * darker["real_ink_share"]
