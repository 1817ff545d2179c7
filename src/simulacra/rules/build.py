"""From rule texts and the table's metadata to what each rule changes, checked before any
work: which columns are bounded, kept together, adjusted or derived, and in what order.

Everything here reads the metadata only (kinds, dtypes, decimals, formats), never the rows,
so a DP fit learns nothing from it. Rules that cannot hold together (empty ranges, a column
derived twice, rules deriving columns from one another in a circle, an if-then consequence
outside the column's allowed values) are one RuleError naming them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ..metadata import MODELLED_KINDS, Metadata
from ..specs.formula import parse_formula
from ..specs.rules import (
    Allowed,
    Equation,
    Fixed,
    IfThen,
    Order,
    Range,
    Rule,
    RuleError,
    member,
    parse_rule,
)
from .derive import Derivation
from .groups import Group

CATEGORY_KINDS = ("categorical", "boolean")
GROUPED_KINDS = ("categorical", "boolean", "numerical")


@dataclass
class Layout:
    """What the rules do to the table's columns."""

    rules: list[Rule]
    bounds: dict[str, Allowed] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    adjusts: list[IfThen] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)

    def group_of(self, column: str) -> Group | None:
        return next((g for g in self.groups if column in g.columns), None)

    def derivation_of(self, column: str) -> Derivation | None:
        return next((d for d in self.derivations if d.target == column), None)


def layout(texts: list[str], metadata: Metadata) -> Layout:
    """The checked layout of `texts` over `metadata`'s columns."""
    rules = [parse_rule(t) for t in dict.fromkeys(texts)]
    for rule in rules:
        _check_columns(rule, metadata)
    out = Layout(rules)
    out.groups = _groups(rules, metadata)
    grouped = {c for g in out.groups for c in g.columns}
    for rule in rules:
        if isinstance(rule, Range) and rule.allowed.column not in grouped:
            column = rule.allowed.column
            out.bounds[column] = _meet(out.bounds.get(column), _typed(rule, metadata), rule)
        elif isinstance(rule, IfThen) and not any(rule in g.rules for g in out.groups):
            if rule.then.column in grouped:
                raise RuleError(
                    f"rule '{rule.text}': '{rule.then.column}' is kept with other columns, so "
                    "the rule's condition must be on a category (kept with them too)"
                )
            out.adjusts.append(_adjust(rule, metadata))
    for group in out.groups:
        group.rules = (*group.rules, *_ranges_on(rules, group.columns))
    _check_adjusts(out)
    taken = grouped | set(out.bounds) | {a.then.column for a in out.adjusts}
    taken |= {a.condition.column for a in out.adjusts}
    names = set(metadata.names)
    merged, alone = _merged_orders(rules, metadata, taken)
    for item in [*merged, *alone]:
        derivation = (
            item if isinstance(item, Derivation) else _derivation(item, metadata, taken, out)
        )
        name = derivation.name
        while name is not None and name in names:
            name += "'"
        out.derivations.append(_named(derivation, name))
        if name is not None:
            names.add(name)
    out.derivations = _ordered(out.derivations)
    return out


def _check_columns(rule: Rule, metadata: Metadata) -> None:
    for name in rule.columns:
        if name not in metadata:
            known = ", ".join(metadata.names)
            raise RuleError(f"rule '{rule.text}': no column '{name}' (columns: {known})")
        kind = metadata[name].kind
        if kind not in MODELLED_KINDS:
            raise RuleError(
                f"rule '{rule.text}': column '{name}' is {kind}; rules hold between numerical, "
                "categorical, boolean and datetime columns"
            )


def _groups(rules: list[Rule], metadata: Metadata) -> list[Group]:
    """Union of the columns that `fixed:` rules and if-then rules between categories tie."""
    parent: dict[str, str] = {}

    def root(c: str) -> str:
        while parent.setdefault(c, c) != c:
            c = parent[c]
        return c

    tying = _tying(rules, metadata)
    for rule in tying:
        first, *rest = rule.columns
        for name in rest:
            parent[root(name)] = root(first)
    members: dict[str, list[str]] = {}
    for name in metadata.names:
        if name in parent:
            members.setdefault(root(name), []).append(name)
    groups = []
    for columns in members.values():
        own = tuple(r for r in tying if r.columns[0] in columns)
        groups.append(Group(" & ".join(columns), tuple(columns), own))
    return groups


def _tying(rules: list[Rule], metadata: Metadata) -> list[Rule]:
    """The rules that keep columns together: `fixed:` rules, and if-then rules between
    categories whose consequence allows several values or falls on a column kept together
    already. An if-then with one value for a category is kept by setting it (`adjusts`):
    each column stays a column of its own, which costs no realism and, under DP, no
    combination the threshold might not release."""
    tying: list[Rule] = []
    for rule in rules:
        if isinstance(rule, Fixed):
            for name in rule.names:
                if metadata[name].kind not in GROUPED_KINDS:
                    raise RuleError(
                        f"rule '{rule.text}': column '{name}' is {metadata[name].kind}; 'fixed:' "
                        "keeps categories, flags and numbers together"
                    )
            tying.append(rule)
    tied = {c for r in tying for c in r.columns}
    categorical = [
        r
        for r in rules
        if isinstance(r, IfThen)
        and metadata[r.condition.column].kind in CATEGORY_KINDS
        and metadata[r.then.column].kind in CATEGORY_KINDS
    ]
    changed = True
    while changed:  # a rule tied in ties the columns of the next ones
        changed = False
        for rule in categorical:
            several = rule.then.values is None or len(rule.then.values) > 1
            if rule not in tying and (several or rule.then.column in tied):
                tying.append(rule)
                tied.update(rule.columns)
                changed = True
    return tying


def _ranges_on(rules: list[Rule], columns: tuple[str, ...]) -> list[Rule]:
    return [r for r in rules if isinstance(r, Range) and r.allowed.column in columns]


def _typed(rule: Range, metadata: Metadata) -> Allowed:
    """A range rule's values in the column's terms (dates as timestamps), checked."""
    allowed, kind = rule.allowed, metadata[rule.allowed.column].kind
    if allowed.values is not None:
        if kind == "datetime":
            raise RuleError(f"rule '{rule.text}': bound a datetime with a range low..high")
        if kind == "numerical" and not all(_number(v) for v in allowed.values):
            raise RuleError(f"rule '{rule.text}': '{allowed.column}' holds numbers")
        return allowed
    if kind in CATEGORY_KINDS:
        raise RuleError(f"rule '{rule.text}': '{allowed.column}' holds categories; use {{a, b}}")
    ends = (allowed.low, allowed.high)
    if kind == "datetime":
        try:
            low, high = (None if v is None else pd.Timestamp(str(v)) for v in ends)
        except ValueError as exc:
            raise RuleError(f"rule '{rule.text}': the range's ends are not dates") from exc
        return Allowed(allowed.column, None, low, high)
    if not all(v is None or _number(v) for v in ends):
        raise RuleError(f"rule '{rule.text}': '{allowed.column}' holds numbers")
    return allowed


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _meet(old: Allowed | None, new: Allowed, rule: Rule) -> Allowed:
    """The values both allow; an empty meet is a contradiction."""
    if old is None:
        return new
    column = new.column
    if old.values is not None or new.values is not None:
        sets = [a for a in (old, new) if a.values is not None]
        keep = list(sets[0].values or ())
        for other in (old, new):
            if other.values is not None:
                keep = [v for v in keep if member(pd.Series([v]).to_numpy(), other.values)[0]]
            else:
                keep = [v for v in keep if _inside(v, other)]
        if not keep:
            raise RuleError(f"rule '{rule.text}' leaves column '{column}' no value with the others")
        return Allowed(column, tuple(keep))
    lows = [v for v in (old.low, new.low) if v is not None]
    highs = [v for v in (old.high, new.high) if v is not None]
    low, high = (max(lows) if lows else None), (min(highs) if highs else None)
    if low is not None and high is not None and low > high:
        raise RuleError(f"rule '{rule.text}' leaves column '{column}' no value with the others")
    return Allowed(column, None, low, high)


def _inside(value: Any, allowed: Allowed) -> bool:
    return (allowed.low is None or value >= allowed.low) and (
        allowed.high is None or value <= allowed.high
    )


def _adjust(rule: IfThen, metadata: Metadata) -> IfThen:
    """An if-then whose consequence is set (one value) or clipped (a range) where it applies."""
    then, kind = rule.then, metadata[rule.then.column].kind
    if then.values is not None and len(then.values) > 1:
        raise RuleError(
            f"rule '{rule.text}': a consequence on a {kind} column is one value or a range "
            "(several values need a categorical condition and consequence)"
        )
    if then.values is None and kind not in ("numerical", "datetime"):
        raise RuleError(f"rule '{rule.text}': '{then.column}' holds categories; use = or {{a, b}}")
    if kind == "datetime" and then.values is not None:
        raise RuleError(f"rule '{rule.text}': a datetime consequence is a range low..high")
    if kind == "datetime":
        typed = _typed(Range(rule.text, "range", then), metadata)
        return IfThen(rule.text, rule.kind, rule.condition, typed)
    return rule


def _check_adjusts(out: Layout) -> None:
    """Consequences inside the column's bounds, and no two that cannot both hold."""
    for i, rule in enumerate(out.adjusts):
        bound = out.bounds.get(rule.then.column)
        if bound is not None:
            _meet(bound, rule.then, rule)
        for other in out.adjusts[:i]:
            if other.condition == rule.condition and other.then.column == rule.then.column:
                _meet(other.then, rule.then, rule)


def _merged_orders(
    rules: list[Rule], metadata: Metadata, taken: set[str]
) -> tuple[list[Derivation], list[Order | Equation]]:
    """Order rules between two columns, merged by their upper column: `c` above `a` and `b`
    is `max(a, b)` plus a difference; and the rules left for `_derivation` one by one (a
    formula on either side, or an upper column that cannot be derived)."""
    uppers: dict[str, list[Order]] = {}
    alone: list[Order | Equation] = []
    equations = {r.target for r in rules if isinstance(r, Equation)}
    for rule in rules:
        if not isinstance(rule, Order | Equation):
            continue
        pair = isinstance(rule, Order) and rule.low.name is not None and rule.high.name
        if not pair or isinstance(rule, Equation):
            alone.append(rule)
            continue
        assert isinstance(rule, Order) and rule.high.name is not None
        high, low = rule.high.name, rule.low.name
        kinds = {metadata[high].kind, metadata[low].kind}  # type: ignore[index]
        if (
            high in taken
            or high in equations
            or len(kinds) > 1
            or not kinds <= {"numerical", "datetime"}
        ):
            alone.append(rule)
            continue
        uppers.setdefault(high, []).append(rule)
    out = []
    for high, orders in uppers.items():
        lows = tuple(dict.fromkeys(r.low.name for r in orders if r.low.name is not None))
        text = lows[0] if len(lows) == 1 else f"max({', '.join(_quoted(n) for n in lows)})"
        other = parse_formula(text if len(lows) > 1 else _quoted(lows[0]), high)
        name = f"{high} - {text}"
        out.append(Derivation(orders[0], high, "difference", other, True, name, tuple(orders)))
    return out, alone


def _quoted(name: str) -> str:
    return name if name.isidentifier() else f"`{name}`"


def _derivation(
    rule: Order | Equation, metadata: Metadata, taken: set[str], out: Layout
) -> Derivation:
    """Which column `rule` derives, and how; a RuleError says why none can be."""
    derived = {d.target for d in out.derivations}
    if isinstance(rule, Equation):
        target = rule.target
        _free_target(rule, target, metadata, taken, derived)
        if target in rule.formula.names:
            raise RuleError(f"rule '{rule.text}': '{target}' is on both sides")
        if any(metadata[n].kind == "datetime" for n in rule.formula.names):
            raise RuleError(f"rule '{rule.text}': dates enter formulas through days()")
        how = "ratio" if rule.tolerance is not None else "formula"
        ratio = f"{target} / ({rule.formula.text})" if how == "ratio" else None
        return Derivation(rule, target, how, rule.formula, name=ratio)
    sides = [(rule.high, rule.low, True), (rule.low, rule.high, False)]
    reasons = []
    for side, other, high in sides:
        if side.name is None:
            continue
        try:
            _free_target(rule, side.name, metadata, taken, derived)
            _check_sides(rule, side.name, other.formula.names, metadata)
        except RuleError as exc:
            reasons.append(exc)
            continue
        shown = other.formula.text if other.name is not None else f"({other.formula.text})"
        name = f"{side.name} - {shown}" if high else f"{shown} - {side.name}"
        return Derivation(rule, side.name, "difference", other.formula, high, name)
    raise reasons[0]


def _free_target(
    rule: Rule, target: str, metadata: Metadata, taken: set[str], derived: set[str]
) -> None:
    kind = metadata[target].kind
    if kind not in ("numerical", "datetime") or (
        isinstance(rule, Equation) and kind != "numerical"
    ):
        raise RuleError(f"rule '{rule.text}': '{target}' is {kind}, not a number")
    if target in derived:
        raise RuleError(
            f"rule '{rule.text}': '{target}' is already derived by another rule; write both as "
            f"one (e.g. max(a, b) <= {target})"
        )
    if target in taken:
        raise RuleError(
            f"rule '{rule.text}': '{target}' is also bounded, kept with other columns or set by "
            "an if-then rule, so it cannot be derived; bound the columns it is derived from"
        )


def _check_sides(rule: Rule, target: str, others: tuple[str, ...], metadata: Metadata) -> None:
    dates = metadata[target].kind == "datetime"
    for name in others:
        if (metadata[name].kind == "datetime") != dates or (
            dates and isinstance(rule, Order) and len(others) != 1
        ):
            raise RuleError(f"rule '{rule.text}': compares dates with dates only, column to column")
    if dates and isinstance(rule, Order):
        side = rule.low if rule.high.name == target else rule.high
        if side.name is None:
            raise RuleError(f"rule '{rule.text}': compares dates with dates only, column to column")


def _named(derivation: Derivation, name: str | None) -> Derivation:
    return replace(derivation, name=name)


def _ordered(derivations: list[Derivation]) -> list[Derivation]:
    """Derivations in an order where each reads only columns already known; a circle of
    rules deriving columns from one another is a RuleError."""
    done: list[Derivation] = []
    left = list(derivations)
    targets = {d.target for d in derivations}
    while left:
        ready = [d for d in left if not (set(d.inputs) & targets - {x.target for x in done})]
        if not ready:
            shown = " and ".join(f"'{d.rule.text}'" for d in left)
            raise RuleError(f"rules {shown} derive columns from one another in a circle")
        done.extend(ready)
        left = [d for d in left if d not in ready]
    return done
