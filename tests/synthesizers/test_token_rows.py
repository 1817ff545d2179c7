"""The autoregressive model trains on small-integer tokens made a part of the rows at a time
(`token_rows`): never the float matrix of the whole table, and a sequence fit drops its step
table before training."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import Synthesizer
from simulacra.synthesizers import sequences as sequence_fit
from simulacra.synthesizers import token_rows
from simulacra.synthesizers.autoregressive import AutoRegressive

from .sequence_tables import make_patients, make_visits

FAST = {"epochs": 2, "hidden_dims": (32, 32), "verbose": False, "seed": 0}


def table(rows: int = 900) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=rows)
    return pd.DataFrame(
        {
            "x": x,
            "y": np.where(rng.random(rows) < 0.1, np.nan, 2 * x + rng.normal(size=rows)),
            "c": rng.choice(["a", "b", "c"], rows),
        }
    )


def test_training_rows_are_the_encoded_token_columns_as_int16(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(token_rows, "TOKEN_ROWS", 256)  # four parts of the 900 rows
    frame = table()
    seen: dict[str, Any] = {}
    original = AutoRegressive._fit_rows

    def spy(self: AutoRegressive, encoded: np.ndarray) -> Synthesizer:
        seen["rows"] = encoded
        return original(self, encoded)

    monkeypatch.setattr(AutoRegressive, "_fit_rows", spy)
    model = Synthesizer("autoregressive", **FAST).fit(frame)
    rows = seen["rows"]
    assert rows.dtype == np.int16
    whole = model.transformer_.encode(frame)  # one part: the same stream from its start
    columns = model._token_columns()
    assert rows.shape == (len(frame), len(columns))
    # tokens of numbers and categories are the same in parts; an empty cell's value token
    # is a filler drawn from the stream, so only the filled cells are compared
    filled = frame["y"].notna().to_numpy()
    np.testing.assert_array_equal(rows[filled], np.rint(whole[filled][:, columns]))
    assert model.fit_info_["rows"] == len(frame)


def test_token_dtype_widens_past_int16() -> None:
    assert token_rows.token_dtype([5, 32_766]) == np.int16
    assert token_rows.token_dtype([5, 32_767]) == np.int32


def test_a_sequence_fit_drops_its_step_table_before_training(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    visits = make_visits(make_patients())
    built: list[weakref.ref[pd.DataFrame]] = []
    original_layout = sequence_fit.build_layout

    def layout(*args: Any, **kwargs: Any) -> Any:
        result = original_layout(*args, **kwargs)
        built.append(weakref.ref(result[1].rows))
        return result

    alive: list[bool] = []
    original_fit = AutoRegressive._fit_rows

    def fit_rows(self: AutoRegressive, encoded: np.ndarray) -> Synthesizer:
        if self.sequence_key is not None:  # not the entity model, fitted before the steps
            gc.collect()
            alive.append(built[0]() is not None)
        return original_fit(self, encoded)

    monkeypatch.setattr(sequence_fit, "build_layout", layout)
    monkeypatch.setattr(AutoRegressive, "_fit_rows", fit_rows)
    model = Synthesizer(
        "autoregressive", sequence_key="patient_id", sequence_index="visit_date", **FAST
    ).fit(visits)
    assert alive == [False]
    assert model.fit_info_["step_rows"] == len(visits)
    assert len(model.sample(20, seed=0)) > 0
