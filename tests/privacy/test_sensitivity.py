"""Every mechanism a DP fit runs has the sensitivity its noise is calibrated for, under the
add/remove-one-row definition: each count vector moves by at most 1 in L2 norm and each
exponential-mechanism quality by at most 1.

How: fit on a table and on the same table with one row added (or removed), where the second
fit replays the first fit's noisy outputs and choices. Every adaptive decision (ranges, bins,
kept categories, cliques) is then the same in both fits, so each mechanism is called with the
same parameters on the two neighbouring tables, and what they were given can be compared call
by call. A data-dependent shape (one more cell because of one row) fails the test too."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import Metadata, Synthesizer
from simulacra.privacy import ledger as ledger_module
from simulacra.privacy.ledger import PrivacyLedger


class ReplayLedger(PrivacyLedger):
    """A ledger that records what each mechanism was given and released; once `replay` is
    set, it releases the recorded outputs again instead of drawing new noise."""

    replay: list[Any] | None = None
    last: ReplayLedger | None = None

    def __init__(self, budget: Any) -> None:
        super().__init__(budget)
        self.calls: list[tuple[str, np.ndarray, Any, float]] = []
        self._replay = list(ReplayLedger.replay) if ReplayLedger.replay is not None else None
        ReplayLedger.last = self

    def counts(
        self, counts: np.ndarray, sigma: float, what: str, l2_squared: int = 1
    ) -> np.ndarray:
        if self._replay is None:
            out = super().counts(counts, sigma, what, l2_squared)
        else:  # spend as the real call does: later budgets depend on what was spent
            out = self._replay.pop(0)
            self._spend(what, float(self._gaussian(sigma).map(1)) * l2_squared)
        self.calls.append(("counts", np.asarray(counts, float), out, float(np.sqrt(l2_squared))))
        return out

    def choose(self, quality: np.ndarray, epsilon: float, sensitivity: float, what: str) -> int:
        if self._replay is None:
            out = super().choose(quality, epsilon, sensitivity, what)
        else:
            out = self._replay.pop(0)
            self._spend(what, epsilon**2 / 8.0)
        self.calls.append(("choose", np.asarray(quality, float), out, 1.0))
        return out


def table(rows: int = 400, seed: int = 0, keys: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    if keys:  # an entity key: a case shared by about two rows each
        out = table(rows, seed)
        out.insert(0, "case_id", np.sort(rng.integers(0, rows // 2, rows)))
        return out
    group = rng.choice(["a", "b", "c"], rows, p=[0.5, 0.3, 0.2])
    x = rng.normal(size=rows) + (group == "b") * 2.0
    return pd.DataFrame(
        {
            "group": group,
            "x": x.round(3),
            "y": (x + rng.normal(scale=0.3, size=rows)).round(3),
            "flag": rng.random(rows) < 0.3,
            "note": np.where(rng.random(rows) < 0.1, None, "n"),
        }
    )


def _neighbours(change: str, keys: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    base = table(keys=keys)
    if change == "add":
        extra = pd.DataFrame(
            {"group": ["c"], "x": [40.0], "y": [-40.0], "flag": [True], "note": [None]}
        )
        if keys:  # one more row for a case that has rows already
            extra.insert(0, "case_id", [int(base["case_id"].iloc[7])])
        return base, pd.concat([base, extra], ignore_index=True)
    return base, base.drop(index=5).reset_index(drop=True)


def _calls(
    monkeypatch: pytest.MonkeyPatch, name: str, first: pd.DataFrame, second: pd.DataFrame
) -> tuple[list[Any], list[Any]]:
    monkeypatch.setattr(ledger_module, "PrivacyLedger", ReplayLedger)
    metadata = Metadata.infer(table(keys="case_id" in first))
    params: dict[str, Any] = {"epsilon": 2.0, "verbose": False}
    if name == "autoregressive":
        params.update(epochs=1, batch_size=100, hidden_dims=[8])
    ReplayLedger.replay = None
    Synthesizer(name, **params).fit(first, metadata)
    recorded = ReplayLedger.last
    assert recorded is not None
    ReplayLedger.replay = [call[2] for call in recorded.calls]
    Synthesizer(name, **params).fit(second, metadata)
    replayed = ReplayLedger.last
    assert replayed is not None and replayed is not recorded
    ReplayLedger.replay = None
    return recorded.calls, replayed.calls


@pytest.mark.parametrize("change", ["add", "remove"])
@pytest.mark.parametrize("name", ["mst", "autoregressive"])
def test_each_mechanism_moves_by_at_most_one(
    monkeypatch: pytest.MonkeyPatch, name: str, change: str
) -> None:
    first, second = _neighbours(change)
    calls_first, calls_second = _calls(monkeypatch, name, first, second)
    assert [c[0] for c in calls_first] == [c[0] for c in calls_second]
    kinds = {"counts": 0, "choose": 0}
    _check_moves(calls_first, calls_second, kinds)
    assert kinds["counts"] >= 6  # the row count and the columns' histograms at least
    if name == "mst":
        assert kinds["choose"] == 3  # a choice per column after the first (note: a constant)


def _check_moves(calls_first: list[Any], calls_second: list[Any], kinds: dict[str, int]) -> None:
    """Each mechanism's input moves by at most the distance its noise is paid for."""
    for first, second in zip(calls_first, calls_second, strict=True):
        kind, given_first, _, bound = first
        given_second = second[1]
        kinds[kind] += 1
        assert given_first.shape == given_second.shape, kind  # no data-dependent shape
        diff = given_first - given_second
        if kind == "counts":
            assert np.sqrt((diff**2).sum()) <= bound + 1e-9
        else:
            assert np.abs(diff).max() <= 1 + 1e-9


@pytest.mark.parametrize("change", ["add", "remove"])
def test_an_entity_keys_rows_per_key_move_by_sqrt_two(
    monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A row added to (or removed from) a case moves it from one size to the next: two
    counts of the keys-per-size histogram change, paid for as a distance of sqrt 2."""
    first, second = _neighbours(change, keys=True)
    assert Metadata.infer(first)["case_id"].entity
    calls_first, calls_second = _calls(monkeypatch, "mst", first, second)
    kinds = {"counts": 0, "choose": 0}
    _check_moves(calls_first, calls_second, kinds)
    paid = [c[3] for c in calls_first if c[0] == "counts"]
    assert paid.count(np.sqrt(2)) == 1
