"""Bad input to the column transforms of every kind, exact and DP: values the kind or dtype
cannot hold, Python objects, huge numbers, infinities, nulls, and values unseen when fitted.
Fitting, saving the state, encoding and decoding either work or raise the library's own
errors (DataError), never a bare TypeError, ValueError, IndexError or OverflowError."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import DataError, SimulacraError
from simulacra._state import pack
from simulacra.privacy.budget import PrivacyBudget
from simulacra.transforms import TableTransformer

from .column_cases import CASES, EPSILON, Case, fitted

BAD_VALUES: dict[str, Callable[[], pd.Series]] = {
    "text": lambda: pd.Series(["a", "b", "c"] * 4),
    "records": lambda: pd.Series([{"a": 1}] * 12),
    "lists": lambda: pd.Series([[1, 2]] * 12),
    "bytes": lambda: pd.Series([b"x", b"y"] * 6),
    "objects": lambda: pd.Series([object()] * 12),
    "mixed": lambda: pd.Series([1, "a", 2.5, None] * 3),
    "fractions": lambda: pd.Series(np.linspace(0.1, 0.9, 12)),
    "huge": lambda: pd.Series([1e300, -1e300] * 6),
    "infinities": lambda: pd.Series([np.inf, -np.inf] * 6),
    "dates": lambda: pd.Series(pd.date_range("2020-01-01", periods=12)),
    "nulls": lambda: pd.Series([None] * 12),
    "decimals": lambda: pd.Series([Decimal("1.5"), Decimal("2.25")] * 6),
    "python dates": lambda: pd.Series([dt.date(2020, 1, d) for d in range(1, 13)]),
    "complex": lambda: pd.Series([1j, 2j] * 6),
}

_JSON = (
    "bug: values JSON cannot hold (complex, timestamps and dates, plain objects) are learned "
    "as categories or a constant's value, and the state then fails json.dumps with TypeError"
)
_DTYPE = (
    "bug: values the declared dtype cannot hold (text, fractions, huge numbers, infinities, "
    "dates in a column declared int64 or bool) are learned as categories, since fit does not "
    "compare them with the dtype, and decoding raises TypeError, ValueError or OverflowError"
)
_UNJSONABLE = {"complex", "dates", "python dates"}
# Python Decimals are read as float64 numbers (`transforms.table.without_decimals`): in an
# int64 or boolean column, 1.5 and 2.25 are values the dtype cannot hold, like fractions
_UNFIT = {"text", "mixed", "fractions", "huge", "infinities", "decimals"}


def known(case: str, bad: str, private: bool) -> str | None:
    """The known bug a (case, bad values, DP or not) runs into, if any."""
    if case in ("colour", "grade", "level") and (
        bad in _UNJSONABLE or (bad == "objects" and private)
    ):
        return _JSON
    if case == "level" and bad in _UNFIT:
        return _DTYPE
    if case in ("flag", "flag01", "flag_na") and not private and bad in _UNJSONABLE | _UNFIT:
        return _DTYPE  # a DP flag takes only its public values: the rest are refused
    if case == "empty" and bad in {"objects", "complex", "python dates"}:
        return _JSON
    return None


def _params() -> list[Any]:
    return [
        pytest.param(
            case,
            bad,
            private,
            id=f"{case.name}-{bad}-{'dp' if private else 'exact'}",
            marks=[pytest.mark.xfail(strict=True, reason=reason)]
            if (reason := known(case.name, bad, private))
            else [],
        )
        for case in CASES
        for bad in BAD_VALUES
        for private in ((False, True) if case.modelled else (False,))
    ]


@pytest.mark.parametrize(("case", "bad", "private"), _params())
def test_bad_values_are_learned_or_refused_as_data_errors(
    case: Case, bad: str, private: bool
) -> None:
    # 60 rows: each value in enough rows that DP noise releases it (the outcome is fixed)
    frame = pd.concat([BAD_VALUES[bad]()] * 5, ignore_index=True).rename(case.name).to_frame()
    privacy = PrivacyBudget(EPSILON, 1e-5) if private else None
    tt = TableTransformer(case.metadata(), verbose=False, privacy=privacy)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tt.fit(frame)
    except SimulacraError:
        return  # refused, by name
    # learned: then it is saved, encoded and decoded like any column
    json.dumps(pack({"metadata": tt.metadata.to_dict(), "transformer": tt.get_state()}, {}))
    back = tt.decode(tt.encode(frame), np.random.default_rng(0))
    assert len(back) == len(frame)


def _encode_params() -> list[Any]:
    return [
        pytest.param(
            case,
            bad,
            id=f"{case.name}-{bad}",
        )
        for case in CASES
        if case.modelled
        for bad in BAD_VALUES
    ]


@pytest.mark.parametrize(("case", "bad"), _encode_params())
def test_encoding_bad_values_gives_data_errors(case: Case, bad: str) -> None:
    """What a fitted transformer is asked to encode (a table to impute) may hold anything."""
    tt = fitted(case.name, *case.styles()[0], False)
    frame = BAD_VALUES[bad]().rename(case.name).to_frame()
    try:
        encoded = tt.encode(frame)
    except DataError:
        return
    assert encoded.shape == (len(frame), tt.width_)


# a value of each category column that its rows never hold (a bool column without nulls
# never saw a null)
UNSEEN = {"colour": "zzz", "level": 777, "grade": "d", "flag": None, "flag01": 2, "flag_na": None}


def _unseen_params() -> list[Any]:
    out = []
    for case in CASES:
        if case.name not in UNSEEN:
            continue
        for c, d in case.styles():
            # categories with pooled rare values have an "other" code; a nullable flag, a null;
            # a Categorical's unused category keeps a code of its own; a flag has none: a
            # DataError for the frequency and one-hot encoders, a token models read as missing
            out.append(pytest.param(case, c, d, id=f"{case.name}-{d}"))
    return out


@pytest.mark.parametrize(("case", "continuous", "discrete"), _unseen_params())
def test_a_value_unseen_at_fit_is_a_data_error_or_decodes(
    case: Case, continuous: str, discrete: str
) -> None:
    tt = fitted(case.name, continuous, discrete, False)
    real = case.series()
    categorical = isinstance(real.dtype, pd.CategoricalDtype)  # "d" is one of its categories
    values = [UNSEEN[case.name], real.dropna().iloc[0]]
    frame = pd.Series(values, dtype=real.dtype if categorical else None).to_frame(case.name)
    try:
        encoded = tt.encode(frame)
    except DataError:
        return
    back = tt.decode(encoded, np.random.default_rng(0))[case.name]
    assert back.dtype == real.dtype and len(back) == 2
