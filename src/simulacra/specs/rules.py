"""Rules the rows of a table keep, in the formula language of the specifications.

A rule is text, parsed (never run as code) into one of these forms:

- order: `start <= end`, `x < y`, `total <= 1.2 * tenure * monthly` (one side a column, the
  other a column or a formula of `formula.py`; `<`, `<=`, `>`, `>=`);
- formula: `total = price * quantity` (a column equals a formula of others, exactly, up to the
  column's rounding), or approximately: `total ~ tenure * monthly within 40%` (`~` or `≈`:
  |total - formula| <= 40% of the larger of the two);
- fixed: `fixed: city, zip` (only the combinations of values the real rows hold);
- range and one-of: `a in 0..100`, `color in {red, green}` (also `a >= 0`, `a <= 100`);
- if-then: `if plan = free then seats = 1`, `if plan in {free, trial} then seats in 1..2`
  (the condition and the consequence each one column with `=`, `in {...}` or `in low..high`).

Values are numbers, `true`/`false`, 'quoted' or bare text; column names with spaces are
`backquoted`. `Rule.broken(frame, metadata)` says which rows break a rule (a row with an empty
cell in the rule's columns breaks none). The reparametrisation that makes every model keep
the rules is `simulacra.rules`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MetadataError
from ..metadata import Metadata
from .formula import FUNCTIONS, Formula, FormulaError, Node, parse_formula
from .rule_values import (
    as_datetimes,
    combinations,
    decimals_of,
    evaluate,
    member,
    stamps,
    typed_columns,
)

__all__ = [
    "Allowed",
    "Equation",
    "Fixed",
    "IfThen",
    "Order",
    "Range",
    "Rule",
    "RuleError",
    "Side",
    "as_datetimes",
    "evaluate",
    "member",
    "parse_rule",
    "typed_columns",
]

_LONE_EQUALS = re.compile(r"(?<![<>=!])=(?!=)")
_APPROX = re.compile(r"^(?P<left>.+?)(?:~|≈)(?P<right>.+?)(?:\bwithin\s+(?P<pct>[\d.]+)\s*%)?$")
_IN = re.compile(r"^(?P<column>.+?)\s+in\s+(?P<values>\{.*\}|.+?\.\..+)$")
_IF = re.compile(r"^if\s+(?P<cond>.+?)\s+then\s+(?P<then>.+)$", re.IGNORECASE)
_FIXED = re.compile(r"^fixed\s*:\s*(?P<names>.+)$", re.IGNORECASE)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")
ORDERS = ("<", "<=", ">", ">=")
# a formula rule holds where |column - formula| is within this share of their size (floats)
RELATIVE = 1e-9


class RuleError(MetadataError):
    """A rule that cannot be parsed, names an unknown column, or cannot hold with the others."""


@dataclass(frozen=True)
class Side:
    """One side of an order: a column (`name`), a number (`constant`) or a formula."""

    formula: Formula
    name: str | None
    constant: float | None


@dataclass(frozen=True)
class Allowed:
    """`column = value`, `column in {values}` or `column in low..high` (values None)."""

    column: str
    values: tuple[Any, ...] | None = None
    low: Any = None
    high: Any = None

    def text(self) -> str:
        if self.values is None:
            return f"{self.column} in {self.low}..{self.high}"
        if len(self.values) == 1:
            return f"{self.column} = {self.values[0]!r}"
        return f"{self.column} in {{{', '.join(map(repr, self.values))}}}"

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Which of `values` (a column's typed values) this allows; empty cells are allowed."""
        present = ~pd.isna(values)
        if self.values is None:
            inside = np.ones(len(values), dtype=bool)
            number = values.dtype.kind in "fiu"
            low, high = (self.low, self.high) if number else stamps(self.low, self.high)
            with np.errstate(invalid="ignore"):
                if low is not None:
                    inside &= ~present | (values >= low)
                if high is not None:
                    inside &= ~present | (values <= high)
            return inside
        return ~present | member(values, self.values)


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its text and kind ("order", "formula", "fixed", "range", "if_then")."""

    text: str
    kind: str

    @property
    def columns(self) -> tuple[str, ...]:
        raise NotImplementedError

    def broken(
        self, frame: pd.DataFrame, metadata: Metadata, reference: pd.DataFrame | None = None
    ) -> np.ndarray:
        """Which rows of `frame` break the rule (`reference`: the real rows, for `fixed`)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Order(Rule):
    """`low <= high` (or `<` when `strict`)."""

    low: Side
    high: Side
    strict: bool

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.low.formula.names, *self.high.formula.names]))

    def broken(
        self, frame: pd.DataFrame, metadata: Metadata, reference: pd.DataFrame | None = None
    ) -> np.ndarray:
        values = typed_columns(frame, metadata, self.columns)
        low, high = (
            evaluate(self.low.formula, values, len(frame)),
            evaluate(self.high.formula, values, len(frame)),
        )
        present = ~pd.isna(low) & ~pd.isna(high)
        with np.errstate(invalid="ignore"):
            bad = low >= high if self.strict else low > high
        return np.asarray(present & bad, dtype=bool)


@dataclass(frozen=True)
class Equation(Rule):
    """`target = formula`, or within `tolerance` (a share) of it."""

    target: str
    formula: Formula
    tolerance: float | None

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.target, *(n for n in self.formula.names if n != self.target))

    def broken(
        self, frame: pd.DataFrame, metadata: Metadata, reference: pd.DataFrame | None = None
    ) -> np.ndarray:
        values = typed_columns(frame, metadata, self.columns)
        got = np.asarray(values[self.target], dtype=np.float64)
        want = np.asarray(evaluate(self.formula, values, len(frame)), dtype=np.float64)
        present = np.isfinite(got) & np.isfinite(want)
        scale = np.maximum(np.abs(got), np.abs(want))
        with np.errstate(invalid="ignore"):
            if self.tolerance is not None:
                bad = np.abs(got - want) > self.tolerance * scale * (1 + 1e-9)
            else:
                step = 0.5 * 10.0 ** -decimals_of(got[present]) + RELATIVE * scale
                bad = np.abs(got - want) > step
        return np.asarray(present & bad, dtype=bool)


@dataclass(frozen=True)
class Fixed(Rule):
    """Only the combinations of `names` that the real rows hold."""

    names: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.names

    def broken(
        self, frame: pd.DataFrame, metadata: Metadata, reference: pd.DataFrame | None = None
    ) -> np.ndarray:
        if reference is None:
            return np.zeros(len(frame), dtype=bool)
        seen = set(combinations(reference, self.names))
        return np.array([c not in seen for c in combinations(frame, self.names)], dtype=bool)


@dataclass(frozen=True)
class Range(Rule):
    """One column's allowed values or interval."""

    allowed: Allowed

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.allowed.column,)

    def broken(
        self, frame: pd.DataFrame, metadata: Metadata, reference: pd.DataFrame | None = None
    ) -> np.ndarray:
        values = typed_columns(frame, metadata, self.columns)[self.allowed.column]
        return ~self.allowed.holds(values)


@dataclass(frozen=True)
class IfThen(Rule):
    """Rows meeting `condition` meet `then`."""

    condition: Allowed
    then: Allowed

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.condition.column, self.then.column)

    def broken(
        self, frame: pd.DataFrame, metadata: Metadata, reference: pd.DataFrame | None = None
    ) -> np.ndarray:
        values = typed_columns(frame, metadata, self.columns)
        cond = values[self.condition.column]
        applies = ~pd.isna(cond) & self.condition.holds(cond)
        return applies & ~self.then.holds(values[self.then.column])


# --- parsing --------------------------------------------------------------------------------


def parse_rule(text: str) -> Rule:
    """The rule `text` says; a RuleError names the rule and what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise RuleError(f"a rule must be non-empty text, not {text!r}")
    text = text.strip()
    try:
        return _parse(text)
    except FormulaError as exc:
        detail = str(exc).split(": ", 1)[-1]
        raise RuleError(f"rule '{text}': {detail}") from exc


def _parse(text: str) -> Rule:
    if match := _FIXED.match(text):
        names = tuple(_name(n) for n in match["names"].split(","))
        if len(names) < 2 or len(set(names)) < len(names) or not all(names):
            raise RuleError(f"rule '{text}': 'fixed:' takes two or more different columns")
        return Fixed(text, "fixed", names)
    if match := _IF.match(text):
        cond, then = _clause(text, match["cond"]), _clause(text, match["then"])
        if cond.column == then.column:
            raise RuleError(f"rule '{text}': the condition and the consequence name one column")
        return IfThen(text, "if_then", cond, then)
    masked = _QUOTED.sub(lambda m: "_" * len(m.group()), text)
    if match := _APPROX.match(masked):
        pct = match["pct"]
        tolerance = float(pct) / 100 if pct else None
        if tolerance is None or not 0 < tolerance < 1:
            raise RuleError(f"rule '{text}': '~' needs a tolerance, e.g. 'within 10%' (0-100%)")
        target = _name(text[: match.start("right") - 1].strip())
        formula = _formula(text, text[match.start("right") : match.end("right")], target)
        return Equation(text, "formula", target, formula, tolerance)
    if _IN.match(masked) and not _LONE_EQUALS.search(masked):
        return Range(text, "range", _clause(text, text))
    equals = list(_LONE_EQUALS.finditer(masked))
    if len(equals) > 1:
        raise RuleError(f"rule '{text}': one '=' per rule")
    if equals:
        left, right = text[: equals[0].start()].strip(), text[equals[0].end() :].strip()
        if _is_name(left):
            return Equation(text, "formula", _name(left), _formula(text, right, left), None)
        if _is_name(right):
            return Equation(text, "formula", _name(right), _formula(text, left, right), None)
        raise RuleError(f"rule '{text}': one side of '=' must be a single column")
    return _order(text)


def _order(text: str) -> Rule:
    tree = parse_formula(text, "rule").tree
    if tree.op not in ORDERS:
        raise RuleError(
            f"rule '{text}': not a rule (use a <= b, c = a * b, c ~ a * b within 10%, "
            "a in 0..100, a in {x, y}, fixed: a, b, or if a = x then b = y)"
        )
    position = tree.pos
    op = ">=" if text[position : position + 2] == ">=" else ""
    op = op or ("<=" if text[position : position + 2] == "<=" else text[position])
    left = _side(text, text[:position])
    right = _side(text, text[position + len(op) :])
    low, high = (left, right) if op in ("<", "<=") else (right, left)
    if low.constant is not None and high.constant is not None:
        raise RuleError(f"rule '{text}': names no column")
    if (low.constant is not None or high.constant is not None) and (low.name or high.name):
        name = low.name or high.name
        assert name is not None
        bound = high.constant if low.name else low.constant
        allowed = Allowed(name, None, *((None, bound) if low.name else (bound, None)))
        if op in ("<", ">"):
            raise RuleError(f"rule '{text}': bound a column with <= or >= (strict bounds: no)")
        return Range(text, "range", allowed)
    if low.name is None and high.name is None:
        raise RuleError(f"rule '{text}': one side of the comparison must be a single column")
    return Order(text, "order", low, high, op in ("<", ">"))


def _side(text: str, part: str) -> Side:
    formula = _formula(text, part, "rule")
    tree = formula.tree
    name = tree.args[0] if tree.op == "name" else None
    constant = None
    if tree.op == "num" or (tree.op == "neg" and tree.args[0].op == "num"):
        constant = float(tree.args[0]) if tree.op == "num" else -float(tree.args[0].args[0])
    return Side(formula, name, constant)


def _formula(text: str, part: str, column: str) -> Formula:
    if not part.strip():
        raise RuleError(f"rule '{text}': a side of the rule is empty")
    formula = parse_formula(part.strip(), column)
    for node in _nodes(formula.tree):
        if node.op == "call" and FUNCTIONS[node.args[0]].random:
            raise RuleError(f"rule '{text}': {node.args[0]}() draws at random; rules cannot")
        if node.op in (*ORDERS, "==", "!=", "and", "or", "not"):
            raise RuleError(f"rule '{text}': one comparison per rule")
    return formula


def _nodes(tree: Node) -> list[Node]:
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(arg for arg in node.args if isinstance(arg, Node))
    return out


def _clause(text: str, part: str) -> Allowed:
    """`column = value`, `column in {a, b}` or `column in low..high`."""
    part = part.strip()
    masked = _QUOTED.sub(lambda m: "_" * len(m.group()), part)
    if match := _IN.match(masked):
        column = _name(part[: match.start("values")].strip()[: -len("in")].strip())
        values = part[match.start("values") :].strip()
        if values.startswith("{"):
            if not values.endswith("}"):
                raise RuleError(f"rule '{text}': a list of values ends with '}}'")
            items = [_literal(v) for v in _split(values[1:-1])]
            if not items:
                raise RuleError(f"rule '{text}': the list of values is empty")
            return Allowed(column, tuple(dict.fromkeys(items)))
        low_text, _, high_text = values.partition("..")
        low, high = _literal(low_text), _literal(high_text)
        if isinstance(low, str) != isinstance(high, str):
            raise RuleError(f"rule '{text}': a range's ends are two numbers or two dates")
        if not isinstance(low, str) and low > high:
            raise RuleError(f"rule '{text}': the range {low}..{high} is empty")
        return Allowed(column, None, low, high)
    equals = list(_LONE_EQUALS.finditer(masked)) or list(re.finditer("==", masked))
    if len(equals) != 1:
        raise RuleError(
            f"rule '{text}': '{part}' is not 'column = value', 'column in {{a, b}}' or "
            "'column in low..high'"
        )
    left, right = part[: equals[0].start()], part[equals[0].end() :]
    return Allowed(_name(left), (_literal(right),))


def _split(items: str) -> list[str]:
    """Comma-separated items, commas inside quotes kept."""
    masked = _QUOTED.sub(lambda m: "_" * len(m.group()), items)
    out, start = [], 0
    for match in re.finditer(",", masked):
        out.append(items[start : match.start()])
        start = match.end()
    out.append(items[start:])
    return [item for item in out if item.strip()]


def _literal(text: str) -> Any:
    """A value written in a rule: a number, true/false, 'quoted' or bare text."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if not text:
        raise RuleError("a value of a rule is empty")
    return text


def _name(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "`":
        return text[1:-1]
    return text


def _is_name(text: str) -> bool:
    text = text.strip()
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|`[^`]+`", text))
