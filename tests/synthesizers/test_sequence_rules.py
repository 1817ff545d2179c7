"""Rules inside sequence models (issue 29): rules hold within every event of every sampled
entity, by construction, beside the sequence guarantees (indexes strictly increase, static
columns stay constant); conditions translate onto the columns learned; seeds and saved models
reproduce bytes; a rule naming the sequence key or index, and imputing under rules, are one
clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulacra import Metadata, Synthesizer
from simulacra.errors import ConditionError, ParameterError
from simulacra.specs.rules import parse_rule

from .sequence_tables import make_patients, make_visits, reloaded

SEQUENCE = {"sequence_key": "patient_id", "sequence_index": "visit_date"}
FAST = {"epochs": 45, "hidden_dims": (128, 128), "verbose": False, "seed": 0}
RULES = [
    "total = units * price",
    "fixed: ward, floor",
    "diastolic <= systolic",
    "weight in 40..150",
    "if ward = C then units in 1..3",
]


@pytest.fixture(scope="module")
def visits() -> pd.DataFrame:
    """The sequence tests' visits with columns that obey the rules above in every row."""
    table = make_visits(make_patients())
    rng = np.random.default_rng(3)
    table["units"] = rng.integers(1, 6, len(table))
    table.loc[table["ward"] == "C", "units"] = rng.integers(1, 4, (table["ward"] == "C").sum())
    table["price"] = rng.choice([9.5, 12.0, 20.0], len(table))
    table["total"] = table["units"] * table["price"]
    table["floor"] = table["ward"].map({"A": 1, "B": 2, "C": 3})
    table["systolic"] = (120 + 0.2 * table["weight"] + rng.normal(0, 8, len(table))).round()
    table["diastolic"] = (table["systolic"] - 30 - rng.gamma(3, 5, len(table))).round()
    return table


@pytest.fixture(scope="module")
def ruled(visits: pd.DataFrame) -> Synthesizer:
    return Synthesizer("autoregressive", **SEQUENCE, **FAST, rules=RULES).fit(visits)


def broken(rows: pd.DataFrame, model: Synthesizer) -> dict[str, int]:
    assert model.rules_ is not None
    return {r: int(parse_rule(r).broken(rows, model.rules_.schema).sum()) for r in RULES}


def test_every_rule_holds_in_every_sampled_event(ruled: Synthesizer, visits: pd.DataFrame) -> None:
    events = ruled.sample(300, seed=1)
    assert broken(events, ruled) == dict.fromkeys(RULES, 0)
    assert list(events.columns) == list(visits.columns)
    assert events.dtypes.to_dict() == visits.dtypes.to_dict()
    # the sequence guarantees still hold
    dates = pd.to_datetime(events["visit_date"])
    for _, group in dates.groupby(events["patient_id"], sort=False):
        assert group.is_monotonic_increasing and group.is_unique
    assert events.groupby("patient_id")["sex"].nunique().max() == 1
    assert events["patient_id"].nunique() == 300
    # what the rules leave free is still learned: weights, their drift within an entity,
    # every ward, units above the cap outside ward C, the gap between the pressures
    assert stats.ks_2samp(events["weight"], visits["weight"]).statistic < 0.15
    assert set(events["ward"]) == {"A", "B", "C"}
    assert events.loc[events["ward"] != "C", "units"].max() > 3
    gap = events["systolic"] - events["diastolic"]
    real_gap = visits["systolic"] - visits["diastolic"]
    assert stats.ks_2samp(gap, real_gap).statistic < 0.2


def test_the_rules_are_declared_in_the_metadata_too(visits: pd.DataFrame) -> None:
    metadata = Metadata.infer(visits)
    metadata.rules = ["diastolic <= systolic"]
    model = Synthesizer("autoregressive", **SEQUENCE, **FAST).fit(visits, metadata)
    events = model.sample(100, seed=0)
    assert (events["diastolic"] <= events["systolic"]).all()
    assert model.describe()["rules"]


def test_conditions_translate_onto_the_columns_learned(ruled: Synthesizer) -> None:
    events = ruled.sample(60, {"ward": "B"}, seed=2)
    first = events.groupby("patient_id", sort=False).head(1)
    assert (first["ward"] == "B").all() and (first["floor"] == 2).all()
    assert broken(events, ruled) == dict.fromkeys(RULES, 0)
    by_floor = ruled.sample(40, {"floor": 3}, seed=2).groupby("patient_id").head(1)
    assert (by_floor["ward"] == "C").all() and (by_floor["units"] <= 3).all()


def test_seeds_and_saved_models_reproduce_bytes(ruled: Synthesizer, tmp_path: Path) -> None:
    loaded = reloaded(ruled, 80, 5, tmp_path)
    assert loaded.rules_ is not None and loaded.rules_.texts == RULES


def test_bad_use_is_one_clear_error(ruled: Synthesizer, visits: pd.DataFrame) -> None:
    for rule, role in (("visit_date <= visit_date", "index"), ("fixed: patient_id, sex", "key")):
        model = Synthesizer("autoregressive", **SEQUENCE, **FAST, rules=[rule])
        with pytest.raises(ParameterError, match=f"names the sequence {role}"):
            model.fit(visits)
    with pytest.raises(ParameterError, match="imputing with rules is not supported"):
        ruled.impute(visits.head(5).assign(weight=np.nan))
    with pytest.raises(ConditionError):
        ruled.sample(5, {"weight": 10.0}, seed=0)  # outside the declared range
