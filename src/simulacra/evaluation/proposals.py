"""Rules a table's real rows keep, proposed for its metadata (`simulacra inspect`).

A rule is proposed only when it holds in (nearly) every row (all but `NEARLY` of them) and
would not hold by chance: with one column's values shuffled (which keeps every column's values
and breaks the link between them) the rule breaks in a share p of rows, and so few breaks in
n rows must be unlikely under that p even after the number of rules tried (a binomial tail
below `ALPHA` / tests). That keeps out rules that the columns' ranges alone imply (`age <=
income`) and coincidences of small tables (`wt <= cyl` in 32 cars). Four kinds:

- order: `a <= b` between numbers or between datetimes (each with more than `FEW_VALUES`
  distinct values: codes and small counts order by chance);
- formula: `c = a + b`, `c = a * b` (up to c's rounding), or `c ~ a * b within t%` with t the
  largest relative error of any row rounded up to 5% (at most `MAX_TOLERANCE`; only from
  `APPROXIMATE_ROWS` rows on, as an unseen row passes the largest error of n rows about
  once in n); an order
  between two columns of a formula (`price <= total`) follows from it mostly and is left out;
- fixed: `fixed: a, b` where a's value determines b's (a functional dependency);
- if-then: `if a = x then b = y` for the values of a that fix b's value (at least `MIN_SUPPORT`
  rows, y not b's common value anyway); values that always occur together (the same rows)
  give one rule per pair, from the first column of the set; integers of a few values (counts,
  codes) are consequences only.

Columns and rows are capped (`MAX_NUMERICAL`, `MAX_CATEGORICAL`, `MAX_ROWS`) so a wide table
takes seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations, permutations

import numpy as np
import pandas as pd
from scipy.stats import binom

from ..metadata import Metadata
from ..specs.rules import as_datetimes, parse_rule

NEARLY = 0.001  # a rule holds when at most this share of rows breaks it
ALPHA = 1e-3  # ... and holding so well by chance is this unlikely, over every rule tried
CHANCE = 0.05  # a dependency: shuffling one column breaks it in at least this share of rows
MIN_SUPPORT = 20
MAX_TOLERANCE = 0.4
APPROXIMATE_ROWS = 1_000  # an approximate formula needs this many rows (1 / NEARLY)
FEW_VALUES = 5  # an order needs both columns to hold more distinct values than this
FEW_LEVELS = 20  # integers with at most this many values also enter fixed and if-then rules
SKEWED = 0.9
MAX_NUMERICAL = 16
MAX_CATEGORICAL = 30
MAX_CATEGORIES = 50
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Proposal:
    """A rule the rows keep: its text, kind and the share of rows keeping it."""

    rule: str
    kind: str
    held: float


def propose_rules(table: pd.DataFrame, metadata: Metadata, seed: int = 0) -> list[Proposal]:
    """Rules that (nearly) every row of `table` keeps and chance would not (module
    docstring), in the order: orders, formulas, fixed groups, if-thens."""
    rng = np.random.default_rng(seed)
    if len(table) > MAX_ROWS:
        table = table.sample(MAX_ROWS, random_state=seed).reset_index(drop=True)
    numbers = _numbers(table, metadata)
    labels = _labels(table, metadata)
    formulas = _formulas(numbers, metadata, rng)
    tied = [set(parse_rule(f.rule).columns) for f in formulas]
    orders = [o for o in _orders(numbers, rng) if not any(set(_pair(o)) <= t for t in tied)]
    found = [*orders, *formulas]
    determined = _dependencies(labels, rng)
    found += [Proposal(f"fixed: {_q(a)}, {_q(b)}", "fixed", held) for a, b, held in determined]
    counts = {n for n in labels if metadata[n].kind == "numerical"}
    found += _if_thens(labels, counts, {(a, b) for a, b, _ in determined})
    return found


def _pair(order: Proposal) -> tuple[str, ...]:
    return parse_rule(order.rule).columns


def _q(name: str) -> str:
    """A column name as a rule writes it (`backquoted` unless a plain word)."""
    return name if name.replace("_", "a").isalnum() and not name[0].isdigit() else f"`{name}`"


def _numbers(table: pd.DataFrame, metadata: Metadata) -> dict[str, tuple[str, np.ndarray]]:
    out: dict[str, tuple[str, np.ndarray]] = {}
    for name, column in metadata.columns.items():
        if len(out) >= MAX_NUMERICAL or name not in table:
            continue
        if column.kind == "numerical":
            x = pd.to_numeric(table[name], errors="coerce").to_numpy(np.float64)
            out[name] = ("numerical", np.where(np.isfinite(x), x, np.nan))
        elif column.kind == "datetime":
            stamps = as_datetimes(table[name], column.format)
            days = (stamps - np.datetime64("1970-01-01")).astype("timedelta64[s]").astype(float)
            out[name] = ("datetime", np.where(np.isnat(stamps), np.nan, days / 86_400.0))
    return out


def _labels(table: pd.DataFrame, metadata: Metadata) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    for name, column in metadata.columns.items():
        if len(out) >= MAX_CATEGORICAL or name not in table:
            continue
        values = table[name].astype(object)
        distinct = values.nunique(dropna=True)
        if column.kind in ("categorical", "boolean") and 2 <= distinct <= MAX_CATEGORIES:
            out[name] = values
        elif column.kind == "numerical" and column.integer and 2 <= distinct <= FEW_LEVELS:
            out[name] = values  # a count or code of a few values: a category in if-then rules
    return out


def _distinct(x: np.ndarray) -> int:
    return len(np.unique(x[~np.isnan(x)]))


def _unlikely(breaks: int, rows: int, chance: float, tests: int) -> bool:
    """Whether `breaks` or fewer of `rows` is unlikely when each row breaks with `chance`."""
    return bool(binom.cdf(breaks, rows, chance) < ALPHA / max(tests, 1))


def _orders(numbers: dict[str, tuple[str, np.ndarray]], rng: np.random.Generator) -> list[Proposal]:
    out = []
    tests = len(numbers) * (len(numbers) - 1)
    for (a, (kind_a, x)), (b, (kind_b, y)) in permutations(numbers.items(), 2):
        if kind_a != kind_b or min(_distinct(x), _distinct(y)) <= FEW_VALUES:
            continue  # codes and small counts order by chance more often than not
        both = ~np.isnan(x) & ~np.isnan(y)
        if both.sum() < MIN_SUPPORT or np.all(x[both] == y[both]):
            continue
        broken = float(np.mean(x[both] > y[both]))
        if broken > NEARLY or (broken == 0 and a > b and np.all(y[both] <= x[both])):
            continue
        shuffled = float(np.mean(x[both] > rng.permutation(y[both])))
        if not _unlikely(int(round(broken * both.sum())), int(both.sum()), shuffled, tests):
            continue  # the columns' ranges alone (or chance) make it hold
        out.append(Proposal(f"{_q(a)} <= {_q(b)}", "order", 1 - broken))
    return out


def _formulas(
    numbers: dict[str, tuple[str, np.ndarray]], metadata: Metadata, rng: np.random.Generator
) -> list[Proposal]:
    plain = {n: x for n, (kind, x) in numbers.items() if kind == "numerical"}
    out = []
    for a, b in combinations(plain, 2):
        for c in plain:
            if c in (a, b):
                continue
            for symbol, combine in (("+", np.add), ("*", np.multiply)):
                proposal = _formula(plain, a, b, c, symbol, combine, metadata, rng)
                if proposal is not None:
                    out.append(proposal)
    return out


def _formula(
    plain: dict[str, np.ndarray],
    a: str,
    b: str,
    c: str,
    symbol: str,
    combine: np.ufunc,
    metadata: Metadata,
    rng: np.random.Generator,
) -> Proposal | None:
    x, y, z = plain[a], plain[b], plain[c]
    value = combine(x, y)
    here = np.isfinite(value) & np.isfinite(z)
    if here.sum() < MIN_SUPPORT:
        return None
    error = _relative(z[here], value[here])
    written = metadata[c].decimals
    decimals = 6 if written is None else written
    step = 0.5 * 10.0**-decimals + 1e-9 * np.abs(value[here])
    exact = np.abs(z[here] - value[here]) <= step
    text = f"{_q(c)} = {_q(a)} {symbol} {_q(b)}"
    if np.mean(~exact) <= NEARLY:
        tolerance, held = 0.0, float(np.mean(exact))
    elif here.sum() < APPROXIMATE_ROWS:
        return None  # an unseen row passes the largest error seen about once in n rows
    else:
        worst = float(np.max(error))
        tolerance = math.ceil(worst * 20 - 1e-9) / 20
        if tolerance > MAX_TOLERANCE or tolerance == 0:
            return None
        held = 1.0
        text = f"{_q(c)} ~ {_q(a)} {symbol} {_q(b)} within {tolerance:.0%}"
    formula_error = float(np.percentile(error, 95))
    alone = [float(np.percentile(_relative(z[here], plain[n][here]), 95)) for n in (a, b)]
    if any(e <= max(3 * formula_error, 0.01) for e in alone):
        return None  # c is (nearly) a or b already: the other column adds little
    shuffled = _relative(rng.permutation(z[here]), value[here])
    if np.mean(shuffled > max(tolerance, 1e-6)) < 0.5:
        return None  # most rows would keep it by chance
    return Proposal(text, "formula", held)


def _relative(z: np.ndarray, value: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(z), np.abs(value))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, np.abs(z - value) / scale, 0.0)


def _dependencies(
    labels: dict[str, pd.Series], rng: np.random.Generator
) -> list[tuple[str, str, float]]:
    """(a, b, share) where a's value determines b's in all but `NEARLY` of the rows."""
    out = []
    for a, b in permutations(labels, 2):
        x, y = labels[a], labels[b]
        if y.value_counts(normalize=True).iloc[0] >= SKEWED:
            continue
        if x.nunique(dropna=False) > len(x) / MIN_SUPPORT:
            continue  # too few rows per value of a to tell
        held = _determined(x, y)
        if held < 1 - NEARLY:
            continue
        if _determined(x, pd.Series(rng.permutation(y.to_numpy()))) > 1 - CHANCE:
            continue
        one_to_one = x.nunique(dropna=False) == y.nunique(dropna=False)
        if one_to_one and a > b and _determined(y, x) >= 1 - NEARLY:
            continue  # one-to-one: one rule for the pair
        out.append((a, b, held))
    return out


def _determined(x: pd.Series, y: pd.Series) -> float:
    """Share of rows whose y is the most common y of their x."""
    frame = pd.DataFrame({"x": x.fillna("\0null").to_numpy(), "y": y.fillna("\0null").to_numpy()})
    counts = frame.value_counts()
    top = counts.groupby(level=0).max().sum()
    return float(top / len(frame))


def _if_thens(
    labels: dict[str, pd.Series], numbers: set[str], fixed: set[tuple[str, str]]
) -> list[Proposal]:
    """`if a = x then b = y` where rows with a = x all (but `NEARLY`) have b = y."""
    n = len(next(iter(labels.values()))) if labels else 0
    support = max(MIN_SUPPORT, int(0.005 * n))
    events: dict[tuple[str, object], np.ndarray] = {}
    for name, values in labels.items():
        if name in numbers:
            continue  # a count or code of a few values is a consequence, never a condition
        for value, count in values.value_counts().items():
            if count >= support:
                events[(name, value)] = (values == value).to_numpy()
    tests = max(len(events) * len(labels), 1)
    first: dict[bytes, tuple[str, object]] = {}
    for event, rows in events.items():
        first.setdefault(np.packbits(rows).tobytes(), event)
    out = []
    for (a, x), rows in events.items():
        same = first[np.packbits(rows).tobytes()]
        if same != (a, x):
            continue  # the same rows as an earlier value's: its rules stand for these
        for b, values in labels.items():
            if b == a or (a, b) in fixed or (b, a) in fixed:
                continue
            top = values[rows].value_counts()
            if top.empty:
                continue
            y, count = top.index[0], int(top.iloc[0])
            share = float((values == y).mean())
            held = count / int(rows.sum())
            if held < 1 - NEARLY or share >= SKEWED:
                continue
            if count * math.log(1 / share) < math.log(tests * 1e4):
                continue  # a run of y this long happens by chance among so many tests
            out.append(
                Proposal(
                    f"if {_q(a)} = {_literal(x)} then {_q(b)} = {_literal(y)}", "if_then", held
                )
            )
    return out


def _literal(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | float | np.integer | np.floating):
        return str(value.item() if isinstance(value, np.generic) else value)
    text = str(value)
    plain = text.replace("_", "a").isalnum() and not text[0].isdigit()
    return (
        text if plain and text.lower() not in ("true", "false", "in", "then", "if") else f"'{text}'"
    )
