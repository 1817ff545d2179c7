"""Canary audits: many fits with and without one planted row, attacked; the attack's rates must
stay inside what the claimed epsilon allows (`privacy.audit`). A broken mechanism (a fit that
spends far more than it claims) must be caught by the same audit, or the audit proves nothing.
The audits are slow (hundreds of fits); the bound's arithmetic is tested fast."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulacra import Metadata, Synthesizer
from simulacra.privacy.audit import audit, canary_share, epsilon_lower_bound, run_canary_audit

DELTA = 1e-5
SAMPLE_ROWS = 20_000
# 30 rows and 40 epochs: without noise the network learns the canary's share (1 row in 31),
# so a broken mechanism is visible to the attack
ROWS = 30
AR_SMALL = {"epochs": 40, "batch_size": 50, "hidden_dims": [16, 16], "learning_rate": 0.02}


def test_perfect_separation_bounds_epsilon_by_the_trials() -> None:
    bound = epsilon_lower_bound(100, 100, 100, 0, DELTA, 0.95)
    assert 3.0 < bound < math.log(100)
    assert epsilon_lower_bound(100, 50, 100, 50, DELTA, 0.95) == 0.0


def test_audit_flags_separable_scores_and_not_identical_ones() -> None:
    rng = np.random.default_rng(0)
    separated = audit(rng.normal(3, 1, 400), rng.normal(0, 1, 400), DELTA)
    assert separated.epsilon_lower_bound > 1.0 and separated.tpr > 0.8
    alike = audit(rng.normal(0, 1, 400), rng.normal(0, 1, 400), DELTA)
    assert alike.epsilon_lower_bound < 0.5


def _mst(epsilon: float):  # type: ignore[no-untyped-def]
    def fit_and_score(table: pd.DataFrame, metadata: Metadata) -> float:
        syn = Synthesizer("mst", epsilon=epsilon, delta=DELTA, verbose=False)
        return canary_share(syn.fit(table, metadata).sample(SAMPLE_ROWS, seed=0))

    return fit_and_score


def _autoregressive(epsilon: float):  # type: ignore[no-untyped-def]
    def fit_and_score(table: pd.DataFrame, metadata: Metadata) -> float:
        syn = Synthesizer("autoregressive", epsilon=epsilon, delta=DELTA, verbose=False, **AR_SMALL)
        return canary_share(syn.fit(table, metadata).sample(SAMPLE_ROWS, seed=0))

    return fit_and_score


@pytest.mark.slow
def test_mst_at_epsilon_1_passes_the_canary_audit() -> None:
    result = run_canary_audit(_mst(1.0), trials=200, delta=DELTA, rows=ROWS)
    assert result.epsilon_lower_bound <= 1.0, result


@pytest.mark.slow
def test_the_audit_catches_mst_spending_far_more_than_claimed() -> None:
    """The same attack and audit on fits at epsilon 1000 claimed as 1: the bound exceeds 1."""
    result = run_canary_audit(_mst(1000.0), trials=200, delta=DELTA, rows=ROWS)
    assert result.epsilon_lower_bound > 1.0, result


@pytest.mark.slow
def test_dp_sgd_at_epsilon_1_passes_the_canary_audit() -> None:
    result = run_canary_audit(_autoregressive(1.0), trials=150, delta=DELTA, rows=ROWS)
    assert result.epsilon_lower_bound <= 1.0, result


@pytest.mark.slow
def test_the_audit_catches_dp_sgd_spending_far_more_than_claimed() -> None:
    result = run_canary_audit(_autoregressive(1000.0), trials=150, delta=DELTA, rows=ROWS)
    assert result.epsilon_lower_bound > 1.0, result
