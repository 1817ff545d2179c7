"""The reparametrisation: what the model learns instead of the table's columns, rows that
break a rule brought in line (with a note), rules that cannot hold together refused before any
work, and the DP layout read off the metadata only."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import DataNote
from simulacra.metadata import Metadata
from simulacra.privacy.budget import PrivacyBudget
from simulacra.rules import RulePlan
from simulacra.specs.rules import RuleError, parse_rule
from simulacra.transforms import TableTransformer

from ..rule_table import RULES, rule_table


def _round_trip(plan: RulePlan, table: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    modelled = plan.forward(table)
    transformer = TableTransformer(plan.metadata, verbose=False, **kwargs).fit(modelled)  # type: ignore[arg-type]
    plan.learn(transformer)
    decoded = transformer.decode(transformer.encode(modelled), np.random.default_rng(1))
    return plan.reverse(decoded, np.random.default_rng(2))


def test_the_model_learns_differences_combinations_and_no_computed_column() -> None:
    table = rule_table()
    plan = RulePlan.build(RULES, Metadata.infer(table), private=False)
    assert plan.metadata.names == [
        "start",
        "end - start",
        "price",
        "quantity",
        "city & zip",
        "score",
        "color",
        "plan",
        "seats",
        "support",
    ]
    modelled = plan.forward(table)
    days = (pd.to_datetime(table["end"]) - pd.to_datetime(table["start"])).dt.days
    assert np.array_equal(modelled["end - start"].to_numpy(), days.to_numpy() * 86_400.0)
    assert modelled["city & zip"].iloc[0] == json.dumps([table["city"][0], int(table["zip"][0])])
    back = _round_trip(plan, table)
    assert list(back.columns) == list(table.columns)
    assert back.dtypes.to_dict() == table.dtypes.to_dict()
    meta = Metadata.infer(table)
    for text in RULES:
        assert not parse_rule(text).broken(back, meta, table).any(), text
    described = plan.describe()["kept"]
    assert described["support"] == "set where plan = 'free' (if plan = free then support = none)"
    assert described["total"] == "computed as price * quantity"
    assert described["end"] == "modelled as 'end - start' (>= 0)"


def test_rows_breaking_a_rule_are_learned_as_if_they_kept_it_with_a_note() -> None:
    table = rule_table(200)
    table.loc[:4, "total"] += 1.0
    table.loc[10:11, "score"] = 120.0
    with pytest.warns(DataNote) as said:
        modelled = RulePlan.build(RULES, Metadata.infer(table), private=False).forward(table)
    notes = [str(w.message) for w in said]
    assert any("'total = price * quantity': 5 of 200 rows (2.50%)" in n for n in notes)
    assert any("bounds of 'score': 2 of 200" in n for n in notes)
    assert "total" not in modelled and modelled["score"].max() == 100.0


def test_a_dp_plan_reads_nothing_off_the_rows() -> None:
    table = rule_table(600)
    plan = RulePlan.build(RULES, Metadata.infer(table), private=True)
    assert plan.metadata["color"].public and plan.metadata["color"].categories == [
        "red",
        "dark green",
    ]
    assert (plan.metadata["score"].min, plan.metadata["score"].max) == (0.0, 100.0)
    assert plan.metadata["city & zip"].categories is None  # found by the DP threshold
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataNote)  # a DP fit says nothing about its rows
        back = _round_trip(plan, table, privacy=PrivacyBudget(50.0, 1e-6))
    kept = plan.layout.groups[0].combos_
    assert [c for c in kept if c[0] == "Paris"]  # the common combinations are released
    meta = Metadata.infer(table)
    for text in RULES:
        assert not parse_rule(text).broken(back, meta, table).any(), text


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (["score in 0..10", "score >= 20"], "leaves column 'score' no value"),
        (["color in {red}", "color in {blue}"], "leaves column 'color' no value"),
        (["price <= total", "total <= price"], "in a circle"),
        (["if plan = free then seats = 1", "if plan = free then seats = 2"], "no value"),
        (["seats in 2..5", "if plan = free then seats = 1"], "no value"),
        (["total = price * quantity", "total in 0..10"], "cannot be derived"),
        (["total = price * quantity", "total = price + quantity"], "already derived"),
        (["nope <= total"], "no column 'nope'"),
        (["start <= price"], "dates with dates"),
        (["city in 0..5"], "holds categories"),
        (["total = total * 2"], "on both sides"),
    ],
)
def test_rules_that_cannot_hold_together_are_one_error(rules: list[str], message: str) -> None:
    with pytest.raises(RuleError, match=message) as caught:
        RulePlan.build(rules, Metadata.infer(rule_table(50)), private=False)
    assert "\n" not in str(caught.value)


def test_the_plan_is_saved_as_json_and_decodes_the_same() -> None:
    table = rule_table()
    plan = RulePlan.build(RULES, Metadata.infer(table), private=False)
    modelled = plan.forward(table)
    transformer = TableTransformer(plan.metadata, verbose=False).fit(modelled)
    plan.learn(transformer)
    again = RulePlan.from_state(json.loads(json.dumps(plan.get_state())))
    decoded = transformer.decode(transformer.encode(modelled), np.random.default_rng(1))
    first = plan.reverse(decoded, np.random.default_rng(2))
    assert again.reverse(decoded, np.random.default_rng(2)).equals(first)


def test_a_column_above_several_is_their_max_plus_a_difference() -> None:
    rng = np.random.default_rng(3)
    black = rng.integers(0, 50, 400)
    white = black + rng.integers(0, 500, 400)
    adults = black + rng.integers(0, 300, 400)
    table = pd.DataFrame(
        {
            "black": black,
            "white": white,
            "adults": adults,
            "total": np.maximum(white, adults) + black % 7,
        }
    )
    rules = [
        "white <= total",
        "black <= total",
        "black <= white",
        "black <= adults",
        "adults <= total",
    ]
    plan = RulePlan.build(rules, Metadata.infer(table), private=False)
    assert plan.metadata.names == [
        "black",
        "white - black",
        "adults - black",
        "total - max(white, black, adults)",
    ]
    back = _round_trip(plan, table)
    meta = Metadata.infer(table)
    for text in rules:
        assert not parse_rule(text).broken(back, meta).any(), text


def test_an_if_then_allowing_several_values_keeps_its_columns_together() -> None:
    table = rule_table()
    rules = ["if plan in {free} then support in {none, email}", "if plan = free then seats = 1"]
    plan = RulePlan.build(rules, Metadata.infer(table), private=False)
    assert "plan & support" in plan.metadata.names and "seats" in plan.metadata.names
    back = _round_trip(plan, table)
    for text in rules:
        assert not parse_rule(text).broken(back, Metadata.infer(table)).any(), text


def test_dates_without_a_format_in_the_metadata_keep_their_own() -> None:
    table = rule_table(200)
    meta = Metadata.infer(table)
    meta.columns["end"].format = None
    plan = RulePlan.build(["start <= end"], meta, private=False)
    back = _round_trip(plan, table)
    assert back["end"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
