"""Rejection sampling for conditions: exact counts, adaptive batches, a clear error when rare."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import ConditionError, Synthesizer
from simulacra.synthesizers.conditions import sample_meeting
from simulacra.transforms.conditions import Conditions


@pytest.fixture(scope="module")
def fitted() -> Synthesizer:
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {"c": rng.choice(["u", "v", "w"], 500, p=[0.8, 0.15, 0.05]), "x": rng.normal(size=500)}
    )
    return Synthesizer("tvae", epochs=1, batch_size=100, verbose=False).fit(table)


def test_exactly_n_rows_meet_the_conditions(fitted: Synthesizer) -> None:
    transformer = fitted.transformer_
    rng = np.random.default_rng(0)
    calls: list[int] = []

    def generate(rows: int, gen: np.random.Generator) -> np.ndarray:
        calls.append(rows)
        return fitted._generate(rows, Conditions(), gen)  # type: ignore[attr-defined]

    conditions = fitted.encode_conditions({"c": "w", "x": 0.0})
    rows = sample_meeting(generate, 300, conditions, rng)
    assert rows.shape == (300, transformer.width_)
    assert conditions.meets(rows).all()
    assert len(calls) < 20  # batches grow with the observed acceptance rate


def test_too_rare_a_condition_raises_a_condition_error(fitted: Synthesizer) -> None:
    conditions = fitted.encode_conditions({"c": "w"})
    never = fitted.encode_conditions({"c": "u"})

    def generate(rows: int, gen: np.random.Generator) -> np.ndarray:
        encoded = fitted._generate(rows, Conditions(), gen)  # type: ignore[attr-defined]
        return encoded[never.meets(encoded)]

    with pytest.raises(ConditionError, match="too rare"):
        sample_meeting(generate, 10, conditions, np.random.default_rng(1))
