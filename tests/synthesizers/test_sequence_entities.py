"""An entity's own columns (number of events, static columns, first index) are learned by a
table model of the entities (`sequence_entities.py`), with the context row when there is one:
they follow the context whether its rows are sampled or given, and each other without one;
conditions on them stay exact, seeds and saved models reproduce bytes, and a model whose
context model lacks them (an earlier model file) still samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Metadata, Synthesizer
from simulacra.synthesizers import sequence_entities
from simulacra.synthesizers.sequence_entities import (
    SMALL_DROPOUT,
    SMALL_ENTITIES,
    entity_own,
    learned_own,
    per_entity,
)
from simulacra.synthesizers.sequence_layout import LENGTH, START
from simulacra.synthesizers.sequences import Sequences

from .sequence_tables import fitted_with_context

SETTINGS = {"sequence_key": "player", "sequence_index": "season", "seed": 0, "verbose": False}


def _tables(players: int = 600) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Players (born 1880-1999, a hand) and their seasons: the first at 20 to 23 years of
    age, left-handers play 1 or 2 seasons, right-handers 5 to 8."""
    rng = np.random.default_rng(11)
    born = rng.integers(1880, 2000, players)
    hand = rng.choice(["L", "R"], players)
    context = pd.DataFrame({"player": [f"p{i:04d}" for i in range(players)], "born": born})
    context["hand"] = hand
    seasons = np.where(hand == "L", rng.integers(1, 3, players), rng.integers(5, 9, players))
    first = born + rng.integers(20, 24, players)
    starts = np.repeat(first, seasons)
    steps = np.concatenate([np.arange(k) for k in seasons])
    events = pd.DataFrame(
        {
            "player": np.repeat(context["player"], seasons).to_numpy(),
            "season": starts + steps,
            "score": rng.normal(0, 1, seasons.sum()).round(2),
        }
    )
    return events, context


@pytest.fixture(scope="module")
def fitted() -> tuple[Sequences, pd.DataFrame, pd.DataFrame]:
    return fitted_with_context(*_tables(), **SETTINGS)  # type: ignore[no-any-return]


def _entities(events: pd.DataFrame, context: pd.DataFrame) -> pd.DataFrame:
    """Per player: birth year, hand, first season and number of seasons."""
    by = events.groupby("player")["season"]
    out = context.set_index("player")[["born", "hand"]]
    out = out.join(by.min().rename("first")).join(by.size().rename("length"))
    return out.dropna(subset=["first"])


def _check_follows(entities: pd.DataFrame) -> None:
    age = entities["first"] - entities["born"]
    # real: 20 to 23 for every player; the step network alone gave most players a first
    # season decades off their birth year; the entity model, under the dropout that small
    # entity tables train with (`SMALL_DROPOUT`, against memorised rows): 0.90 of them
    assert age.between(18, 26).mean() >= 0.85, age.describe()
    lengths = entities.groupby("hand")["length"].mean()
    assert lengths["L"] < 2.5 and lengths["R"] > 4.5, lengths


def test_first_index_and_length_follow_the_context(
    fitted: tuple[Sequences, pd.DataFrame, pd.DataFrame],
) -> None:
    model, events, context = fitted
    assert learned_own(model.context_model_, model.sequence_) == [LENGTH, START]
    synth_events, synth_context = model.sample_sequences(600, seed=1)
    assert list(synth_context.columns) == list(context.columns)  # no own column leaks out
    _check_follows(_entities(synth_events, synth_context))
    given = context.sample(300, random_state=0).reset_index(drop=True)
    drawn = model.sample(context=given, seed=1)
    assert set(drawn["player"]) <= set(given["player"])
    _check_follows(_entities(drawn, given))


def test_conditions_on_the_first_index_are_exact(
    fitted: tuple[Sequences, pd.DataFrame, pd.DataFrame],
) -> None:
    model, _, context = fitted
    given = context.head(100)
    for conditions in ({"season": 1950}, {"season": "1940..1960"}):
        for frame in (
            model.sample(context=given, conditions=conditions, seed=2),
            model.sample(200, conditions=conditions, seed=2),
        ):
            first = frame.groupby("player")["season"].min()
            assert first.between(1940, 1960).all()
            if conditions["season"] == 1950:
                assert (first == 1950).all()


def test_seeds_and_saved_models_reproduce_bytes(
    fitted: tuple[Sequences, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    model, _, context = fitted
    given = context.head(80)
    path = tmp_path / "m.simulacra"
    model.save(path)
    loaded = Synthesizer.load(path)
    for call in (
        lambda m: m.sample(context=given, seed=3),
        lambda m: m.sample_sequences(120, seed=3)[0],
    ):
        a, b = call(model), call(loaded)
        pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(a, call(model))


def test_a_context_model_without_own_columns_still_samples(
    fitted: tuple[Sequences, pd.DataFrame, pd.DataFrame],
) -> None:
    """A model file saved before the context model learned the own columns: the step network
    draws them, as it did then."""
    model, events, context = fitted
    old = Synthesizer("autoregressive", **SETTINGS)
    old.fit(events, context=context)  # type: ignore[call-arg]
    old.context_model_ = old._fit_context_model(context, Metadata.infer(context))
    assert learned_own(old.context_model_, old.sequence_) == []
    synth_events, synth_context = old.sample_sequences(200, seed=4)
    assert synth_context["player"].is_unique
    assert synth_events["player"].isin(synth_context["player"]).all()
    drawn = old.sample(context=context.head(50), seed=4)
    assert drawn.groupby("player")["season"].is_monotonic_increasing.all()


def test_own_columns_of_parts_are_the_whole_tables(
    fitted: tuple[Sequences, pd.DataFrame, pd.DataFrame],
) -> None:
    """Parts that hold whole entities (Dask partitions) give each entity's number of events,
    first index and first event as the whole table does, whatever the rows' order; a context
    entity without events has 0 and none."""
    model, events, context = fitted
    layout = model.sequence_
    players = events["player"].unique()
    events = events.sample(frac=1.0, random_state=0)  # the first event is the first in time
    parts = [events[events["player"].isin(chunk)] for chunk in np.array_split(players, 3)]
    keys = pd.concat([context["player"], pd.Series(["nobody"])], ignore_index=True)
    names = [LENGTH, START, "score"]
    whole = entity_own(per_entity(events, layout, names), keys)
    pieces = entity_own(pd.concat([per_entity(p, layout, names) for p in parts]), keys)
    pd.testing.assert_frame_equal(whole, pieces)
    assert (
        whole[LENGTH].iloc[:-1].tolist()
        == events.groupby("player").size()[context["player"]].tolist()
    )
    assert (
        whole[START].iloc[:-1].tolist()
        == events.groupby("player")["season"].min()[context["player"]].tolist()
    )
    first = events.sort_values(["player", "season"]).groupby("player")["score"].first()
    assert whole["score"].iloc[:-1].tolist() == first[context["player"]].tolist()
    assert whole[LENGTH].iloc[-1] == 0 and np.isnan(whole[START].iloc[-1])


def _followed(patients: int = 400) -> pd.DataFrame:
    """Patients (no context table) followed for 1 to 10 years (`futime` in days, static) and
    seen once a year from day 0 while followed: the number of visits is the years of
    follow-up, no visit comes after it; a sex and a plan (static, empty for 30% of the
    patients) and a lab value."""
    rng = np.random.default_rng(5)
    years = rng.integers(1, 11, patients)
    futime = years * 365 + rng.integers(1, 300, patients)
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(patients), years),
            "day": np.concatenate([np.arange(k) * 365 for k in years]),
            "futime": np.repeat(futime, years),
            "sex": np.repeat(rng.choice(["f", "m"], patients), years),
            "plan": np.repeat(rng.choice(["a", "b", None], patients, p=[0.4, 0.3, 0.3]), years),
            "lab": rng.normal(10, 2, years.sum()).round(1),
        }
    )


def _followed_fit() -> Sequences:
    model = Synthesizer(
        "autoregressive", sequence_key="id", sequence_index="day", seed=0, verbose=False
    )
    return model.fit(_followed())  # type: ignore[return-value]


def test_without_context_lengths_and_static_columns_follow_each_other() -> None:
    model = _followed_fit()
    own = learned_own(model.context_model_, model.sequence_)
    assert own == [LENGTH, "futime", "sex", "plan", START]
    assert "entities" in model.describe()["sequence"]
    synthetic = model.sample(400, seed=1)
    per = synthetic.groupby("id").agg(
        n=("day", "size"), last=("day", "max"), fut=("futime", "first")
    )
    # real: correlation 0.99, no visit after the follow-up; the step network alone drew
    # the number of visits nearly independently of the follow-up time
    assert np.corrcoef(per["fut"], per["n"])[0, 1] > 0.9  # old: 0.73
    assert (per["last"] > per["fut"]).mean() < 0.03  # old: 0.088
    static = synthetic.groupby("id")[["futime", "sex", "plan"]].nunique(dropna=False)
    assert static.max().max() == 1
    # an empty static cell is a value the entity model draws, as often as in the real ones
    assert synthetic.groupby("id")["plan"].first().isna().mean() == pytest.approx(0.3, abs=0.1)
    assert (synthetic.groupby("id")["day"].min() == 0).all()  # as every real patient
    assert (model.sample(100, conditions={"sex": "f"}, seed=2)["sex"] == "f").all()
    ranged = model.sample(100, conditions={"futime": "1000..2000"}, seed=2)
    assert ranged["futime"].between(1000, 2000).all()


def test_small_entity_tables_train_with_dropout(
    fitted: tuple[Sequences, pd.DataFrame, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fewer than `SMALL_ENTITIES` entities: the entity and first-event models train with
    dropout `SMALL_DROPOUT` at least (without it they memorised their rows:
    `benchmarks/results/entity_privacy/`); a larger dropout asked for is kept; the step
    network keeps the model's own; more entities: no dropout added."""
    model, _, context = fitted
    assert len(context) < SMALL_ENTITIES and model.dropout == 0.0
    assert model.context_model_.dropout == SMALL_DROPOUT  # type: ignore[union-attr]
    assert model.first_model_.dropout == SMALL_DROPOUT  # type: ignore[attr-defined]
    assert f"dropout {SMALL_DROPOUT}" in model.describe()["sequence"]["entities"]
    events, context = _tables(200)
    larger = Synthesizer("autoregressive", **SETTINGS, dropout=0.5, epochs=2)
    larger.fit(events, context=context)  # type: ignore[call-arg]
    assert larger.context_model_.dropout == 0.5  # type: ignore[attr-defined]
    monkeypatch.setattr(sequence_entities, "SMALL_ENTITIES", 100)  # 200 players: "many"
    many = Synthesizer("autoregressive", **SETTINGS, epochs=2)
    many.fit(events, context=context)  # type: ignore[call-arg]
    assert many.context_model_.dropout == 0.0  # type: ignore[attr-defined]
