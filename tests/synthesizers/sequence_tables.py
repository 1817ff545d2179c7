"""Small events tables with known structure for the sequence tests: patients (context), their
visits (a date index with gaps of whole days, a static column, an autocorrelated number, a
category that mostly repeats), some patients with one visit; a model fitted given a context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulacra import Synthesizer


def make_patients(n: int = 160, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "patient_id": [f"P{i:05d}" for i in range(n)],
            "age": rng.integers(20, 90, n),
            "region": rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2]),
        }
    )


def make_visits(patients: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Visits of `patients`: 1 to 8 each (a quarter with one), every 7 to 60 days (older
    patients more often), a weight that drifts, a ward that mostly stays."""
    rng = np.random.default_rng(seed + 1)
    rows = []
    for pid, age in patients[["patient_id", "age"]].itertuples(index=False):
        count = 1 if rng.random() < 0.25 else int(rng.integers(2, 9))
        day = pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(rng.integers(0, 200)))
        sex = rng.choice(["F", "M"])
        weight = 60.0 + 0.2 * age + rng.normal(0, 8)
        ward = rng.choice(["A", "B", "C"])
        for _ in range(count):
            rows.append(
                {
                    "patient_id": pid,
                    "visit_date": day.strftime("%Y-%m-%d"),
                    "sex": sex,
                    "weight": round(weight, 1),
                    "ward": ward,
                }
            )
            step = 7 + rng.integers(0, 25) if age > 60 else 20 + rng.integers(0, 40)
            day += pd.Timedelta(days=int(step))
            weight += rng.normal(0.3, 1.0)
            if rng.random() < 0.15:
                ward = rng.choice(["A", "B", "C"])
    return pd.DataFrame(rows)


def fitted_with_context(
    events: pd.DataFrame, context: pd.DataFrame, **settings: Any
) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    """(an autoregressive sequence model fitted on `events` given `context`, both tables)."""
    model = Synthesizer("autoregressive", **settings)
    model.fit(events, context=context)  # type: ignore[call-arg]
    return model, events, context


def reloaded(model: Any, n: int, seed: int, folder: Path) -> Any:
    """`model` saved into `folder` and loaded back, once a seed reproduces the bytes of its
    sample of `n` entities and the loaded model samples the same bytes."""
    first = model.sample(n, seed=seed)
    assert first.equals(model.sample(n, seed=seed))
    path = folder / "reloaded.simulacra"
    model.save(path)
    loaded = Synthesizer.load(path)
    assert loaded.sample(n, seed=seed).equals(first)
    return loaded
