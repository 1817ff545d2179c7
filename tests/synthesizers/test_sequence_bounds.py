"""Rules that bound a sequence's index (issue 27): `day <= end` by a static column, `day >=
enrolled` by a context column, `day in 0..300` by numbers, a date index by a date column. Every
sampled entity keeps them (a sequence past its end ends there, one that begins too early moves
up; the others are untouched), seeds and saved models reproduce bytes, the flow `inspect -o
meta.json` then `fit --metadata meta.json` (which proposes `day <= end`) works, and a rule that
is no bound is one clear error (the command line: test_cli_sequences.py)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Synthesizer
from simulacra.errors import DataNote, ParameterError
from simulacra.synthesizers import sequence_bounds

from .sequence_tables import make_patients, make_visits, reloaded

FAST = {"epochs": 25, "hidden_dims": (128, 128), "verbose": False, "seed": 0}
SEQUENCE = {"sequence_key": "pid", "sequence_index": "day"}


def make_followed(n: int = 240, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(visits, enrolment): patients enrolled on day `enrolled`, seen every 20 to 40 days
    until their follow-up ends on day `end`, a lab value that drifts."""
    rng = np.random.default_rng(seed)
    rows, context = [], []
    for i in range(n):
        enrolled = int(rng.integers(0, 50))
        end = enrolled + int(rng.integers(30, 400))
        lab = rng.normal(10, 2)
        day = enrolled + int(rng.integers(0, 10))
        while day <= end:
            rows.append({"pid": i, "day": day, "end": end, "lab": round(lab, 2)})
            day += int(rng.integers(20, 41))
            lab += rng.normal(0, 0.5)
        context.append({"pid": i, "enrolled": enrolled, "group": rng.choice(["a", "b"])})
    return pd.DataFrame(rows), pd.DataFrame(context)


@pytest.fixture(scope="module")
def followed() -> tuple[pd.DataFrame, pd.DataFrame]:
    return make_followed()


@pytest.fixture(scope="module")
def bounded_model(followed: tuple[pd.DataFrame, pd.DataFrame]) -> Synthesizer:
    visits, enrolment = followed
    model = Synthesizer(
        "autoregressive", **SEQUENCE, **FAST, rules=["day <= end", "day >= enrolled"]
    )
    return model.fit(visits, context=enrolment)  # type: ignore[call-arg]


def entity_windows(events: pd.DataFrame, context: pd.DataFrame) -> pd.DataFrame:
    joined = events.merge(context[["pid", "enrolled"]], on="pid", how="left")
    by = joined.groupby("pid")
    return pd.DataFrame(
        {
            "first": by["day"].min(),
            "last": by["day"].max(),
            "end": by["end"].first(),
            "enrolled": by["enrolled"].first(),
            "increasing": by["day"].apply(lambda d: bool(np.all(np.diff(d.to_numpy()) > 0))),
        }
    )


def test_every_sampled_entity_keeps_its_bounds(
    bounded_model: Synthesizer, followed: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    events, context = bounded_model.sample_sequences(400, seed=1)  # type: ignore[attr-defined]
    windows = entity_windows(events, context)
    assert len(windows) >= 380  # (an entity may be drawn without events)
    assert (windows["last"] <= windows["end"]).all()
    assert (windows["first"] >= windows["enrolled"]).all()
    assert windows["increasing"].all()
    # the same model without the rules (same seeds, same fit) draws the same sequences: the
    # bounds shifted those that began before their enrolment and cut those that ran past
    # their end, nothing else
    unbounded = Synthesizer("autoregressive", **SEQUENCE, **FAST)
    unbounded.fit(followed[0], context=followed[1])  # type: ignore[call-arg]
    plain, _ = unbounded.sample_sequences(400, seed=1)  # type: ignore[attr-defined]
    assert (plain["day"] > plain["end"]).mean() > 0.05  # what the model alone does
    first = plain.groupby("pid")["day"].transform("min")
    enrolled = plain["pid"].map(context.set_index("pid")["enrolled"])
    plain["day"] += (np.maximum(first, enrolled) - first).clip(upper=plain["end"] - first)
    expected = plain[(plain["day"] <= plain["end"]) | (plain["day"] == first)]
    assert events.reset_index(drop=True).equals(expected.reset_index(drop=True))


def test_given_context_rows_keep_their_lower_bound(bounded_model: Synthesizer) -> None:
    given = pd.DataFrame({"pid": [900 + i for i in range(60)], "enrolled": 40, "group": "a"})
    events = bounded_model.sample(context=given, seed=2)
    assert set(events["pid"]) == set(given["pid"])
    assert (events["day"] >= 40).all() and (events["day"] <= events["end"]).all()


def test_seeds_and_saved_models_reproduce_bytes(bounded_model: Synthesizer, tmp_path: Path) -> None:
    loaded = reloaded(bounded_model, 120, 3, tmp_path)
    assert [b["text"] for b in loaded.sequence_.bounds] == ["day <= end", "day >= enrolled"]
    assert bounded_model.describe()["sequence"]["bounds"] == ["day <= end", "day >= enrolled"]


def test_only_entities_outside_their_window_change(bounded_model: Synthesizer) -> None:
    layout = bounded_model.sequence_
    events = pd.DataFrame(
        {
            "pid": [1, 1, 1, 2, 2, 3, 3, 3, 3, 3],
            "day": [10, 60, 200, 10, 70, 10, 11, 12, 13, 14],
            "end": [120, 120, 120, 80, 80, 12, 12, 12, 12, 12],
            "lab": np.arange(10.0),
        }
    )
    context = pd.DataFrame({"pid": [1, 2, 3], "enrolled": [0, 20, 0], "group": "a"})
    out = sequence_bounds.bounded(layout, events, context)
    one, two, three = (out[out["pid"] == k] for k in (1, 2, 3))
    # past its end: the sequence ends there
    assert one["day"].tolist() == [10, 60] and one["lab"].tolist() == [0, 1]
    # before its enrolment: moved up to it, gaps kept
    assert two["day"].tolist() == [20, 80]
    assert three["day"].tolist() == [10, 11, 12]
    inside = events[events["pid"] == 1].assign(day=[10, 60, 100])
    assert sequence_bounds.bounded(layout, inside, context) is inside


def test_a_range_of_numbers_bounds_the_index(followed: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    visits = followed[0]
    model = Synthesizer("autoregressive", **SEQUENCE, **FAST, rules=["day in 0..300"])
    with pytest.warns(DataNote, match="54 of 240 entities break it; sampled entities keep it"):
        model.fit(visits)
    events = model.sample(300, seed=0)
    assert events["day"].between(0, 300).all()
    assert events.groupby("pid")["day"].apply(lambda d: d.is_monotonic_increasing).all()


def test_a_date_index_bounded_by_a_date_column() -> None:
    visits = make_visits(make_patients(120))
    last = pd.to_datetime(visits["visit_date"]).groupby(visits["patient_id"]).transform("max")
    visits["discharged"] = (last + pd.Timedelta(days=5)).dt.strftime("%Y-%m-%d")
    model = Synthesizer(
        "autoregressive",
        sequence_key="patient_id",
        sequence_index="visit_date",
        rules=["visit_date < discharged"],
        **FAST,
    )
    events = model.fit(visits).sample(200, seed=0)
    dates = pd.to_datetime(events["visit_date"])
    assert (dates < pd.to_datetime(events["discharged"])).all()


def test_real_entities_breaking_a_bound_are_noted(
    followed: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    visits = followed[0].copy()
    visits.loc[visits.groupby("pid").tail(1).index[:5], "day"] += 500  # 5 run past their end
    visits = visits.sample(frac=1.0, random_state=0)  # rows in any order
    model = Synthesizer("autoregressive", **SEQUENCE, **FAST | {"epochs": 2}, rules=["day <= end"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(visits)
    notes = [str(w.message) for w in caught if issubclass(w.category, DataNote)]
    assert any("5 of 240 entities break it" in note for note in notes)
    assert (model.sample(100, seed=0).eval("day <= end")).all()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("day <= end + 30", "names the sequence index 'day'"),
        ("day <= lab", "by 'lab', which changes within entities"),
        ("day <= ward", "is not a number like it"),
        ("day <= nothing", "'nothing', which is not a column"),
    ],
)
def test_a_rule_that_is_no_bound_is_one_clear_error(
    followed: tuple[pd.DataFrame, pd.DataFrame], rule: str, message: str
) -> None:
    visits = followed[0].assign(ward="A")
    model = Synthesizer("autoregressive", **SEQUENCE, **FAST | {"epochs": 1}, rules=[rule])
    with pytest.raises(ParameterError, match=message):
        model.fit(visits)


def test_a_dask_fit_keeps_the_bounds(followed: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    import dask.dataframe as dd

    from simulacra.scale.sequence_fit import fit_sequences_dask

    model = Synthesizer("autoregressive", **SEQUENCE, **FAST | {"epochs": 3}, rules=["day <= end"])
    fit_sequences_dask(model, dd.from_pandas(followed[0], npartitions=3))  # type: ignore[arg-type]
    assert [b["text"] for b in model.sequence_.bounds] == ["day <= end"]  # type: ignore[attr-defined]
    events = model.sample(200, seed=0)
    assert events["pid"].nunique() == 200 and (events["day"] <= events["end"]).all()
