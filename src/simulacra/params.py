"""Declared parameter constraints, checked once at `fit` (after scikit-learn's habit)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ParameterError


@dataclass(frozen=True)
class Interval:
    """A number in [low, high] (either end may be None); `integer` requires an int."""

    low: float | None = None
    high: float | None = None
    integer: bool = False
    optional: bool = False

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.optional
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def __str__(self) -> str:
        kind = "an integer" if self.integer else "a number"
        text = f"{kind} in [{self.low if self.low is not None else '-inf'}, " + (
            f"{self.high if self.high is not None else 'inf'}]"
        )
        return text + (" or None" if self.optional else "")


@dataclass(frozen=True)
class OneOf:
    """One of a fixed set of values."""

    values: tuple[Any, ...]

    def accepts(self, value: Any) -> bool:
        return value in self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class Kind:
    """An instance of a Python type (or None when `optional`)."""

    type: type | tuple[type, ...]
    optional: bool = False

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.optional
        if self.type is bool:
            return isinstance(value, bool)
        return isinstance(value, self.type) and not isinstance(value, bool)

    def __str__(self) -> str:
        names = self.type if isinstance(self.type, tuple) else (self.type,)
        return " or ".join(t.__name__ for t in names) + (" or None" if self.optional else "")


Constraint = Interval | OneOf | Kind


def check_params(owner: str, params: Mapping[str, Any], rules: Mapping[str, Constraint]) -> None:
    """Raise ParameterError naming the first parameter whose value breaks its rule."""
    for name, rule in rules.items():
        if name in params and not rule.accepts(params[name]):
            raise ParameterError(f"{owner}: {name} must be {rule}, not {params[name]!r}")
