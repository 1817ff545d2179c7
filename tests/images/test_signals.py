"""Fit-time warnings: posterior collapse and samples without spread."""

from __future__ import annotations

import numpy as np

from simulacra.images import ImageSet, ImageSynthesizer
from simulacra.images.signals import sample_spread, training_warnings


def test_collapse_and_zero_spread_are_named() -> None:
    same = np.full((8, 4, 4), 0.3)
    varied = np.random.default_rng(0).random((8, 4, 4))
    assert sample_spread(same) == 0.0 and sample_spread(varied) > 0.1
    assert training_warnings({"kl": [5.0, 12.0]}, varied) == []
    found = training_warnings({"kl": [3.0, 0.01]}, same)
    assert len(found) == 2
    assert "posterior collapse" in found[0] and "near-identical samples" in found[1]


def test_describe_carries_the_warnings_and_sampling_streams_are_untouched(
    tiny_digits: ImageSet,
) -> None:
    model = ImageSynthesizer("vae", epochs=1, threads=1, verbose=False).fit(tiny_digits)
    info = model.describe()
    assert isinstance(info["warnings"], list)
    assert all(isinstance(w, str) for w in info["warnings"])
    first = model.sample(4).images  # the first unseeded call is still call 1
    again = ImageSynthesizer("vae", epochs=1, threads=1, verbose=False).fit(tiny_digits)
    np.testing.assert_array_equal(again.sample(4).images, first)
