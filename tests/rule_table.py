"""A small table that keeps known rules: dates that order, a total that is a product, cities
and zip codes kept together, a range, a one-of and an if-then between categories and numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

RULES = [
    "start <= end",
    "total = price * quantity",
    "fixed: city, zip",
    "score in 0..100",
    "color in {red, 'dark green'}",
    "if plan = free then seats = 1",
    "if plan = free then support = none",
]


def rule_table(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """`rows` rows keeping every rule of `RULES`."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    city = rng.choice(["Paris", "Lyon", "Nice"], rows, p=[0.5, 0.3, 0.2])
    paris = rng.choice([75001, 75002], rows)
    plan = rng.choice(["free", "pro", "team"], rows)
    frame = pd.DataFrame(
        {
            "start": start.strftime("%Y-%m-%d"),
            "end": (start + pd.to_timedelta(rng.integers(0, 60, rows), unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "price": rng.integers(1, 40, rows) + 0.5,
            "quantity": rng.integers(1, 6, rows),
            "city": city,
            "zip": np.where(city == "Paris", paris, np.where(city == "Lyon", 69001, 6000)),
            "score": np.round(rng.uniform(0, 100, rows), 1),
            "color": rng.choice(["red", "dark green"], rows),
            "plan": plan,
            "seats": np.where(plan == "free", 1, rng.integers(1, 20, rows)),
            "support": np.where(plan == "free", "none", rng.choice(["email", "phone"], rows)),
        }
    )
    frame["total"] = frame["price"] * frame["quantity"]
    return frame
