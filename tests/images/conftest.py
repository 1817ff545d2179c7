"""Small image sets shared by the image tests (the bundled digits, shrunk for speed)."""

from __future__ import annotations

import numpy as np
import pytest

from simulacra.images import ImageSet, load_images


@pytest.fixture(scope="session")
def digits16() -> ImageSet:
    """All 1,797 bundled digits at 16x16 (small enough for second-long training)."""
    return load_images("digits", size=16)


@pytest.fixture(scope="session")
def tiny_digits() -> ImageSet:
    """The first 60 bundled digits at their own 8x8 (all ten classes): for the contract test."""
    return load_images("digits", size=8).subset(np.arange(60))
