"""Private randomness: every random draw of a differentially private mechanism.

DP noise comes from the operating system's cryptographically secure generator (`os.urandom`),
fresh at every call: never derived from the user's seed, never stored. A release whose noise
could be regenerated could also be subtracted (one model file would then give back every raw
count it was built from), so `seed` makes everything else reproducible and not this.

- `uniform`: numbers in (0, 1), 53 random bits each.
- `normal`: Gaussian noise as the sum of four inverse-CDF draws, halved (the defence of
  Holohan and Braghin 2021 against attacks on floating-point noise, which Opacus's secure mode
  uses too).
- `choose`: one index drawn with probability proportional to exp(scores), by Gumbel-max.

Counts get integer (discrete Gaussian) noise from OpenDP instead (`ledger.py`).
"""

from __future__ import annotations

import os

import numpy as np
from scipy.special import ndtri

_BITS = 53


def uniform(shape: int | tuple[int, ...]) -> np.ndarray:
    """Uniform numbers in the open interval (0, 1) from the OS's secure generator."""
    size = int(np.prod(shape))
    words = np.frombuffer(os.urandom(8 * size), dtype=np.uint64) >> np.uint64(64 - _BITS)
    return ((words.astype(np.float64) + 0.5) / 2.0**_BITS).reshape(shape)


def normal(shape: int | tuple[int, ...], std: float) -> np.ndarray:
    """N(0, std^2) noise from the OS's secure generator (four draws summed and halved)."""
    total = np.zeros(shape, dtype=np.float64)
    for _ in range(4):
        total += ndtri(uniform(shape))
    return total * (std / 2.0)


def choose(scores: np.ndarray) -> int:
    """An index i drawn with probability exp(scores[i]) / sum(exp(scores)) (Gumbel-max)."""
    scores = np.asarray(scores, dtype=np.float64)
    gumbel = -np.log(-np.log(uniform(scores.shape)))
    return int(np.argmax(scores + gumbel))
