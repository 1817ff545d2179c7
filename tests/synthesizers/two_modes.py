"""A small table whose structure a short training must recover, shared by the neural tests.

`x` is bimodal (modes at -3 and +3, set by the category `g`), `y = 2x + noise` (correlation
about 0.98).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulacra import Synthesizer


def two_modes(n: int = 2_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice(["A", "B"], n, p=[0.4, 0.6])
    x = np.where(g == "A", -3.0, 3.0) + rng.normal(scale=0.5, size=n)
    y = 2 * x + rng.normal(scale=1.0, size=n)
    return pd.DataFrame({"g": g, "x": x, "y": y})


def check_learned(syn: Synthesizer, real: pd.DataFrame) -> None:
    """Both modes present with roughly their mass, few rows between them, the correlation's sign
    and size kept, and conditioning on `g` moves `x` to that category's mode."""
    synth = syn.sample(4_000, seed=1)
    x = synth["x"]
    low, high = (x < -1.5).mean(), (x > 1.5).mean()
    assert 0.25 < low < 0.55 and 0.45 < high < 0.75, (low, high)
    assert (x.abs() < 1).mean() < 0.1
    assert abs(x[x > 1.5].mean() - 3) < 0.8 and abs(x[x < -1.5].mean() + 3) < 0.8
    assert synth[["x", "y"]].corr().iloc[0, 1] > 0.75
    for label, sign in (("A", -1), ("B", 1)):
        rows = syn.sample(500, conditions={"g": label}, seed=2)
        assert (rows["g"] == label).all() and len(rows) == 500
        assert (np.sign(rows["x"]) == sign).mean() > 0.85, label
