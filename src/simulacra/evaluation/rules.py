"""Rules the real rows keep and synthetic rows may break: what gives synthetic data away.

Rules are found on a sample of the real (training) rows and checked on synthetic rows and on
unseen real rows (the holdout, or a held-out share of the real rows), whose share of breaking
rows is the noise level. Four kinds:

- combination: a pair of categorical columns whose value combination never occurs in the real
  rows (share of rows showing an unseen combination);
- dependency: `A = a => B = b` holding in every real row with `A = a` (at least `MIN_SUPPORT`
  rows, and b not a near-constant of B); when it holds for every value of A, "A determines B";
- formula: a numerical column near the sum or product of two others (`c ~ a + b`, `c ~ a * b`)
  for 95% of real rows, within the real rows' 95th percentile of relative error;
- order: `a <= b` in every real row where the two columns' ranges overlap.

Columns and rows are capped so that a 10,000-row, 60-column table takes about a second.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from .prepare import Tables, codes

MIN_SUPPORT = 20
MAX_CATEGORIES = 50
MAX_CATEGORICAL = 30
MAX_NUMERICAL = 16
FORMULA_ERROR = 0.2  # a formula holds when 95% of real rows are within 20% of it
SKEWED = 0.9  # b is not news when it is this common overall


def broken_rules(
    tables: Tables, real: pd.DataFrame, synthetic: pd.DataFrame, other: pd.DataFrame
) -> list[dict[str, Any]]:
    """Every rule found in `real` with the shares of `synthetic` and `other` (unseen real) rows
    breaking it, sorted by `excess` = synthetic share - unseen real share (largest first).
    Range of each share [0, 1] and of the excess [-1, 1]; 0 shares mean the rule holds."""
    categorical = [c for c in tables.categorical if len(real[c].cat.categories) <= MAX_CATEGORIES][
        :MAX_CATEGORICAL
    ]
    numerical = tables.numerical[:MAX_NUMERICAL]
    rules = [
        *_combinations(real, synthetic, other, categorical),
        *_dependencies(real, synthetic, other, categorical),
        *_formulas(real, synthetic, other, numerical),
        *_orders(real, synthetic, other, numerical),
    ]
    for rule in rules:
        rule["excess"] = rule["synthetic_share"] - rule["reference_share"]
    return sorted(rules, key=lambda r: -r["excess"])


def _rule(kind: str, text: str, columns: list[str], synth: float, ref: float) -> dict[str, Any]:
    return {
        "kind": kind,
        "rule": text,
        "columns": columns,
        "synthetic_share": float(synth),
        "reference_share": float(ref),
    }


def _combinations(
    real: pd.DataFrame, synth: pd.DataFrame, other: pd.DataFrame, columns: list[str]
) -> list[dict[str, Any]]:
    out = []
    for a, b in combinations(columns, 2):
        size_b = len(real[b].cat.categories) + 1
        seen = np.zeros((len(real[a].cat.categories) + 1) * size_b, dtype=bool)
        seen[codes(real[a]) * size_b + codes(real[b])] = True
        unseen = [~seen[codes(f[a]) * size_b + codes(f[b])] for f in (synth, other)]
        if unseen[0].any():
            first = int(np.flatnonzero(unseen[0])[0])
            example = f"{a} = {synth[a].iloc[first]} with {b} = {synth[b].iloc[first]}"
            text = f"{a} and {b} in combinations no real row has (e.g. {example})"
            out.append(_rule("combination", text, [a, b], unseen[0].mean(), unseen[1].mean()))
    return out


def _dependencies(
    real: pd.DataFrame, synth: pd.DataFrame, other: pd.DataFrame, columns: list[str]
) -> list[dict[str, Any]]:
    out = []
    support = max(MIN_SUPPORT, int(0.005 * len(real)))
    for a in columns:
        for b in columns:
            if a == b:
                continue
            code_a, code_b = codes(real[a]), codes(real[b])
            size_a, size_b = len(real[a].cat.categories) + 1, len(real[b].cat.categories) + 1
            table = np.bincount(code_a * size_b + code_b, minlength=size_a * size_b).reshape(
                size_a, size_b
            )
            counts = table.sum(axis=1)
            overall = table.sum(axis=0) / max(len(real), 1)
            top = table.argmax(axis=1)
            determined = (
                (counts >= support)
                & (table[np.arange(size_a), top] == counts)
                & (overall[top] < SKEWED)
            )
            if not determined.any():
                continue
            mapping = np.full(size_a, -1)
            mapping[determined] = top[determined]
            shares = [_breaking(f, a, b, mapping) for f in (synth, other)]
            held = np.flatnonzero(determined)
            if len(held) == int((counts > 0).sum()) and len(held) >= 2:
                text = f"{a} determines {b}"
            else:
                names_a, names_b = _names(real[a]), _names(real[b])
                text = " and ".join(
                    f"{a} = {names_a[i]} ⇒ {b} = {names_b[top[i]]}" for i in held[:2]
                )
                text += f" (and {len(held) - 2} more)" if len(held) > 2 else ""
            out.append(_rule("dependency", text, [a, b], *shares))
    return out


def _names(values: pd.Series) -> list[str]:
    return [str(c) for c in values.cat.categories] + ["<null>"]


def _breaking(frame: pd.DataFrame, a: str, b: str, mapping: np.ndarray) -> float:
    """Share of rows whose A value determines B and whose B is another value."""
    expected = mapping[codes(frame[a])]
    return float(np.mean((expected >= 0) & (codes(frame[b]) != expected)))


def _formulas(
    real: pd.DataFrame, synth: pd.DataFrame, other: pd.DataFrame, columns: list[str]
) -> list[dict[str, Any]]:
    out = []
    for a, b in combinations(columns, 2):
        for c in columns:
            if c in (a, b):
                continue
            for symbol, combine in (("+", np.add), ("×", np.multiply)):
                error = _relative_error(real, a, b, c, combine)
                present = error[np.isfinite(error)]
                if len(present) < MIN_SUPPORT:
                    continue
                tolerance = max(float(np.percentile(present, 95)), 0.01)
                if tolerance > FORMULA_ERROR or _one_suffices(real, a, b, c, tolerance):
                    continue
                shares = [
                    float(np.mean(_relative_error(f, a, b, c, combine) > tolerance))
                    for f in (synth, other)
                ]
                text = f"{c} ≈ {a} {symbol} {b} (within {tolerance:.0%})"
                out.append(_rule("formula", text, [a, b, c], *shares))
    return out


def _relative_error(frame: pd.DataFrame, a: str, b: str, c: str, combine: Any) -> np.ndarray:
    """|c - f(a, b)| / max(|c|, |f(a, b)|), NaN where a value is null; 0 where both are 0."""
    x, y, z = (frame[n].to_numpy(np.float64) for n in (a, b, c))
    value = combine(x, y)
    scale = np.maximum(np.abs(z), np.abs(value))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, np.abs(z - value) / scale, 0.0)


def _one_suffices(real: pd.DataFrame, a: str, b: str, c: str, tolerance: float) -> bool:
    """True when c is already near a or near b alone (then the formula says nothing new)."""
    z = real[c].to_numpy(np.float64)
    for name in (a, b):
        x = real[name].to_numpy(np.float64)
        scale = np.maximum(np.abs(z), np.abs(x))
        with np.errstate(invalid="ignore", divide="ignore"):
            error = np.where(scale > 0, np.abs(z - x) / scale, 0.0)
        present = error[np.isfinite(error)]
        if len(present) and np.percentile(present, 95) <= 3 * tolerance:
            return True
    return False


def _orders(
    real: pd.DataFrame, synth: pd.DataFrame, other: pd.DataFrame, columns: list[str]
) -> list[dict[str, Any]]:
    out = []
    for a in columns:
        for b in columns:
            if a == b:
                continue
            x, y = real[a].to_numpy(np.float64), real[b].to_numpy(np.float64)
            both = ~np.isnan(x) & ~np.isnan(y)
            if both.sum() < MIN_SUPPORT or not np.all(x[both] <= y[both]):
                continue
            if np.nanmax(x) <= np.nanmin(y) or np.all(x[both] == y[both]):
                continue  # the ranges alone imply it, or the columns are equal
            shares = [
                float(np.mean(f[a].to_numpy(np.float64) > f[b].to_numpy(np.float64)))
                for f in (synth, other)
            ]
            out.append(_rule("order", f"{a} ≤ {b}", [a, b], *shares))
    return out
