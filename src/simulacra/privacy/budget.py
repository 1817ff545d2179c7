"""A privacy budget (epsilon, delta) and the one accountant that spends it.

Every DP model in simulacra spends its budget in two places: the statistics of the
TableTransformer (ranges, quantile bins, category lists, null shares: Gaussian-mechanism
histograms, see `mechanisms.py`) and the model itself (DP-SGD steps, or the Gaussian marginals
of `mst`). Both are Gaussian mechanisms, so both are accounted in Renyi DP (RDP) and composed by
adding their RDP curves:

- a Gaussian histogram with sensitivity 1 and noise sigma is rho-zCDP with rho = 1 / (2
  sigma^2), whose RDP of order alpha is alpha * rho;
- DP-SGD (Poisson sampling with rate q, noise multiplier sigma, T steps) has the RDP of the
  subsampled Gaussian mechanism, computed by Opacus (`opacus.accountants.analysis.rdp`);
- the sum converts to (epsilon, delta) with Opacus's `get_privacy_spent`.

So the epsilon this module reports for DP-SGD alone is exactly Opacus's `RDPAccountant`'s.
A share `THRESHOLD_DELTA_SHARE` of delta is kept back for category discovery: a category that
is not public knowledge is released only when its noisy count clears a threshold, and delta
bounds the chance that a category held by one row does (`mechanisms.category_threshold`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import ParameterError

# RDP orders: Opacus's default range (1.1 to 63) with fewer fractional orders (each costs a
# series in compute_rdp) and a longer tail (small budgets on large tables need high orders).
# Opacus itself is imported only when a budget is spent.
ORDERS: list[float] = [
    1.25,
    1.5,
    1.75,
    *map(float, range(2, 33)),
    *(40.0, 48.0, 56.0, 64.0, 80.0, 100.0, 128.0, 256.0),
]
THRESHOLD_DELTA_SHARE = 0.1
# the share of the budget (in rho) that the transformer's statistics get by default
METADATA_SHARE = 0.2
ACCOUNTANT = (
    "rdp (Opacus compute_rdp / get_privacy_spent; zCDP Gaussian and exponential mechanisms "
    "composed)"
)


@dataclass(frozen=True)
class SGDSteps:
    """T steps of DP-SGD with Poisson sampling rate q and noise multiplier sigma."""

    sample_rate: float
    noise_multiplier: float
    steps: int


def epsilon_spent(rho: float, delta: float, sgd: SGDSteps | None = None) -> float:
    """The epsilon at `delta` of rho-zCDP Gaussian measurements composed with `sgd` (RDP)."""
    from opacus.accountants.analysis.rdp import compute_rdp, get_privacy_spent

    warnings.filterwarnings("ignore", "Optimal order is the", UserWarning)  # at the grid's ends
    orders = np.array(ORDERS)
    rdp = orders * rho
    if sgd is not None and sgd.steps > 0:
        rdp = rdp + np.asarray(
            compute_rdp(
                q=sgd.sample_rate,
                noise_multiplier=sgd.noise_multiplier,
                steps=sgd.steps,
                orders=ORDERS,
            )
        )
    if not np.any(rdp > 0):
        return 0.0
    eps, _ = get_privacy_spent(orders=ORDERS, rdp=list(rdp), delta=delta)
    return float(eps)


def rho_for(epsilon: float, delta: float) -> float:
    """The largest rho whose Gaussian measurements stay within (epsilon, delta)."""
    low, high = 0.0, max(epsilon, 1.0)
    while epsilon_spent(high, delta) < epsilon:
        high *= 2
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if epsilon_spent(mid, delta) <= epsilon else (low, mid)
    return low


def noise_multiplier_for(
    epsilon: float, delta: float, rho: float, sample_rate: float, steps: int
) -> float:
    """The smallest DP-SGD noise multiplier whose `steps` steps, composed with rho-zCDP
    measurements, stay within (epsilon, delta)."""
    if epsilon_spent(rho, delta) >= epsilon:
        raise ParameterError(
            f"epsilon {epsilon:g} is used up by the metadata statistics; raise epsilon or "
            "declare more columns public"
        )
    low, high = 0.0, 1.0
    while epsilon_spent(rho, delta, SGDSteps(sample_rate, high, steps)) > epsilon:
        high *= 2
        if high > 1e6:
            raise ParameterError(f"epsilon {epsilon:g} is too small for {steps} DP-SGD steps")
    for _ in range(20):
        mid = (low + high) / 2
        spent = (
            epsilon_spent(rho, delta, SGDSteps(sample_rate, mid, steps)) if mid > 0 else math.inf
        )
        low, high = (low, mid) if spent <= epsilon else (mid, high)
    return high


@dataclass(frozen=True)
class PrivacyBudget:
    """A total (epsilon, delta) and the share of it (in rho) that goes to the transformer's
    statistics; the rest goes to the model (DP-SGD or marginals)."""

    epsilon: float
    delta: float
    metadata_share: float = METADATA_SHARE

    def __post_init__(self) -> None:
        if not (self.epsilon > 0 and math.isfinite(self.epsilon)):
            raise ParameterError(f"epsilon must be a positive number, not {self.epsilon!r}")
        if not 0 < self.delta < 1:
            raise ParameterError(f"delta must be in (0, 1), not {self.delta!r}")
        if not 0 < self.metadata_share < 1:
            raise ParameterError(f"metadata_share must be in (0, 1), not {self.metadata_share!r}")

    @property
    def threshold_delta(self) -> float:
        """The delta that category discovery may fail with (all columns together)."""
        return self.delta * THRESHOLD_DELTA_SHARE

    @property
    def accountant_delta(self) -> float:
        """The delta at which the Gaussian mechanisms are accounted."""
        return self.delta - self.threshold_delta

    @cached_property
    def rho(self) -> float:
        """The zCDP budget of all Gaussian measurements together."""
        return rho_for(self.epsilon, self.accountant_delta)

    @property
    def metadata_rho(self) -> float:
        return self.metadata_share * self.rho

    def to_dict(self) -> dict[str, float]:
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "metadata_share": self.metadata_share,
        }

    @classmethod
    def from_dict(cls, state: dict[str, float]) -> PrivacyBudget:
        return cls(float(state["epsilon"]), float(state["delta"]), float(state["metadata_share"]))


# delta when the user gives none: fixed, so it reveals nothing about the table, and well below
# 1/n for any table under ten million rows (n * delta <= 0.1); smartnoise-synth uses 1e-9
DEFAULT_DELTA = 1e-8
