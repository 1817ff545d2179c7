"""The image evaluation's verdict: collapsed, memorised, or graded by the Frechet distance."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from simulacra.images import ImageSet, load_images
from simulacra.images.evaluate import evaluate_images, image_verdict, spread_ratio
from simulacra.images.report import write_html


@pytest.fixture(scope="module")
def small() -> ImageSet:
    """400 digits at 8x8: the classifier trains in about a second."""
    return load_images("digits", size=8).subset(np.arange(400))


def _result(**changes: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "spread_ratio": 1.0,
        "memorisation": {"copy_share": 0.0, "copies": 0},
        "classifier": {"holdout_accuracy": 0.9},
        "classes": {"shares": {"0": 0.5, "1": 0.5}},
        "frechet": 1.5,
        "frechet_real_baseline": 1.0,
    }
    result.update(changes)
    return result


def test_identical_samples_are_collapsed(small: ImageSet, tmp_path: Any) -> None:
    same = ImageSet(np.repeat(small.images[:1], 100, axis=0))
    result = evaluate_images(small, same, classifier_epochs=2, threads=1)
    assert result["verdict"]["verdict"] == "collapsed"
    assert result["spread_ratio"] < 1e-6
    page = write_html(tmp_path / "r.html", result, small, same).read_text()
    assert "class='overall'" in page and "Collapsed" in page
    assert page.index("Collapsed") < page.index("Classifier metrics")  # the verdict comes first


def test_one_predicted_class_is_collapsed() -> None:
    shares = {"0": 0.95, "1": 0.05}
    verdict = image_verdict(_result(classes={"shares": shares}), real_top_share=0.5)
    assert verdict["verdict"] == "collapsed" and "95%" in verdict["sentence"]
    # a real set with one dominant class may be imitated by samples of that class
    assert image_verdict(_result(classes={"shares": shares}), 0.95)["verdict"] == "good"


def test_copies_are_memorised() -> None:
    memo = {"copy_share": 0.4, "copies": 40}
    assert image_verdict(_result(memorisation=memo), 0.5)["verdict"] == "memorised"


@pytest.mark.parametrize(("frechet", "word"), [(1.5, "good"), (4.0, "fair"), (9.0, "poor")])
def test_frechet_grades(frechet: float, word: str) -> None:
    assert image_verdict(_result(frechet=frechet), 0.5)["verdict"] == word


def test_spread_ratio() -> None:
    rng = np.random.default_rng(0)
    real = rng.random((50, 4, 4))
    assert spread_ratio(real, real) == 1.0
    assert spread_ratio(real, np.repeat(real[:1], 50, axis=0)) < 1e-12
