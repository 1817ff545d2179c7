"""Sampling conditions on the table's columns, translated onto the model's columns.

- A condition on a free column passes as it is, once checked against the column's range or
  one-of rule.
- Conditions on columns kept together select their valid combinations: one is a condition on
  the combined column; several are strata (each sampled with its combination as condition).
- A condition on a derived column needs conditions on every column it is derived from: then
  the difference (or ratio) is the condition, or, for an exact formula, the values must agree.
- A condition on an if-then consequence that the rule would overwrite needs the condition
  column to be conditioned off the rule.

Any condition that breaks a rule is one ConditionError naming both, before any work.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ConditionError
from ..specs.rules import Allowed, IfThen, typed_columns
from .groups import combo_text
from .values import seconds

if TYPE_CHECKING:
    from .plan import RulePlan


@dataclass
class Translated:
    """Conditions on the model's columns, and strata: extra conditions with their weights."""

    model: dict[str, Any] = field(default_factory=dict)
    strata: list[tuple[dict[str, Any], float]] = field(default_factory=list)


def translate(plan: RulePlan, conditions: Mapping[str, Any] | None) -> Translated:
    """`conditions` ({column: value or 'low..high'}) for the model of `plan` (module docstring)."""
    out = Translated()
    lay = plan.layout
    wanted: dict[str, dict[str, Any]] = {}
    derived: dict[str, Any] = {}
    for name, value in (conditions or {}).items():
        if name not in plan.names:
            out.model[name] = value  # the transformer names an unknown column
            continue
        group = lay.group_of(name)
        if group is not None:
            if _range(value) is not None:
                raise ConditionError(
                    f"condition {name}={value!r}: '{name}' is kept with "
                    f"{', '.join(c for c in group.columns if c != name)} by rule(s) "
                    f"{_texts(group.rules)}; give it one value, not a range"
                )
            wanted.setdefault(group.name, {})[name] = value
        elif lay.derivation_of(name) is not None:
            derived[name] = value
        else:
            if name in lay.bounds:
                _check_bound(name, value, lay.bounds[name], plan)
            out.model[name] = value
    given = dict(conditions or {})
    avoid: dict[str, list[IfThen]] = {}
    for rule in lay.adjusts:
        if _check_adjust(rule, given, plan):
            avoid.setdefault(rule.condition.column, []).append(rule)
    strata: list[list[tuple[dict[str, Any], float]]] = []
    for column, rules in avoid.items():
        strata.append(_outside(column, rules, given, plan))
    for group in lay.groups:
        if group.name not in wanted:
            continue
        combos, weights = group.matching(wanted[group.name])
        if not combos:
            shown = ", ".join(f"{k}={v!r}" for k, v in wanted[group.name].items())
            raise ConditionError(
                f"conditions {shown} match no combination that rule(s) {_texts(group.rules)} "
                "allow and the model learned"
            )
        if len(combos) == 1:
            out.model[group.name] = combo_text(combos[0])
        else:
            strata.append(
                [({group.name: combo_text(c)}, w) for c, w in zip(combos, weights, strict=True)]
            )
    for derivation in lay.derivations:
        if derivation.target in derived:
            _derived(derivation, given, plan, out)
    if strata:
        for parts in itertools.product(*strata):
            extra = {k: v for part, _ in parts for k, v in part.items()}
            out.strata.append((extra, float(np.prod([w for _, w in parts]))))
    return out


def _texts(rules: Any) -> str:
    return ", ".join(f"'{r.text}'" for r in rules)


def _range(value: Any) -> tuple[Any, Any] | None:
    if isinstance(value, tuple | list) and len(value) == 2:
        return value[0], value[1]
    if isinstance(value, str) and ".." in value:
        low, _, high = value.partition("..")
        return low.strip(), high.strip()
    return None


def _typed(value: Any, name: str, plan: RulePlan) -> np.ndarray:
    """One condition value in the column's terms, as the rules read columns."""
    frame = pd.DataFrame({name: pd.Series([value], dtype=object)})
    kind = plan.schema[name].kind
    if kind == "numerical":
        number = pd.to_numeric(frame[name], errors="coerce").to_numpy(np.float64)
        if not np.isfinite(number).all():
            raise ConditionError(f"condition {name}={value!r}: '{name}' holds numbers")
        return number
    if kind == "datetime":
        try:
            return np.array([pd.Timestamp(value).tz_localize(None).to_datetime64()]).astype(
                "datetime64[ns]"
            )
        except (ValueError, TypeError) as exc:
            raise ConditionError(f"condition {name}={value!r}: not a date") from exc
    return typed_columns(frame, plan.schema, [name])[name]


def _check_bound(name: str, value: Any, allowed: Allowed, plan: RulePlan) -> None:
    span = _range(value)
    rule = f"rule '{allowed.text()}'"
    if span is None:
        if not allowed.holds(_typed(value, name, plan))[0]:
            raise ConditionError(f"condition {name}={value!r} breaks {rule}")
        return
    if allowed.values is not None:
        return
    low, high = (_typed(v, name, plan)[0] for v in span)
    if plan.schema[name].kind == "datetime":
        bound_low, bound_high = (
            None if v is None else np.datetime64(pd.Timestamp(v).to_datetime64())
            for v in (allowed.low, allowed.high)
        )
    else:
        bound_low, bound_high = allowed.low, allowed.high
    if (bound_low is not None and high < bound_low) or (
        bound_high is not None and low > bound_high
    ):
        raise ConditionError(f"condition {name}={value!r} breaks {rule}")


def _outside(
    column: str, rules: list[IfThen], given: dict[str, Any], plan: RulePlan
) -> list[tuple[dict[str, Any], float]]:
    """Strata over the categories of `column` that none of `rules` applies to, weighted by
    the counts the transformer learned: rows whose consequence a condition sets otherwise."""
    kept, counts = plan.counts_.get(column, ([], []))
    strata = [
        ({column: value}, weight)
        for value, weight in zip(kept, counts, strict=True)
        if not any(
            r.condition.holds(np.array([value], dtype=object))[0] and value is not None
            for r in rules
        )
    ]
    if not strata:
        shown = ", ".join(f"{r.then.column}={given[r.then.column]!r}" for r in rules)
        raise ConditionError(
            f"condition {shown} holds only where {column} is not as in rule(s) "
            f"{_texts(rules)}, and the model learned no other value of {column}"
        )
    return strata


def _check_adjust(rule: IfThen, given: dict[str, Any], plan: RulePlan) -> bool:
    """Whether a condition on `rule`'s consequence needs rows the rule does not apply to
    (sampled in strata of the condition column's other values); a ConditionError when the
    conditions break the rule or that column cannot be stratified."""
    then, cond = rule.then.column, rule.condition.column
    if then not in given:
        return False  # the rule sets the consequence where it applies
    value = given[then]
    if _range(value) is not None:
        if cond not in given:
            raise ConditionError(
                f"condition {then}={value!r}: rule '{rule.text}' sets {then} where "
                f"{rule.condition.text()}; give {cond} a value too"
            )
        return False
    allowed = rule.then.holds(_typed(value, then, plan))[0]
    if allowed:
        return False
    if cond not in given and cond in plan.counts_:
        return True
    if cond not in given or _range(given[cond]) is not None:
        raise ConditionError(
            f"condition {then}={value!r} holds only where {cond} is not as in rule "
            f"'{rule.text}'; give {cond} a value too"
        )
    if rule.condition.holds(_typed(given[cond], cond, plan))[0]:
        raise ConditionError(
            f"conditions {cond}={given[cond]!r}, {then}={value!r} break rule '{rule.text}'"
        )
    return False


def _derived(derivation: Any, given: dict[str, Any], plan: RulePlan, out: Translated) -> None:
    """A condition on a derived column: allowed when every column it comes from is given."""
    target = derivation.target
    rule = " and ".join(f"'{r.text}'" for r in derivation.rules)
    value = given[target]
    missing = [n for n in derivation.inputs if n not in given or _range(given[n]) is not None]
    if _range(value) is not None or missing:
        inputs = ", ".join(derivation.inputs)
        raise ConditionError(
            f"condition {target}={value!r}: rule {rule} derives {target} from {inputs}; "
            f"condition on {inputs} instead (or give each of them one value too)"
        )
    values = {n: _typed(given[n], n, plan) for n in derivation.inputs}
    t = _typed(value, target, plan)
    t_number = seconds(t) if t.dtype.kind == "M" else t.astype(np.float64)
    o_number = derivation.other_values(values, 1)
    frame = pd.DataFrame({target: [value], **{n: [given[n]] for n in derivation.inputs}})
    broken = next((r for r in derivation.rules if r.broken(frame, plan.schema).any()), None)
    if broken is not None:
        shown = ", ".join(f"{n}={given[n]!r}" for n in (*derivation.inputs, target))
        raise ConditionError(f"conditions {shown} break rule '{broken.text}'")
    if derivation.name is None:
        return
    if derivation.how == "ratio":
        o0 = float(o_number[0])
        out.model[derivation.name] = float(t_number[0]) / o0 if o0 else 1.0
        return
    sign = 1.0 if derivation.target_is_high else -1.0
    out.model[derivation.name] = float(sign * (t_number[0] - o_number[0]))
