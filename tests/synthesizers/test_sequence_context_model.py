"""Sampled context rows come from a model of the context table alone (`context_model_`), and
each entity's events are drawn given its row: the context's own relations hold, events follow
their context, seeds and saved models reproduce bytes, conditions on the context are exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Synthesizer
from simulacra.synthesizers.sequences import Sequences

from .sequence_tables import fitted_with_context

SETTINGS = {"sequence_key": "player", "sequence_index": "season", "seed": 0, "verbose": False}


def _tables(players: int = 700) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Players (born, whether dead: almost only those born before 1950, a hand) and their
    seasons (a score that grows with the birth year)."""
    rng = np.random.default_rng(7)
    born = rng.integers(1880, 2000, players)
    dead = np.where(born < 1950, rng.random(players) < 0.95, rng.random(players) < 0.03)
    context = pd.DataFrame(
        {
            "player": [f"p{i:04d}" for i in range(players)],
            "born": born,
            "dead": np.where(dead, "yes", "no"),
            "hand": rng.choice(["L", "R"], players, p=[0.3, 0.7]),
        }
    )
    seasons = rng.integers(1, 6, players)
    events = pd.DataFrame(
        {
            "player": np.repeat(context["player"], seasons),
            "season": np.concatenate([np.arange(k) for k in seasons]),
            "score": np.repeat((born - 1880) / 10.0, seasons) + rng.normal(0, 1, seasons.sum()),
        }
    )
    return events, context


@pytest.fixture(scope="module")
def fitted() -> tuple[Sequences, pd.DataFrame, pd.DataFrame]:
    return fitted_with_context(*_tables(), **SETTINGS)  # type: ignore[no-any-return]


def test_sampled_context_keeps_its_relations_and_events_follow_it(
    fitted: tuple[Sequences, pd.DataFrame, pd.DataFrame],
) -> None:
    model, events, context = fitted
    assert model.context_model_ is not None
    assert "entities" in model.describe()["sequence"]
    synth_events, synth_context = model.sample_sequences(700, seed=1)
    assert list(synth_context.columns) == list(context.columns)
    assert synth_context["player"].is_unique
    assert not synth_context["player"].isin(context["player"]).any()
    young = synth_context["born"] >= 1960
    assert (synth_context.loc[young, "dead"] == "yes").mean() < 0.15  # real: 3%
    assert (synth_context.loc[synth_context["born"] < 1930, "dead"] == "yes").mean() > 0.8
    assert abs((synth_context["hand"] == "L").mean() - 0.3) < 0.07
    joined = synth_events.merge(synth_context, on="player")
    assert len(joined) == len(synth_events)  # every event's player has its context row
    # real: 0.99; drawn by the step network (before the context model): 0.52, and 29% of
    # the young dead
    assert np.corrcoef(joined["born"], joined["score"])[0, 1] > 0.65


def test_seeds_and_saved_models_reproduce_the_context_and_events(
    fitted: tuple[Sequences, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    model = fitted[0]
    first = model.sample_sequences(300, seed=3)
    again = model.sample_sequences(300, seed=3)
    path = tmp_path / "m.simulacra"
    model.save(path)
    loaded = Synthesizer.load(path)
    reloaded = loaded.sample_sequences(300, seed=3)  # type: ignore[attr-defined]
    for a, b, c in zip(first, again, reloaded, strict=True):
        pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(a, c)


def test_conditions_on_the_context_are_exact(
    fitted: tuple[Sequences, pd.DataFrame, pd.DataFrame],
) -> None:
    model = fitted[0]
    events, context = model.sample_sequences(200, {"hand": "L", "score": (5.0, 9.0)}, seed=2)
    assert (context["hand"] == "L").all()
    first = events.groupby("player")["score"].first()  # the condition is on the first event
    assert first.between(5.0, 9.0).all() and len(first) == 200


def test_a_model_file_without_a_context_model_samples_as_before(
    fitted: tuple[Sequences, pd.DataFrame, pd.DataFrame],
) -> None:
    model = fitted[0]
    state = model._get_state()
    del state["context_model"]  # as files of earlier versions are
    old = Synthesizer("autoregressive", **SETTINGS)
    old._set_state(state)
    events, context = old.sample_sequences(100, seed=0)  # type: ignore[attr-defined]
    assert old.context_model_ is None  # type: ignore[attr-defined]
    assert len(context) == 100 and set(events["player"]) <= set(context["player"])


def test_rules_on_the_events_leave_the_context_model_alone() -> None:
    """The rules name event columns: the context model fits the context without them."""
    events, context = _tables(300)
    events["low"] = events["score"] - np.random.default_rng(1).uniform(0, 2, len(events))
    model = Synthesizer("autoregressive", **SETTINGS, epochs=5, rules=["low <= score"])
    model.fit(events, context=context)  # type: ignore[call-arg]
    assert model.context_model_ is not None and model.context_model_.rules is None
    synth_events, synth_context = model.sample_sequences(100, seed=0)
    assert (synth_events["low"] <= synth_events["score"]).all()
    assert len(synth_context) == 100


def test_a_time_budget_bounds_the_whole_fit_context_model_included() -> None:
    """The context model fits first within a quarter of the budget, the step network gets
    what is left: the whole fit, not each of its two models, keeps to `time_budget`."""
    events, context = _tables(300)
    budget = 4.0
    model = Synthesizer(
        "autoregressive", **SETTINGS, time_budget=budget, epochs=100_000, validation=0.0
    )
    model.fit(events, context=context)  # type: ignore[call-arg]
    assert model.context_model_ is not None
    assert model.context_model_.time_budget == pytest.approx(0.25 * budget)
    assert model.out_of_time_ and model.context_model_.out_of_time_  # both trained to the end
    # without the shared budget: 4 s for the steps after 4 s for the context
    assert model.fit_info_["seconds"] < budget + 1.5
