"""Privacy attacks in the style of anonymeter (Giomi et al., PoPETs 2023).

Each attack is run three times. The *main* attack uses the synthetic rows against training rows
(the people the generator learned from); the *control* attack is the same attack against holdout
rows (real people the generator never saw), so whatever it achieves comes from patterns of the
population, not from a leak; the *baseline* attacker guesses without the synthetic rows' structure
and checks that the attack is stronger than guessing. The risk of a leak is

    risk = (main - control) / (1 - control)          range [0, 1]; 0 = no leak, 1 = total

with a 95% interval propagated, as anonymeter does, from the Wilson intervals of the two success
rates (first-order error propagation of the formula). Like anonymeter, the risk and its interval
are clipped to [0, 1]: an attack that does worse on training rows than on unseen ones shows no
leak, and a negative "risk" only confused readers. The unclipped estimate stays in
`risk_estimate`.

Tables are the prepared `Tables` frames (numbers as float64 with NaN, categories as pandas
Categoricals sharing their categories), so a value means the same thing in every table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln
from sklearn.neighbors import NearestNeighbors

from .. import seeding
from ._space import FeatureSpace
from ._threads import one_thread
from .limits import Limits
from .prepare import Tables, subsample
from .privacy import wilson_interval

SINGLING_COLUMNS = 6  # conditions in a multivariate singling-out predicate, at most
LINK_NEIGHBOURS = 5  # a link is found when the two halves share one of their 5 nearest rows
NUMBER_TOLERANCE = 0.05  # a guessed number is right within 5% of the real p5-p95 span
_TRIES = 20  # candidate predicates drawn per predicate kept, at most

# A predicate is a conjunction of (column, operator, value) conditions on a table's arrays.
Condition = tuple[str, str, float]


def risk_of(
    main: float, main_n: int, control: float, control_n: int, baseline: float, baseline_n: int
) -> dict[str, Any]:
    """Success rates of the three attacks (successes / attempts, with Wilson intervals) and the
    risk (main - control) / (1 - control) with its propagated 95% interval, both clipped to
    the range [0, 1] (the unclipped value is `risk_estimate`). A control rate of 1 leaves no
    room for a leak to show: risk 0."""
    rates: dict[str, dict[str, Any]] = {}
    for label, successes, n in (
        ("main", main, main_n),
        ("control", control, control_n),
        ("baseline", baseline, baseline_n),
    ):
        low, high = wilson_interval(successes, n)
        rates[label] = {"rate": successes / n if n else None, "low": low, "high": high, "n": n}
    m, c = rates["main"]["rate"], rates["control"]["rate"]
    if m is None or c is None or c >= 1.0:
        risk = 0.0 if c is not None else None
        return {**rates, "risk": risk, "risk_estimate": risk, "risk_low": 0.0, "risk_high": 0.0}
    error_m = (rates["main"]["high"] - rates["main"]["low"]) / 2
    error_c = (rates["control"]["high"] - rates["control"]["low"]) / 2
    estimate = (m - c) / (1 - c)
    error = float(np.hypot(error_m / (1 - c), error_c * (1 - m) / (1 - c) ** 2))
    return {
        **rates,
        "risk": _unit(estimate),
        "risk_estimate": estimate,
        "risk_low": _unit(estimate - error),
        "risk_high": _unit(estimate + error),
    }


def _unit(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


# --- singling out -----------------------------------------------------------------------------


def singling_out(
    synthetic: pd.DataFrame,
    training: pd.DataFrame,
    holdout: pd.DataFrame,
    numerical: Sequence[str],
    n_predicates: int,
    rng: np.random.Generator,
    multivariate: bool,
) -> dict[str, Any]:
    """Predicates that hold for exactly one synthetic row, as an attacker would write them
    ("the only person born on 1931-05-02", or "age >= 87 and city = 'Ely' and income <= 9,100");
    success when a predicate holds for exactly one training row (main) or holdout row (control),
    and for random predicates of column values drawn independently (baseline, on training rows).

    Whether a predicate singles out someone depends on the table's size, so the control is
    measured on as many unseen rows as there are training rows: on a sample of the holdout when
    it is as large, otherwise extrapolated from the holdout counts (`expected_single`).
    Rates and risk: see `risk_of` (range [0, 1]).
    """
    columns = list(synthetic.columns)
    numbers = set(numerical)
    syn, train, held = (_arrays(f, numbers) for f in (synthetic, training, holdout))
    if multivariate:
        predicates = _multivariate(syn, columns, numbers, n_predicates, rng)
    else:
        predicates = _univariate(syn, columns, numbers, n_predicates, rng)
    if not predicates:
        return {**risk_of(0, 0, 0, 0, 0, 0), "predicates": 0}
    main = np.array([_count(train, p) for p in predicates])
    counts = np.array([_count(held, p) for p in predicates])
    n_train, n_held = len(training), len(holdout)
    if n_held >= n_train:
        keep = np.sort(rng.choice(n_held, size=n_train, replace=False))
        same_size = {c: v[keep] for c, v in held.items()}
        control = float(np.sum([_count(same_size, p) == 1 for p in predicates]))
    else:
        control = expected_single(counts, n_held, n_train)
    shuffled = {c: v[rng.integers(0, len(synthetic), len(synthetic))] for c, v in syn.items()}
    medians = _medians(syn, numbers)
    random_predicates = [
        _predicate(shuffled, columns, numbers, medians, rng, len(p)) for p in predicates
    ]
    baseline = float(np.sum([_count(train, p) == 1 for p in random_predicates]))
    n = len(predicates)
    return {**risk_of(float(np.sum(main == 1)), n, control, n, baseline, n), "predicates": n}


def expected_single(counts: np.ndarray, rows: int, size: int) -> float:
    """Expected number of predicates that hold for exactly one row of `size` unseen rows, from
    how many of `rows` holdout rows each holds for (`counts`). Each predicate's share w of the
    population gets a Gamma(a, b) prior fitted to all counts (Poisson-Gamma, i.e. negative
    binomial, maximum likelihood); then E[P(exactly one)] = E[size·w·exp(-size·w)] over its
    posterior Gamma(a + c, b + rows) = size·α·β^α / (β + size)^(α + 1)."""
    c = counts.astype(np.float64)

    def negative_log_likelihood(params: np.ndarray) -> float:
        a, b = np.exp(params)
        ll = (
            gammaln(c + a) - gammaln(a) + a * np.log(b / (b + rows)) + c * np.log(rows / (b + rows))
        )
        return -float(np.sum(ll))

    mean = max(float(c.mean()), 0.5 / len(c)) / rows
    fit = minimize(
        negative_log_likelihood,
        x0=np.log([1.0, 1.0 / mean]),
        method="L-BFGS-B",
        bounds=[(np.log(1e-2), np.log(1e4)), (np.log(1.0), np.log(1e4 / mean))],
    )
    a, b = np.exp(fit.x)
    alpha, beta = a + c, b + rows
    return float(
        np.sum(size * alpha * np.exp(alpha * np.log(beta / (beta + size))) / (beta + size))
    )


def _arrays(frame: pd.DataFrame, numbers: set[str]) -> dict[str, np.ndarray]:
    """Numbers as float64 (NaN for nulls), categories as codes (-1 for nulls), per column."""
    return {
        c: frame[c].to_numpy(np.float64)
        if c in numbers
        else frame[c].cat.codes.to_numpy().astype(np.float64)
        for c in frame.columns
    }


def _holds(table: dict[str, np.ndarray], predicate: list[Condition]) -> np.ndarray:
    mask = np.ones(len(next(iter(table.values()))), dtype=bool)
    for column, operator, value in predicate:
        values = table[column]
        if operator == "null":
            mask &= np.isnan(values)
        elif operator == "==":
            mask &= values == value
        elif operator == "<=":
            mask &= values <= value
        else:
            mask &= values >= value
    return mask


def _count(table: dict[str, np.ndarray], predicate: list[Condition]) -> int:
    return int(np.count_nonzero(_holds(table, predicate)))


def _condition(
    column: str, value: float, numbers: set[str], medians: dict[str, float]
) -> Condition:
    """A condition a row meets: its category, or its number and beyond on the side of the
    tail it lies in (`>= v` above the median, `<= v` below), which is what singles rows out."""
    if column not in numbers:
        return (column, "==", value)  # code -1 is the null category
    if np.isnan(value):
        return (column, "null", 0.0)
    return (column, ">=" if value >= medians[column] else "<=", value)


def _predicate(
    table: dict[str, np.ndarray],
    columns: list[str],
    numbers: set[str],
    medians: dict[str, float],
    rng: np.random.Generator,
    width: int,
) -> list[Condition]:
    """Conditions on `width` random columns, read from one random row of `table`."""
    row = int(rng.integers(len(table[columns[0]])))
    chosen = rng.choice(len(columns), size=min(width, len(columns)), replace=False)
    return [_condition(columns[j], table[columns[j]][row], numbers, medians) for j in chosen]


def _medians(table: dict[str, np.ndarray], numbers: set[str]) -> dict[str, float]:
    return {c: float(np.nanmedian(v)) if np.isfinite(v).any() else 0.0
            for c, v in table.items() if c in numbers}  # fmt: skip


def _multivariate(
    syn: dict[str, np.ndarray],
    columns: list[str],
    numbers: set[str],
    wanted: int,
    rng: np.random.Generator,
) -> list[list[Condition]]:
    """Predicates read from random synthetic rows: conditions on the row's columns in random
    order, added until the predicate holds for that row alone (at most `SINGLING_COLUMNS`
    conditions; rows that no such predicate singles out are skipped)."""
    kept: list[list[Condition]] = []
    seen: set[tuple[Condition, ...]] = set()
    medians = _medians(syn, numbers)
    size = len(syn[columns[0]])
    for _ in range(wanted * _TRIES):
        row = int(rng.integers(size))
        order = rng.permutation(len(columns))[:SINGLING_COLUMNS]
        mask = np.ones(size, dtype=bool)
        predicate: list[Condition] = []
        for j in order:
            predicate.append(_condition(columns[j], syn[columns[j]][row], numbers, medians))
            mask &= _holds(syn, predicate[-1:])
            if np.count_nonzero(mask) == 1:
                break
        key = tuple(sorted(predicate))
        if np.count_nonzero(mask) == 1 and key not in seen:
            kept.append(predicate)
            seen.add(key)
            if len(kept) == wanted:
                break
    return kept


def _univariate(
    syn: dict[str, np.ndarray],
    columns: list[str],
    numbers: set[str],
    wanted: int,
    rng: np.random.Generator,
) -> list[list[Condition]]:
    """One-condition predicates holding for one synthetic row: a value that occurs once, or
    the smallest or largest value of a number column when only one row has it."""
    pool: list[Condition] = []
    for column in columns:
        values = syn[column]
        present = values[~np.isnan(values)] if column in numbers else values[values >= 0]
        if len(present) == 0:
            continue
        unique, counts = np.unique(present, return_counts=True)
        pool.extend((column, "==", float(v)) for v in unique[counts == 1])
        if column in numbers:
            if counts[0] == 1:
                pool.append((column, "<=", float(unique[0])))
            if counts[-1] == 1:
                pool.append((column, ">=", float(unique[-1])))
    if not pool:
        return []
    chosen = rng.choice(len(pool), size=min(wanted, len(pool)), replace=False)
    return [[pool[i]] for i in sorted(chosen)]


# --- linkability ------------------------------------------------------------------------------


@one_thread
def linkability(
    synthetic: pd.DataFrame,
    training: pd.DataFrame,
    holdout: pd.DataFrame,
    real: pd.DataFrame,
    categorical: Sequence[str],
    rng: np.random.Generator,
) -> dict[str, Any]:
    """An attacker holds two sources about the same people, each with half of the columns
    (a seeded random split). For each target row, the `LINK_NEIGHBOURS` nearest synthetic rows by
    each half are found (distances in the normalised `FeatureSpace` fitted on `real`); the two
    records are linked when the neighbour sets share a row. Main: training targets; control:
    holdout targets; baseline: two random sets of as many synthetic rows. Rates and risk: see
    `risk_of` (range [0, 1])."""
    columns = list(synthetic.columns)
    if len(columns) < 2:
        return {**risk_of(0, 0, 0, 0, 0, 0), "halves": None}
    order = rng.permutation(len(columns))
    halves = [
        [columns[j] for j in sorted(order[: len(columns) // 2])],
        [columns[j] for j in sorted(order[len(columns) // 2 :])],
    ]
    k = min(LINK_NEIGHBOURS, len(synthetic))
    neighbours = []
    for half in halves:
        space = FeatureSpace(columns=half, categorical=categorical).fit(real)
        index = NearestNeighbors(n_neighbors=k).fit(space.transform(synthetic))
        neighbours.append(
            [
                index.kneighbors(space.transform(f), return_distance=False)
                for f in (training, holdout)
            ]
        )
    main = _shared(neighbours[0][0], neighbours[1][0])
    control = _shared(neighbours[0][1], neighbours[1][1])
    guesses = [rng.integers(0, len(synthetic), (len(training), k)) for _ in range(2)]
    baseline = _shared(*guesses)
    n_main, n_control = len(training), len(holdout)
    return {
        **risk_of(main, n_main, control, n_control, baseline, n_main),
        "halves": halves,
        "neighbours": k,
    }


def _shared(a: np.ndarray, b: np.ndarray) -> float:
    """Rows whose two neighbour sets share at least one index."""
    return float(np.sum((a[:, :, None] == b[:, None, :]).any(axis=(1, 2))))


# --- attribute inference ----------------------------------------------------------------------


@one_thread
def inference(
    synthetic: pd.DataFrame,
    training: pd.DataFrame,
    holdout: pd.DataFrame,
    real: pd.DataFrame,
    secret: str,
    categorical: Sequence[str],
    rng: np.random.Generator,
) -> dict[str, Any]:
    """The attacker knows every column of a person but `secret`, finds the nearest synthetic row
    on those columns (normalised `FeatureSpace` fitted on `real`) and guesses its `secret`. A
    guess is right when it equals the true category (nulls match nulls) or, for numbers, lies
    within `NUMBER_TOLERANCE` of the real column's 5th-95th percentile span. Main: training
    rows; control: holdout rows; baseline: the `secret` of a random synthetic row. Rates and
    risk: see `risk_of` (range [0, 1])."""
    known = [c for c in synthetic.columns if c != secret]
    numerical = secret not in categorical
    tolerance = 0.0
    if numerical:
        values = real[secret].to_numpy(np.float64)
        present = values[~np.isnan(values)]
        if len(present):
            lo, hi = np.percentile(present, [5, 95])
            tolerance = NUMBER_TOLERANCE * float(hi - lo)
    truth = {label: _values(f[secret], numerical) for label, f in (("t", training), ("h", holdout))}
    pool = _values(synthetic[secret], numerical)
    if known:
        space = FeatureSpace(columns=known, categorical=categorical).fit(real)
        index = NearestNeighbors(n_neighbors=1).fit(space.transform(synthetic))
        guess = {
            label: pool[index.kneighbors(space.transform(f), return_distance=False)[:, 0]]
            for label, f in (("t", training), ("h", holdout))
        }
    else:
        guess = {label: pool[rng.integers(0, len(pool), len(truth[label]))] for label in truth}
    random_guess = pool[rng.integers(0, len(pool), len(training))]

    def right(guessed: np.ndarray, true: np.ndarray) -> float:
        both_null = np.isnan(guessed) & np.isnan(true)
        close = np.abs(guessed - true) <= tolerance  # False wherever one side is NaN
        return float(np.sum(both_null | close))

    main, control = right(guess["t"], truth["t"]), right(guess["h"], truth["h"])
    baseline = right(random_guess, truth["t"])
    return {
        **risk_of(main, len(training), control, len(holdout), baseline, len(training)),
        "secret": secret,
        "tolerance": tolerance if numerical else None,
    }


def _values(values: pd.Series, numerical: bool) -> np.ndarray:
    """Numbers as float64 and categories as float codes, both with NaN for nulls."""
    if numerical:
        return values.to_numpy(np.float64)
    codes = values.cat.codes.to_numpy().astype(np.float64)
    codes[codes < 0] = np.nan
    return codes


# --- all attacks of an evaluation -------------------------------------------------------------

ATTACKS = 19  # the evaluation's random stream for attacks: seeding.rng(seed, "evaluation", 19, i)
INFERRED_COLUMNS = 3  # columns attacked by inference when no sensitive column is named


def privacy_attacks(
    tables: Tables, sensitive: Sequence[str], limits: Limits, seed: int
) -> list[dict[str, Any]]:
    """Singling out (univariate and multivariate), linkability and inference of each sensitive
    column (without one, of `INFERRED_COLUMNS` seeded random columns), on `limits.attack_targets`
    target rows (or predicates) per attack; [] without a holdout (no control attack). Each
    attack's risk has the range of `risk_of`."""
    if tables.holdout is None:
        return []
    cap, targets = limits.reference_rows, limits.attack_targets
    synthetic = subsample(tables.synthetic, cap, seed, ATTACKS)
    training = subsample(tables.real, cap, seed, ATTACKS)
    holdout = subsample(tables.holdout, cap, seed, ATTACKS)
    train_targets = subsample(tables.real, targets, seed, ATTACKS)
    held_targets = subsample(tables.holdout, targets, seed, ATTACKS)
    out = []
    for i, multivariate in enumerate((False, True)):
        rng = seeding.rng(seed, "evaluation", ATTACKS, i)
        result = singling_out(
            synthetic, training, holdout, tables.numerical, targets, rng, multivariate
        )
        kind = "multivariate" if multivariate else "univariate"
        out.append({"attack": "singling out", "detail": kind, **result})
    rng = seeding.rng(seed, "evaluation", ATTACKS, 2)
    result = linkability(
        synthetic, train_targets, held_targets, tables.real, tables.categorical, rng
    )
    halves = result.get("halves")
    detail = " | ".join(", ".join(h) for h in halves) if halves else "needs 2 columns"
    out.append({"attack": "linkability", "detail": detail, **result})
    secrets = list(sensitive)
    if not secrets:
        rng = seeding.rng(seed, "evaluation", ATTACKS, 3)
        size = min(INFERRED_COLUMNS, len(tables.columns))
        secrets = [tables.columns[j] for j in sorted(rng.choice(len(tables.columns), size, False))]
    for j, secret in enumerate(secrets):
        rng = seeding.rng(seed, "evaluation", ATTACKS, 4, j)
        result = inference(
            synthetic, train_targets, held_targets, tables.real, secret, tables.categorical, rng
        )
        out.append({"attack": "inference", "detail": secret, **result})
    return out
