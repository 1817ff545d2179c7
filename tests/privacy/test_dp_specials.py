"""Nulls and infinities under differential privacy: released only when the ledger's whole-number
noise alone reaches the level within `SPECIALS_FALSE_SHARE` (from its exact tail, not normal
sigmas), and never as infinities in a column whose dtype cannot hold one (integers, datetimes):
a noisy -inf count once made an Int64 column fail to decode, and a +inf one turned a datetime
column into objects."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from simulacra import Metadata
from simulacra.privacy.budget import PrivacyBudget
from simulacra.privacy.ledger import PrivacyLedger
from simulacra.privacy.mechanisms import noise_level
from simulacra.transforms.dp_column import SPECIALS_FALSE_SHARE
from simulacra.transforms.table import TableTransformer

ROWS = 400


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "count": rng.integers(0, 50, ROWS),
            "age": pd.array(rng.integers(18, 90, ROWS), dtype="Int64"),
            "ratio": rng.gamma(2.0, 3.0, ROWS).round(2),
            "day": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, ROWS), "D"),
        }
    )


def test_infinities_are_released_only_where_the_dtype_holds_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Noise far above every level (as if the table held thousands of each special value):
    the float column releases both infinities, the integer and datetime columns none, and
    every column decodes."""
    honest = PrivacyLedger.counts

    def loud(self, counts, sigma, what, l2_squared=1):  # type: ignore[no-untyped-def]
        return honest(self, counts, sigma, what, l2_squared) + 5_000

    monkeypatch.setattr(PrivacyLedger, "counts", loud)
    frame = _frame()
    tt = TableTransformer(Metadata.infer(frame), verbose=False, privacy=PrivacyBudget(5.0, 1e-5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tt.fit(frame)
    scores = np.random.default_rng(0).normal(size=(3_000, tt.width_)) * 3
    back = tt.decode(scores, np.random.default_rng(1))
    assert tt.columns_["ratio"].infinities_ == (True, True)
    for name in ("count", "age", "day"):
        assert tt.columns_[name].infinities_ == (False, False), name
    assert np.isinf(back["ratio"].to_numpy(np.float64, na_value=np.nan)).any()
    assert not np.isinf(back["count"].to_numpy(np.float64, na_value=np.nan)).any()
    assert str(back["age"].dtype) == "Int64" and str(back["day"].dtype) == str(frame["day"].dtype)


@pytest.mark.parametrize("sigma", [0.6, 1.5, 4.0])
def test_noise_alone_rarely_releases_nulls(sigma: float) -> None:
    """The null and infinity level against the ledger's own noise on 200,000 empty counts:
    about 2 expected above it (1e-5), where the old 3-sigma level let through hundreds."""
    level = noise_level(sigma, SPECIALS_FALSE_SHARE)
    ledger = PrivacyLedger(PrivacyBudget(1e9, 1e-5))
    draws = ledger.counts(np.zeros(200_000, np.int64), sigma, "test")
    assert int((draws >= level).sum()) <= 12
    old = int((draws >= 3.0 * sigma).sum())
    assert old > 200  # 0.13% nominal, more in whole numbers at small sigma
