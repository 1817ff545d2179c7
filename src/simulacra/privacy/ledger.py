"""The ledger of one differentially private fit: every mechanism draws its noise here and is
written down as it runs, so the epsilon a model reports is recomputed from what actually ran,
not restated from the plan.

Neighbouring tables differ by adding or removing one row (the definition everywhere in
simulacra). Under it:

- `counts`: a histogram in which a row adds 1 to one cell changes by 1 in L2 norm; its noise is
  the discrete Gaussian (OpenDP's `make_gaussian` on integers, drawn from OpenSSL's secure
  generator), so the released counts are integers and the cost is OpenDP's own privacy map,
  rho = 1 / (2 sigma^2) zCDP. The row count itself is such a histogram of one cell.
- `choose`: the exponential mechanism for a quality of sensitivity `sensitivity`, epsilon-DP
  and so epsilon^2 / 8 zCDP (Cesar and Rogers 2021), drawn with `randomness.choose`.
- `sgd`: DP-SGD steps (Poisson rate q, noise multiplier sigma, T steps), whose Renyi DP is the
  subsampled Gaussian's (Opacus's analysis).

`epsilon_spent` composes them all (zCDP as RDP, plus the DP-SGD RDP curve) and converts to
(epsilon, delta) at the budget's accountant delta (`budget.epsilon_spent`). No draw here can be
replayed from a seed (`randomness.py`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import randomness
from .budget import ACCOUNTANT, PrivacyBudget, SGDSteps, epsilon_spent

NEIGHBOURS = "add or remove one row"


class PrivacyLedger:
    """Noise, and the record of what it cost, for one DP fit under `budget`."""

    def __init__(self, budget: PrivacyBudget) -> None:
        self.budget = budget
        self.rho_: dict[str, float] = {}
        self.sgd: SGDSteps | None = None
        self._gaussians: dict[float, Any] = {}

    # mechanisms --------------------------------------------------------------------------
    def counts(
        self, counts: np.ndarray, sigma: float, what: str, l2_squared: int = 1
    ) -> np.ndarray:
        """Integer counts plus discrete Gaussian noise of scale `sigma`; one row moves the
        counts by an L2 distance whose square is at most `l2_squared` (1: one count by one;
        2: one count down and another up, as when a row moves a key from size k to k + 1).
        The cost, rho = l2_squared / (2 sigma^2), is the measurement's own at distance 1
        times `l2_squared` (rho grows with the square of the distance)."""
        raw = np.asarray(counts)
        if not np.allclose(raw, np.round(raw)):
            raise ValueError("DP counts must be whole numbers")
        measurement = self._gaussian(float(sigma))
        noisy = measurement([int(v) for v in np.round(raw).astype(np.int64).ravel()])
        self._spend(what, float(measurement.map(1)) * l2_squared)
        return np.asarray(noisy, dtype=np.int64).reshape(raw.shape)

    def choose(self, quality: np.ndarray, epsilon: float, sensitivity: float, what: str) -> int:
        """The exponential mechanism: index i with probability proportional to
        exp(epsilon * quality[i] / (2 * sensitivity))."""
        scores = epsilon * (np.asarray(quality, dtype=np.float64)) / (2.0 * sensitivity)
        self._spend(what, epsilon**2 / 8.0)
        return randomness.choose(scores - scores.max())

    def noise(self, sigma: float, what: str) -> CountNoise:
        """A handle that adds this ledger's count noise at scale `sigma` (see `mechanisms`)."""
        return CountNoise(self, sigma, what)

    def _gaussian(self, sigma: float) -> Any:
        if sigma not in self._gaussians:
            import opendp.prelude as dp

            dp.enable_features("contrib")
            self._gaussians[sigma] = dp.m.make_gaussian(
                dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=int), scale=sigma
            )
        return self._gaussians[sigma]

    def _spend(self, what: str, rho: float) -> None:
        self.rho_[what] = self.rho_.get(what, 0.0) + rho

    # accounting --------------------------------------------------------------------------
    @property
    def rho_spent(self) -> float:
        """The zCDP rho of every Gaussian and exponential mechanism run so far."""
        return float(sum(self.rho_.values()))

    def epsilon_spent(self) -> float:
        """Epsilon at the budget's delta of everything run so far, DP-SGD included."""
        return epsilon_spent(self.rho_spent, self.budget.accountant_delta, self.sgd)

    def record(self) -> dict[str, Any]:
        """What a model file keeps: the budget, what was spent and on what, the accountant."""
        out: dict[str, Any] = {
            "epsilon": self.budget.epsilon,
            "delta": self.budget.delta,
            "epsilon_spent": round(self.epsilon_spent(), 6),
            "neighbours": NEIGHBOURS,
            "accountant": ACCOUNTANT,
            "rho_spent": {k: round(v, 8) for k, v in self.rho_.items()},
            "noise": "OS entropy, never stored: two fits of the same table differ",
        }
        if self.sgd is not None:
            out["sgd_steps"] = self.sgd.steps
        return out


class CountNoise:
    """Count noise of one scale from a ledger: `noisy(counts)` releases noisy counts."""

    def __init__(self, ledger: PrivacyLedger, sigma: float, what: str) -> None:
        self.ledger = ledger
        self.sigma = float(sigma)
        self.what = what

    def noisy(self, counts: np.ndarray, l2_squared: int = 1) -> np.ndarray:
        return self.ledger.counts(counts, self.sigma, self.what, l2_squared).astype(np.float64)
