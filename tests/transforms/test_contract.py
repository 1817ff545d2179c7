"""The transform contract: every column kind (`columns.TRANSFORMS`) and its DP variant
(`dp.DP_TRANSFORMS`), with every encoder option that applies, on small generated columns
(`column_cases`): encode/decode round trips, restores the dtype and the nulls, states are
JSON plus numeric arrays that decode the same after a reload, the encoded width is what
`layout()` says, values of modelled columns are accepted as conditions, and bad conditions are
ConditionErrors. Bad input to fit and encode: `test_contract_input.py`; the Dask path's
mergeable statistics: `test_contract_merge.py`."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays
from scipy.stats import spearmanr

from simulacra import ConditionError, Metadata
from simulacra._state import pack, unpack
from simulacra.privacy.budget import PrivacyBudget
from simulacra.transforms import TableTransformer
from simulacra.transforms.categorical import CategoricalTransform
from simulacra.transforms.columns import (
    RARE_LABEL,
    TRANSFORMS,
    ColumnTransform,
    ContinuousTransform,
    DatetimeTransform,
)
from simulacra.transforms.dp import DP_TRANSFORMS

from .column_cases import BY_NAME, CASES, ROWS, Case, fitted

# known bugs, by (case, private): each such case is a strict xfail naming the bug
KNOWN: dict[tuple[str, bool], str] = {}


def _marks(case: Case, private: bool) -> list[Any]:
    reason = KNOWN.get((case.name, private))
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def styled() -> list[Any]:
    """(case, continuous, discrete, private) for every case, each encoder option that applies
    to it, exact and DP."""
    return [
        pytest.param(
            case,
            c,
            d,
            private,
            id=f"{case.name}-{c if case.continuous else d}-{how}",
            marks=_marks(case, private),
        )
        for case in CASES
        for c, d in case.styles()
        for private, how in ((False, "exact"), (True, "dp"))
    ]


def test_every_kind_has_a_transform_and_a_dp_variant_under_test() -> None:
    kinds = {case.kind for case in CASES}
    assert kinds == set(TRANSFORMS) == set(DP_TRANSFORMS)
    for kind, cls in DP_TRANSFORMS.items():
        assert issubclass(cls, TRANSFORMS[kind])
    built = {
        type(fitted(c.name, *c.styles()[0], p).columns_[c.name]) for c in CASES for p in (0, 1)
    }
    assert built == {*TRANSFORMS.values(), *DP_TRANSFORMS.values()}


@pytest.mark.parametrize(("case", "continuous", "discrete", "private"), styled())
def test_round_trip_keeps_width_dtype_nulls_and_values(
    case: Case, continuous: str, discrete: str, private: bool
) -> None:
    tt = fitted(case.name, continuous, discrete, private)
    real = case.series()
    column = tt.columns_[case.name]
    assert type(column) is (DP_TRANSFORMS if private else TRANSFORMS)[case.kind]
    encoded = tt.encode(real.to_frame())
    widths = [width for _, _, width, _ in column.layout()]
    assert encoded.shape == (ROWS, sum(widths)) == (ROWS, tt.width_)
    assert [b.width for b in tt.blocks_] == widths
    assert np.isfinite(encoded).all()
    back = tt.decode(encoded, np.random.default_rng(1))
    assert list(back.columns) == [case.name] and len(back) == ROWS
    decoded = back[case.name]
    _assert_same_dtype(real, decoded, private)
    if not case.modelled:  # regenerated: only the share of nulls is learned
        assert decoded.isna().mean() == pytest.approx(real.isna().mean(), abs=0.08)
        return
    # the null indicator is part of the encoding: nulls come back on the same rows
    np.testing.assert_array_equal(decoded.isna().to_numpy(), real.isna().to_numpy())
    # ... and a chunk that happens to hold no null keeps the column's dtype
    present = np.flatnonzero(real.notna().to_numpy())[:20]
    chunk = tt.decode(encoded[present], np.random.default_rng(2))[case.name]
    assert chunk.dtype == decoded.dtype
    if isinstance(column, ContinuousTransform):
        _assert_close_numbers(column, real, decoded, private)
    else:
        assert isinstance(column, CategoricalTransform)
        _assert_same_categories(column, real, decoded, private)


def _assert_same_dtype(real: pd.Series, decoded: pd.Series, private: bool) -> None:
    """The column's own dtype; under DP a Categorical lists only the categories released
    (its list is read off the rows, so it is private)."""
    if private and isinstance(real.dtype, pd.CategoricalDtype):
        assert isinstance(decoded.dtype, pd.CategoricalDtype)
        assert set(decoded.cat.categories) <= set(real.cat.categories)
        return
    assert decoded.dtype == real.dtype


def _assert_close_numbers(
    column: ContinuousTransform, real: pd.Series, decoded: pd.Series, private: bool
) -> None:
    """Finite values land inside the learned range (give or take the column's rounding), near
    their own value and in the same order; infinities come back as themselves."""
    x, y = column.to_float(real), column.to_float(decoded)  # decoded text parses back
    if private:  # infinities too few for the noise to release are read as the range's ends
        assert not np.isinf(y[np.isfinite(x)]).any()
        middle = np.median(y[np.isfinite(x)])
        assert (np.isposinf(y[np.isposinf(x)]) | (y[np.isposinf(x)] > middle)).all()
        assert (np.isneginf(y[np.isneginf(x)]) | (y[np.isneginf(x)] < middle)).all()
    else:
        np.testing.assert_array_equal(np.isposinf(y), np.isposinf(x))
        np.testing.assert_array_equal(np.isneginf(y), np.isneginf(x))
    finite = np.isfinite(x)
    assert np.isfinite(y[finite]).all()
    slack = max(0.5 * _rounding(column), 1e-6)  # datetimes: rounded to microseconds
    assert (y[finite] >= column.low_ - slack).all() and (y[finite] <= column.high_ + slack).all()
    if not private:  # the learned range never reaches past the data's own
        assert x[finite].min() <= column.low_ <= column.high_ <= x[finite].max()
    span = x[finite].max() - x[finite].min()
    assert np.median(np.abs(y[finite] - x[finite])) <= 0.02 * span
    assert spearmanr(x[finite], y[finite]).statistic > 0.95


def _rounding(column: ContinuousTransform) -> float:
    """The step decoded values are rounded to (dates to days, numbers to their decimals)."""
    if isinstance(column, DatetimeTransform):
        return column.resolution_ or 0.0
    meta = column.meta
    decimals = 0 if meta.integer else meta.decimals
    return 0.0 if decimals is None else 10.0**-decimals


def _assert_same_categories(
    column: CategoricalTransform, real: pd.Series, decoded: pd.Series, private: bool
) -> None:
    """Every kept category comes back exactly on its own rows; a pooled rare value comes
    back as "other" in a text column, else as a kept category (never as itself). Under DP
    a value below the threshold counts as the most frequent category unless enough rows
    hold such values to release an "other"."""
    values, out = real.astype(object).to_numpy(), decoded.astype(object).to_numpy()
    present = real.notna().to_numpy()
    kept = present & real.isin(column.categories_ + column.tail_values_).to_numpy()
    assert kept[present].mean() > 0.9
    assert (out[kept] == values[kept]).all()
    pooled = present & ~kept
    if pooled.any():
        allowed = {RARE_LABEL} if column._is_text() else set(column.categories_)
        if private:
            allowed = {RARE_LABEL, *column.categories_}
        assert set(out[pooled]) <= allowed


@pytest.mark.parametrize(("case", "continuous", "discrete", "private"), styled())
def test_state_is_json_and_numbers_and_reloads_to_the_same_decode(
    case: Case, continuous: str, discrete: str, private: bool
) -> None:
    """What a model file stores of a transformer (`_state.pack`: JSON plus numeric arrays, no
    pickle) rebuilds one that encodes and, for the same seed, decodes the same."""
    tt = fitted(case.name, continuous, discrete, private)
    arrays: dict[str, np.ndarray] = {}
    packed = pack({"metadata": tt.metadata.to_dict(), "transformer": tt.get_state()}, arrays)
    text = json.dumps(packed, allow_nan=True)  # no numpy scalars, timestamps or objects
    assert all(a.dtype.kind in "biuf" for a in arrays.values())
    stored = load_arrays(save_arrays(arrays)) if arrays else {}
    state = unpack(json.loads(text), stored)
    again = TableTransformer.from_state(Metadata.from_dict(state["metadata"]), state["transformer"])
    assert type(again.columns_[case.name]) is type(tt.columns_[case.name])
    assert again.blocks_ == tt.blocks_
    frame = case.frame()
    encoded = tt.encode(frame)
    np.testing.assert_array_equal(again.encode(frame), encoded)
    for seed in (3, 4):
        pd.testing.assert_frame_equal(
            again.decode(encoded, np.random.default_rng(seed)),
            tt.decode(encoded, np.random.default_rng(seed)),
        )
    # the column transform's own get_state/set_state, as `from_state` uses them
    column = tt.columns_[case.name]
    copy = type(column)(case.name, column.meta, continuous, discrete, tt.max_categories)
    copy.set_state(unpack(json.loads(json.dumps(pack(column.get_state(), arrays := {}))), arrays))
    assert copy.layout() == column.layout()


def _middle_value(case: Case, column: ColumnTransform, real: pd.Series) -> Any:
    """A value of the column as its user writes it: the middle one for numbers and dates,
    the most frequent category."""
    if isinstance(column, ContinuousTransform):
        x = column.to_float(real)
        order = np.argsort(np.where(np.isfinite(x), x, np.nan))  # NaN last
        finite = int(np.isfinite(x).sum())
        return real.iloc[order[finite // 2]]
    return real.dropna().mode().iloc[0]


@pytest.mark.parametrize(("case", "continuous", "discrete", "private"), styled())
def test_a_value_of_a_modelled_column_is_a_condition(
    case: Case, continuous: str, discrete: str, private: bool
) -> None:
    tt = fitted(case.name, continuous, discrete, private)
    real = case.series()
    column = tt.columns_[case.name]
    if not case.modelled:
        with pytest.raises(ConditionError, match=case.name):
            tt.encode_conditions({case.name: "x"})
        return
    value = _middle_value(case, column, real)
    conditions = tt.encode_conditions({case.name: value})
    (condition,) = conditions.items
    value_blocks = [b for b in tt.blocks_ if b.role != "null"]  # a mode or position too
    width = sum(b.width for b in value_blocks)
    assert (condition.column, condition.start, condition.width) == (case.name, 0, width)
    encoded = tt.encode(real.to_frame())
    if isinstance(column, ContinuousTransform):
        holds = column.to_float(real) == condition.number
    else:
        holds = (real.astype(object) == condition.value).to_numpy()
    assert holds.any() and conditions.meets(encoded)[holds].all()
    # the value written into decoded rows keeps the column's dtype
    rows = tt.decode(encoded[:20], np.random.default_rng(0))
    dtype = rows[case.name].dtype  # under DP, a Categorical lists only released categories
    conditions.apply(rows)
    assert rows[case.name].dtype == dtype
    assert (rows[case.name].astype(object) == condition.value).all()


@pytest.mark.parametrize(
    ("case", "private"),
    [
        pytest.param(c, p, id=f"{c.name}-{how}", marks=_marks(c, p))
        for c in CASES
        if c.continuous
        for p, how in ((False, "exact"), (True, "dp"))
    ],
)
def test_a_range_of_a_continuous_column_is_a_condition(case: Case, private: bool) -> None:
    tt = fitted(case.name, *case.styles()[0], private)
    column = tt.columns_[case.name]
    real = case.series()
    x = column.to_float(real)
    finite = np.isfinite(x)
    low, high = np.quantile(x[finite], [0.3, 0.7], method="nearest")
    ends = [real[finite].iloc[np.flatnonzero(x[finite] == v)[0]] for v in (low, high)]
    conditions = tt.encode_conditions({case.name: tuple(ends)})
    # rows well inside (a decoded value may sit a rounding error outside at the ends)
    margin = 0.02 * (high - low)
    inside = finite & (x >= low + margin) & (x <= high - margin)
    assert conditions.meets(tt.encode(real.to_frame()))[inside].all()
    with pytest.raises(ConditionError, match="empty"):
        tt.encode_conditions({case.name: (ends[1], ends[0])})


BAD_CONDITIONS = {
    "unknown text": "no such value",
    "record": {"a": 1},
    "three ends": [1, 2, 3],
    "object": object(),
    "huge": 1e300,
    "minus huge": -1e300,
    "infinity": float("inf"),
    "array": np.array([1.0, 2.0]),
}


@pytest.mark.parametrize("case", [c for c in CASES if c.modelled], ids=lambda c: c.name)
@pytest.mark.parametrize("bad", list(BAD_CONDITIONS))
def test_bad_conditions_are_condition_errors(case: Case, bad: str) -> None:
    value = BAD_CONDITIONS[bad]
    if case.name == "ratio" and bad == "infinity":
        pytest.skip("infinities are values of this column")
    tt = fitted(case.name, *case.styles()[0], False)
    with pytest.raises(ConditionError, match=case.name):
        tt.encode_conditions({case.name: value})
    with pytest.raises(ConditionError, match="unknown column"):
        tt.encode_conditions({"nope": 1})


def test_dp_datetimes_decode_to_timestamps_on_a_small_table() -> None:
    """A DP datetime range comes from noisy buckets: on two rows it must still stay inside what
    a timestamp holds (it overflowed pandas' range in about 9 fits of 10 before 78b264a)."""
    names = ["day", "stamp_tz", "date_text", "date_int"]
    table = pd.concat([BY_NAME[n].frame() for n in names], axis=1).iloc[:2]
    metadata = Metadata({n: BY_NAME[n].metadata()[n] for n in names})
    for _ in range(5):  # the noise is the OS's: five fits all decoding is the passing case
        tt = TableTransformer(metadata, verbose=False, privacy=PrivacyBudget(1.0, 1e-5))
        tt.fit(table)
        scores = np.random.default_rng(0).normal(size=(200, tt.width_)) * 3
        assert len(tt.decode(scores, np.random.default_rng(0))) == 200


def test_dp_a_lone_infinity_is_never_read_as_the_other_one() -> None:
    x = np.random.default_rng(0).gamma(2.0, 3.0, ROWS).round(1)
    x[:20], x[20] = -np.inf, np.inf
    frame = pd.DataFrame({"ratio": x})
    metadata = Metadata.infer(frame)
    for _ in range(12):  # the noise is the OS's: twelve fits all right is the passing case
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tt = TableTransformer(metadata, verbose=False, privacy=PrivacyBudget(50.0, 1e-5))
            tt.fit(frame)
        back = tt.decode(tt.encode(frame), np.random.default_rng(1))["ratio"]
        assert back.iloc[20] > np.median(x[21:]), "+inf read as a small value"
