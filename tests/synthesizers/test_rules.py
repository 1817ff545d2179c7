"""Every registered table model keeps every declared rule in every sampled row, with and
without conditions, after save and load, under DP; conditions and rules combine, and a
condition that breaks a rule is one ConditionError before any work."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulacra import ConditionError, Metadata, ParameterError, Synthesizer, registry
from simulacra.specs.rules import RuleError, parse_rule

from ..rule_table import RULES, rule_table

NAMES = registry.names("table")
PARAMS: dict[str, dict[str, Any]] = {
    "mst": {"epsilon": 50.0},
    "ensemble": {"members": ("copula",)},
}


def _params(name: str) -> dict[str, Any]:
    accepted = registry.get(name)._param_names()
    tiny = {k: v for k, v in {"epochs": 1, "batch_size": 50}.items() if k in accepted}
    return {**tiny, **PARAMS.get(name, {}), "verbose": False}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return rule_table(300)


@pytest.fixture(scope="module")
def metadata(table: pd.DataFrame) -> Metadata:
    return Metadata(Metadata.infer(table).columns, rules=RULES)


def _broken(sample: pd.DataFrame, table: pd.DataFrame, metadata: Metadata) -> dict[str, float]:
    return {r: float(parse_rule(r).broken(sample, metadata, table).mean()) for r in RULES}


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame, metadata: Metadata) -> dict[str, Synthesizer]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {n: Synthesizer(n, **_params(n)).fit(table, metadata) for n in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_every_model_keeps_every_rule(
    name: str, fitted: dict[str, Synthesizer], table: pd.DataFrame, metadata: Metadata
) -> None:
    model = fitted[name]
    sample = model.sample(400, seed=1)
    assert list(sample.columns) == list(table.columns)
    assert set(_broken(sample, table, metadata).values()) == {0.0}
    conditions = {"city": "Paris", "plan": "free", "start": "2021-03-01"}
    held = model.sample(150, conditions=conditions, seed=2)
    assert set(_broken(held, table, metadata).values()) == {0.0}
    assert (held["city"] == "Paris").all() and (held["plan"] == "free").all()
    assert (held["start"] == "2021-03-01").all() and set(held["zip"]) <= {75001, 75002}
    assert model.sample(50, seed=3).equals(model.sample(50, seed=3))


def test_a_loaded_model_samples_the_same_rows(
    fitted: dict[str, Synthesizer], tmp_path: Path
) -> None:
    for name in ("copula", "tvae"):
        path = fitted[name].save(tmp_path / f"{name}.simulacra")
        again = Synthesizer.load(path)
        assert again.sample(100, seed=5).equals(fitted[name].sample(100, seed=5))
        assert again.describe()["rules"]["rules"] == RULES


def test_rules_given_to_the_model_join_the_metadata_s(table: pd.DataFrame) -> None:
    model = Synthesizer("copula", rules=["start <= end", "fixed: city, zip"], verbose=False)
    model.fit(table, Metadata(Metadata.infer(table).columns, rules=["score in 0..100"]))
    assert model.describe()["rules"]["rules"] == [
        "score in 0..100",
        "start <= end",
        "fixed: city, zip",
    ]
    with pytest.raises(RuleError, match="no column 'nope'"):
        Synthesizer("copula", rules=["nope <= end"], verbose=False).fit(table)


def test_conditions_on_derived_columns_are_translated_or_refused(
    fitted: dict[str, Synthesizer],
) -> None:
    model = fitted["copula"]
    both = model.sample(20, conditions={"start": "2021-02-01", "end": "2021-02-11"}, seed=1)
    assert (both["end"] == "2021-02-11").all()
    with pytest.raises(ConditionError, match="derives end from start; condition on start"):
        model.sample(10, conditions={"end": "2021-02-11"})
    with pytest.raises(ConditionError, match="break rule 'start <= end'"):
        model.sample(10, conditions={"start": "2021-02-11", "end": "2021-02-01"})
    with pytest.raises(ConditionError, match="breaks rule 'score in 0..100'"):
        model.sample(10, conditions={"score": 150})
    three = model.sample(60, conditions={"seats": 3}, seed=1)  # strata of plan's other values
    assert (three["seats"] == 3).all() and set(three["plan"]) == {"pro", "team"}
    email = model.sample(60, conditions={"support": "email"}, seed=1)
    assert (email["support"] == "email").all() and "free" not in set(email["plan"])
    with pytest.raises(ConditionError, match="break rule 'if plan = free then seats = 1'"):
        model.sample(10, conditions={"seats": 3, "plan": "free"})
    with pytest.raises(ConditionError, match="match no combination"):
        model.sample(10, conditions={"city": "Paris", "zip": 69001})
    total = model.sample(10, conditions={"price": 2.5, "quantity": 2, "total": 5.0}, seed=1)
    assert (total["total"] == 5.0).all()
    with pytest.raises(ConditionError, match="break rule 'total = price"):
        model.sample(10, conditions={"price": 2.5, "quantity": 2, "total": 6.0})


def test_imputing_under_rules_is_refused(
    fitted: dict[str, Synthesizer], table: pd.DataFrame
) -> None:
    gaps = table.head(5).copy()
    gaps.loc[0, "score"] = None
    with pytest.raises(ParameterError, match="imputing with rules is not supported"):
        fitted["autoregressive"].impute(gaps)  # type: ignore[attr-defined]


def test_rebalancing_a_column_kept_with_others(fitted: dict[str, Synthesizer]) -> None:
    from simulacra.rebalance import iter_rebalanced

    chunks, counts = iter_rebalanced(fitted["copula"], 300, "plan", 1.0, seed=1)
    rows = pd.concat(list(chunks), ignore_index=True)
    assert set(counts) == {"free", "pro", "team"} and len(rows) == sum(counts.values())
    assert (
        not parse_rule("if plan = free then support = none")
        .broken(rows, fitted["copula"].rules_.schema)
        .any()
    )  # type: ignore[union-attr]


def test_sequence_models_keep_only_bounds_on_their_index(table: pd.DataFrame) -> None:
    # rules between other columns are kept (test_sequence_rules.py); the index is drawn as
    # gaps, so a rule naming it is kept only as a bound by a column constant within entities
    # or a number (test_sequence_bounds.py)
    events = table.assign(key=[i // 5 for i in range(len(table))])
    for rule, message in (
        ("start <= end", "by 'end', which changes within entities"),
        ("start + 1 <= end", "names the sequence index 'start'"),
    ):
        model = Synthesizer(
            "autoregressive", rules=[rule], sequence_key="key", sequence_index="start"
        )
        with pytest.raises(ParameterError, match=message):
            model.fit(events)


def test_an_if_then_rule_may_not_make_a_value_up(table: pd.DataFrame) -> None:
    # a misspelt consequence would turn every 'pro' row's support into 'emial'
    with pytest.raises(RuleError, match="never holds 'emial'"):
        Synthesizer("copula", rules=["if plan = pro then support = emial"]).fit(table)
    kept = Synthesizer("copula", rules=["if plan = free then support = none"], seed=0)
    sample = kept.fit(table).sample(300, seed=0)
    assert set(sample["support"]) <= set(table["support"])
