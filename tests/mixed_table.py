"""A small table with every column kind, shared by the core tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def mixed_table(n: int = 1_500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    x = rng.normal(size=n)
    return pd.DataFrame(
        {
            "id": np.arange(n) + 100,
            "story_id": [f"US{v:06d}" for v in rng.choice(10**6, n, replace=False)],
            "age": pd.array(
                np.where(rng.random(n) < 0.1, None, rng.integers(18, 90, n)), dtype="Int64"
            ),
            "x": x.round(3),
            "y": (2 * x + rng.normal(scale=0.5, size=n)).round(3),
            "score": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n).round(2)),
            "when": pd.date_range("2024-01-01", periods=n, freq="h", tz="Europe/Paris"),
            "day": days,
            "date_int": days.strftime("%Y%m%d").astype(int),
            "created": (
                pd.to_datetime("2021-01-01") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s")
            ).strftime("%Y-%m-%d %H:%M:%S"),
            "flag": rng.random(n) < 0.3,
            "cat": pd.Categorical(rng.choice(["a", "b", "c"], n), categories=["a", "b", "c", "d"]),
            "email": [f"user{i}@example.com" for i in range(n)],
            "owner": rng.choice(["John Smith", "Mary Jones", "Ann Lee", "Bob Stone"], n),
            "level": rng.choice([1, 2, 3], n),
            "city": rng.choice(["Paris", "Berlin", None], n),
        }
    )
