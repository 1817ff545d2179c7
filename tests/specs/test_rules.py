"""The rule language: each form parses to its rule, bad rules are one RuleError naming the
rule, and `broken` finds exactly the rows that break a rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.metadata import Metadata
from simulacra.specs.rules import (
    Equation,
    Fixed,
    IfThen,
    Order,
    Range,
    RuleError,
    parse_rule,
)


def test_each_form_parses_to_its_rule() -> None:
    order = parse_rule("start <= end")
    assert isinstance(order, Order) and order.low.name == "start" and order.high.name == "end"
    flipped = parse_rule("end > start")
    assert isinstance(flipped, Order) and flipped.low.name == "start" and flipped.strict
    formula = parse_rule("total = price * quantity")
    assert isinstance(formula, Equation) and formula.target == "total"
    assert formula.formula.names == ("price", "quantity") and formula.tolerance is None
    right = parse_rule("price * quantity = total")
    assert isinstance(right, Equation) and right.target == "total"
    approx = parse_rule("total ~ tenure * monthly within 40%")
    assert isinstance(approx, Equation) and approx.tolerance == pytest.approx(0.4)
    assert isinstance(parse_rule("total ≈ a + b within 5%"), Equation)
    fixed = parse_rule("fixed: city, `zip code`")
    assert isinstance(fixed, Fixed) and fixed.names == ("city", "zip code")
    span = parse_rule("a in 0..100")
    assert isinstance(span, Range) and (span.allowed.low, span.allowed.high) == (0, 100)
    one_of = parse_rule("color in {red, 'dark green', 3}")
    assert isinstance(one_of, Range) and one_of.allowed.values == ("red", "dark green", 3)
    bound = parse_rule("a >= 0")
    assert isinstance(bound, Range) and (bound.allowed.low, bound.allowed.high) == (0, None)
    rule = parse_rule("if plan in {free, trial} then seats in 1..2")
    assert isinstance(rule, IfThen) and rule.condition.values == ("free", "trial")
    assert (rule.then.low, rule.then.high) == (1, 2)
    assert isinstance(parse_rule("IF plan = 'free' THEN seats = 1"), IfThen)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a + b", "not a rule"),
        ("a = b = c", "one '=' per rule"),
        ("a + 1 = b + 2", "one side of '=' must be a single column"),
        ("a <= normal(0, 1)", "draws at random"),
        ("fixed: city", "two or more different columns"),
        ("a in 5..1", "is empty"),
        ("a ~ b * c", "needs a tolerance"),
        ("if a = 1 then a = 2", "name one column"),
        ("a <= b <= c", "chained comparisons"),
        ("x < 3", "strict bounds"),
        ("__import__('os') <= a", "unknown function"),
    ],
)
def test_a_bad_rule_is_one_error_naming_it(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message) as caught:
        parse_rule(text)
    assert text in str(caught.value) or message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_broken_finds_the_rows_that_break_each_rule() -> None:
    frame = pd.DataFrame(
        {
            "start": ["2020-01-01", "2020-01-05", "2020-01-03", None],
            "end": ["2020-01-02", "2020-01-04", "2020-01-03", "2020-01-01"],
            "price": [1.5, 2.0, 3.0, 4.0],
            "quantity": [2, 3, 1, 1],
            "total": [3.0, 6.0, 3.01, 4.0],
            "plan": ["free", "free", "pro", "pro"],
            "seats": [1, 2, 5, 9],
        }
    )
    meta = Metadata.infer(frame)
    assert meta["start"].kind == "datetime"
    assert parse_rule("start <= end").broken(frame, meta).tolist() == [False, True, False, False]
    assert parse_rule("start < end").broken(frame, meta).tolist() == [False, True, True, False]
    formula = parse_rule("total = price * quantity")
    assert formula.broken(frame, meta).tolist() == [False, False, True, False]
    within = parse_rule("total ~ price * quantity within 1%")
    assert not within.broken(frame, meta).any()
    rule = parse_rule("if plan = free then seats = 1")
    assert rule.broken(frame, meta).tolist() == [False, True, False, False]
    assert parse_rule("seats in 1..5").broken(frame, meta).tolist() == [False, False, False, True]
    assert parse_rule("plan in {free}").broken(frame, meta).tolist() == [False, False, True, True]
    fixed = parse_rule("fixed: plan, seats")
    assert fixed.broken(frame, meta, frame).sum() == 0
    other = frame.assign(seats=[1, 5, 5, 1])
    assert fixed.broken(other, meta, frame).tolist() == [False, True, False, True]


def test_values_written_differently_still_match() -> None:
    frame = pd.DataFrame({"flag": [0, 1, 1, 0], "code": ["1", "2", "2", "1"]})
    meta = Metadata.infer(frame)
    rule = parse_rule("if flag = 1 then code = 2")
    assert not rule.broken(frame, meta).any()
    assert parse_rule("code in {1, 2}").broken(frame, meta).sum() == 0
    assert np.array_equal(
        parse_rule("flag in {true}").broken(frame, meta), [True, False, False, True]
    )
