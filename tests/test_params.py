"""Parameters declared once (`Param`, `Declared`): the constructor, `get_params`, the checks,
overrides in subclasses and the tables documentation is made of."""

from __future__ import annotations

import inspect

import pytest

from simulacra.errors import ParameterError
from simulacra.params import (
    Declared,
    Interval,
    Kind,
    OneOf,
    Param,
    markdown_table,
    parameter_table,
)


class Base(Declared):
    name = "base"
    seed = Param(0, Interval(0, None, integer=True), "seed")
    epochs = Param(300, Interval(1, None, integer=True), "passes")
    dims = Param[tuple[int, ...] | list[int]]((8, 8), Kind((list, tuple)), "widths")


class Child(Base):
    name = "child"
    epochs = Base.epochs.replace(default=200)
    mode = Param("a", OneOf(("a", "b")), "mode")
    rate = Base.epochs.auto_default(300, 20)  # a None default standing for 300, or 20 with DP


def test_the_constructor_stores_values_as_given_and_defaults_otherwise() -> None:
    child = Child(seed=3, dims=[4])
    assert child.get_params() == {
        "seed": 3,
        "epochs": 200,
        "dims": [4],
        "mode": "a",
        "rate": None,
    }
    assert vars(child) == child.get_params()  # stored as plain attributes, nothing else
    assert Base().get_params()["epochs"] == 300  # the override changed Child only


def test_an_override_keeps_the_place_of_the_base_declaration() -> None:
    assert Child._param_names() == ["seed", "epochs", "dims", "mode", "rate"]
    signature = inspect.signature(Child)
    assert list(signature.parameters) == Child._param_names()
    assert all(p.kind is p.KEYWORD_ONLY for p in signature.parameters.values())
    assert signature.parameters["epochs"].default == 200


def test_unknown_or_positional_arguments_are_type_errors() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'lr'"):
        Child(lr=1)
    with pytest.raises(TypeError):
        Child(3)  # type: ignore[call-arg]


def test_a_class_that_writes_its_own_constructor_is_refused() -> None:
    with pytest.raises(TypeError, match="declare Params"):

        class Wrong(Declared):
            def __init__(self) -> None:
                pass


def test_the_rules_are_checked_naming_the_parameter() -> None:
    Child()._check_params()
    with pytest.raises(ParameterError, match=r"child: epochs must be an integer in \[1, inf\]"):
        Child(epochs=0)._check_params()
    with pytest.raises(ParameterError, match="mode must be one of 'a', 'b', not 'c'"):
        Child(mode="c")._check_params()
    with pytest.raises(ParameterError, match="rate"):
        Child(rate=0)._check_params()
    Child(rate=None)._check_params()  # auto_default made the rule accept None


def test_an_interval_may_be_open_above() -> None:
    rule = Interval(0, 1, high_open=True)
    assert rule.accepts(0) and rule.accepts(0.99) and not rule.accepts(1)
    assert str(rule) == "a number in [0, 1)"


def test_the_tables_come_from_the_declarations() -> None:
    rows = {row["name"]: row for row in parameter_table(Child)}
    assert rows["epochs"] == {
        "name": "epochs",
        "default": "200",
        "allowed": "an integer in [1, inf]",
        "help": "passes",
    }
    assert rows["rate"]["default"] == "None: 300, 20 with DP"
    assert "| `mode` | `'a'` | one of 'a', 'b' | mode |" in markdown_table(Child)
