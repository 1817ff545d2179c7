"""Sequences (issue 27): an events table with several ordered rows per entity, learned by the
autoregressive model with `sequence_key` / `sequence_index`, alone or given a context table.
The guarantees are checked on samples: indexes strictly increase, static columns stay constant,
keys are new, lengths follow the real ones (length 1 included), seeds reproduce bytes, given
context and conditions are exact, imputation fills only the missing cells."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulacra import Synthesizer
from simulacra.errors import ConditionError, DataError, ParameterError
from simulacra.synthesizers.sequence_layout import GAP, LENGTH, POSITION, START, change, prev

from .sequence_tables import make_patients, make_visits

FAST = {"epochs": 45, "hidden_dims": (128, 128), "verbose": False, "seed": 0}
SEQUENCE = {"sequence_key": "patient_id", "sequence_index": "visit_date"}


@pytest.fixture(scope="module")
def patients() -> pd.DataFrame:
    return make_patients()


@pytest.fixture(scope="module")
def visits(patients: pd.DataFrame) -> pd.DataFrame:
    return make_visits(patients)


@pytest.fixture(scope="module")
def alone(visits: pd.DataFrame) -> Synthesizer:
    return Synthesizer("autoregressive", **SEQUENCE, **FAST).fit(visits)


@pytest.fixture(scope="module")
def with_context(visits: pd.DataFrame, patients: pd.DataFrame) -> Synthesizer:
    model = Synthesizer("autoregressive", **SEQUENCE, **FAST)
    return model.fit(visits, context=patients)  # type: ignore[call-arg]


def _lengths(events: pd.DataFrame) -> pd.Series:
    return events.groupby("patient_id", sort=False).size()


def test_the_step_table_holds_position_previous_event_and_gap(alone: Synthesizer) -> None:
    layout = alone.sequence_  # type: ignore[attr-defined]
    assert layout.static == ("sex",) and layout.events == ("weight", "ward")
    assert layout.strict and layout.integer_gaps and layout.unit == 86_400.0
    assert layout.changes == ("weight",)  # a drifting weight is learned by its changes
    columns = alone.metadata_.names
    for name in (
        POSITION,
        LENGTH,
        START,
        GAP,
        prev("weight"),
        prev("visit_date"),
        change("weight"),
    ):
        assert name in columns
    assert "patient_id" not in columns and "visit_date" not in columns


def test_sampled_sequences_keep_the_guarantees(alone: Synthesizer, visits: pd.DataFrame) -> None:
    events = alone.sample(400, seed=1)
    assert list(events.columns) == list(visits.columns)
    assert events["patient_id"].nunique() == 400
    assert not set(events["patient_id"]) & set(visits["patient_id"])  # keys are new
    days = pd.to_datetime(events["visit_date"], format="%Y-%m-%d")
    steps = days.groupby(events["patient_id"], sort=False).diff().dropna()
    assert (steps > pd.Timedelta(0)).all()  # strictly increasing within every entity
    assert (steps % pd.Timedelta(days=1) == pd.Timedelta(0)).all()  # whole days, as the real
    assert events.groupby("patient_id")["sex"].nunique().max() == 1  # static kept
    real, synth = _lengths(visits), _lengths(events)
    assert (synth == 1).any() and stats.ks_2samp(real, synth).statistic <= 0.15
    real_gaps = pd.to_datetime(visits["visit_date"]).groupby(visits["patient_id"]).diff().dropna()
    assert abs(steps.dt.days.median() - real_gaps.dt.days.median()) <= 8


def test_weights_stay_autocorrelated_within_an_entity(alone: Synthesizer) -> None:
    events = alone.sample(300, seed=2)
    change = events.groupby("patient_id")["weight"].diff().abs().dropna()
    spread = events["weight"].std()
    assert change.median() < 0.5 * spread  # the next visit's weight is near the last one


def test_seeds_reproduce_bytes_and_saving_keeps_the_model(
    alone: Synthesizer, tmp_path: Path
) -> None:
    first = alone.sample(120, seed=7)
    pd.testing.assert_frame_equal(first, alone.sample(120, seed=7))
    assert not first.equals(alone.sample(120, seed=8))
    loaded = Synthesizer.load(alone.save(tmp_path / "visits.simulacra"))
    pd.testing.assert_frame_equal(first, loaded.sample(120, seed=7))
    assert loaded.describe()["sequence"]["static"] == ["sex"]


def test_chunks_of_entities_stream_the_same_entities(alone: Synthesizer) -> None:
    whole = alone.sample_sequences(50, seed=3)[0]  # type: ignore[attr-defined]
    chunks = list(alone.iter_sequences(50, seed=3, chunk_entities=20))  # type: ignore[attr-defined]
    assert len(chunks) == 3 and sum(e["patient_id"].nunique() for e, _ in chunks) == 50
    assert len(whole) > 50


def test_context_rows_are_sampled_with_their_sequences(
    with_context: Synthesizer, patients: pd.DataFrame
) -> None:
    events, context = with_context.sample_sequences(200, seed=4)  # type: ignore[attr-defined]
    assert list(context.columns) == list(patients.columns) and len(context) == 200
    assert context["patient_id"].is_unique
    assert set(events["patient_id"]) <= set(context["patient_id"])
    assert set(context["region"]) <= set(patients["region"])


def test_sequences_for_given_entities_are_seeded_and_exact(
    with_context: Synthesizer, patients: pd.DataFrame
) -> None:
    given = make_patients(40, seed=9).assign(patient_id=lambda t: "N" + t["patient_id"])
    events, context = with_context.sample_sequences(context=given, seed=5)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(context, given)
    assert set(events["patient_id"]) <= set(given["patient_id"])
    again = with_context.sample(context=given, seed=5)  # type: ignore[call-arg]
    pd.testing.assert_frame_equal(events, again)
    old = given.assign(age=88)  # older patients visit more often in the real data
    young = given.assign(age=25)
    gaps = {
        label: pd.to_datetime(
            (e := with_context.sample(context=frame, seed=6))["visit_date"]  # type: ignore[call-arg]
        )
        .groupby(e["patient_id"])
        .diff()
        .dt.days.median()
        for label, frame in (("old", old), ("young", young))
    }
    assert gaps["old"] < gaps["young"]


def test_conditions_hold_on_the_context_and_the_first_event(
    with_context: Synthesizer,
) -> None:
    conditions = {"region": "east", "ward": "B", "visit_date": "2020-03-01..2020-03-31"}
    events, context = with_context.sample_sequences(  # type: ignore[attr-defined]
        60, conditions=conditions, seed=6
    )
    assert (context["region"] == "east").all()
    first = events.groupby("patient_id", sort=False).head(1)
    assert (first["ward"] == "B").all()
    days = pd.to_datetime(first["visit_date"])
    assert days.between("2020-03-01", "2020-03-31").all()
    with pytest.raises(ConditionError, match="sequence key"):
        with_context.sample(5, conditions={"patient_id": "P00001"})
    with pytest.raises(ConditionError, match="unknown column 'colour'"):
        with_context.sample(5, conditions={"colour": "red"})


def test_impute_fills_missing_event_cells_only(alone: Synthesizer, visits: pd.DataFrame) -> None:
    holes = visits.copy()
    rng = np.random.default_rng(0)
    holes.loc[rng.random(len(holes)) < 0.2, "weight"] = np.nan
    holes.loc[holes["patient_id"] == visits["patient_id"].iloc[0], "sex"] = None
    filled = alone.impute(holes, seed=1)
    assert filled[["weight", "sex"]].notna().all().all()
    present = holes["weight"].notna()
    pd.testing.assert_series_equal(filled.loc[present, "weight"], holes.loc[present, "weight"])
    assert filled.groupby("patient_id")["sex"].nunique().max() == 1
    error = (filled.loc[~present, "weight"] - visits.loc[~present, "weight"]).abs().median()
    assert error < 0.5 * visits["weight"].std()  # drawn near the patient's other visits
    pd.testing.assert_frame_equal(filled, alone.impute(holes, seed=1))


def test_an_event_id_column_is_generated_unique_over_chunks(visits: pd.DataFrame) -> None:
    """An events table's own id column is generated (never modelled), numbered over all the
    sample's events: unique across chunks of entities, in the real ids' shape."""
    rng = np.random.default_rng(1)
    with_ids = visits.assign(visit_id=[f"V{i:07d}" for i in rng.permutation(len(visits))])
    model = Synthesizer("autoregressive", **SEQUENCE, **(FAST | {"epochs": 5})).fit(with_ids)
    assert model.numbers_events  # type: ignore[attr-defined]
    events = model.sample(150, seed=3)
    ids = events["visit_id"]
    assert ids.notna().all() and ids.is_unique and ids.str.fullmatch(r"V\d{7}").all()
    chunks = model.iter_sequences(150, seed=3, chunk_entities=40)  # type: ignore[attr-defined]
    ids = pd.concat([e["visit_id"] for e, _ in chunks], ignore_index=True)
    assert len(ids) > 150 and ids.is_unique  # four chunks, no id twice


def test_tied_indexes_never_decrease(visits: pd.DataFrame) -> None:
    tied = visits.assign(visit_date=pd.to_datetime(visits["visit_date"]).dt.to_period("Q"))
    tied["quarter"] = tied["visit_date"].dt.year * 4 + tied["visit_date"].dt.quarter
    tied = tied.drop(columns="visit_date")
    by_quarter = {"sequence_key": "patient_id", "sequence_index": "quarter"}
    model = Synthesizer("autoregressive", **by_quarter, **FAST).fit(tied)
    assert not model.sequence_.strict  # type: ignore[attr-defined]
    events = model.sample(150, seed=2)
    assert (events.groupby("patient_id")["quarter"].diff().dropna() >= 0).all()
    assert (events.groupby("patient_id")["quarter"].diff() == 0).any()


def test_bad_input_is_one_clear_error(visits: pd.DataFrame, patients: pd.DataFrame) -> None:
    def fit(table: pd.DataFrame, **params: object) -> None:
        Synthesizer("autoregressive", **{**SEQUENCE, **FAST, **params}).fit(table)

    with pytest.raises(DataError, match="sequence key 'patient_id' is not a column"):
        fit(visits.drop(columns="patient_id"))
    with pytest.raises(DataError, match="sequence index 'visit_date' has empty cells"):
        fit(visits.assign(visit_date=visits["visit_date"].where(visits.index > 0)))
    with pytest.raises(DataError, match="must hold numbers, dates or datetimes"):
        fit(visits, sequence_index="ward")
    with pytest.raises(ParameterError, match="differential privacy"):
        fit(visits, epsilon=1.0)
    with pytest.raises(ParameterError, match="delta is set but epsilon is not"):
        fit(visits, delta=1e-5)
    with pytest.raises(ParameterError, match="together"):
        fit(visits, sequence_index=None)
    with pytest.raises(DataError, match="have no row in the context table"):
        Synthesizer("autoregressive", **SEQUENCE, **FAST).fit(  # type: ignore[call-arg]
            visits, context=patients.iloc[1:]
        )
    with pytest.raises(ParameterError, match="context table needs sequence_key"):
        Synthesizer("autoregressive", **FAST).fit(visits, context=patients)  # type: ignore[call-arg]


def test_a_model_without_sequence_key_is_the_tabular_one(visits: pd.DataFrame) -> None:
    plain = Synthesizer("autoregressive", **FAST).fit(visits.drop(columns="patient_id"))
    assert plain.get_params()["sequence_key"] is None and "sequence" not in plain.describe()
    rows = plain.sample(100, seed=1)
    assert len(rows) == 100 and "patient_id" not in rows
    with pytest.raises(ParameterError, match="fitted without sequence_key"):
        list(plain.iter_sequences(5))  # type: ignore[attr-defined]
