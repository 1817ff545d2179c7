"""Parametric marginals: fit several scipy families to a column, keep the best by KS statistic.

x -> F(x; theta) -> Phi^-1(F(x)) and back. Families are fitted by maximum likelihood on at most
`FIT_ROWS` rows (seeded); the KS statistic and AIC of every candidate are kept for `describe()`.
scipy.stats is imported where a family is used, not with the module: it costs ~0.4 s, and every
command that loads a model imports this module whether or not a column is parametric.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.special import ndtr

from .base import Encoder
from .continuous import to_normal

FIT_ROWS = 5_000
FAMILIES = ("normal", "truncnorm", "lognorm", "gamma", "beta", "uniform", "t", "expon")


def _frozen(family: str, params: list[float]) -> Any:
    from scipy import stats

    return getattr(stats, _SCIPY[family])(*params)


_SCIPY = {
    "normal": "norm",
    "truncnorm": "truncnorm",
    "lognorm": "lognorm",
    "gamma": "gamma",
    "beta": "beta",
    "uniform": "uniform",
    "t": "t",
    "expon": "expon",
}


def fit_family(family: str, x: np.ndarray) -> list[float]:
    """Maximum-likelihood parameters of `family` for the sample `x` (scipy's order)."""
    from scipy import stats

    lo, hi = float(x.min()), float(x.max())
    span = hi - lo
    pad = 1e-6 * (span or 1.0)
    if family == "normal":
        return [float(x.mean()), float(x.std() or pad)]
    if family == "uniform":
        return [lo, span or pad]
    if family == "expon":
        return [lo, float(x.mean() - lo) or pad]
    if family == "truncnorm":
        mu, sd = float(x.mean()), float(x.std() or pad)
        return [(lo - pad - mu) / sd, (hi + pad - mu) / sd, mu, sd]
    if family == "beta":
        a, b, loc, scale = stats.beta.fit(x, floc=lo - pad, fscale=span + 2 * pad)
        return [a, b, loc, scale]
    if family in ("lognorm", "gamma"):
        shape, loc, scale = getattr(stats, _SCIPY[family]).fit(x, floc=lo - pad)
        return [shape, loc, scale]
    df, loc, scale = stats.t.fit(x)
    return [df, loc, scale]


class ParametricNormal(Encoder):
    """The best-fitting parametric family of a column, used as its marginal."""

    name = "parametric"
    _state_keys = ("family_", "params_", "candidates_", "n_")

    def _fit(self, values: np.ndarray, rng: np.random.Generator) -> None:
        from scipy import stats

        x = values if len(values) <= FIT_ROWS else rng.choice(values, FIT_ROWS, replace=False)
        x = x.astype(np.float64)
        candidates: dict[str, dict[str, Any]] = {}
        for family in FAMILIES:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    params = [float(p) for p in fit_family(family, x)]
                    dist = _frozen(family, params)
                    ks = float(stats.kstest(x, dist.cdf).statistic)
                    loglik = float(np.sum(dist.logpdf(x)))
                except (ValueError, RuntimeError, FloatingPointError):
                    continue
            if np.isfinite(ks) and np.isfinite(loglik):
                aic = 2 * len(params) - 2 * loglik
                candidates[family] = {"params": params, "ks": ks, "aic": aic}
        if not candidates:
            candidates["normal"] = {"params": fit_family("normal", x), "ks": 1.0, "aic": 0.0}
        self.family_ = min(candidates, key=lambda f: (candidates[f]["ks"], candidates[f]["aic"]))
        self.params_ = candidates[self.family_]["params"]
        self.candidates_ = candidates
        self.n_ = len(values)

    def _scores(self, values: np.ndarray) -> np.ndarray:
        u = _frozen(self.family_, self.params_).cdf(values)
        return to_normal(np.nan_to_num(u, nan=0.5), self.n_)

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self._scores(values)[:, None]

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        u = np.clip(ndtr(encoded[:, 0]), 1e-12, 1 - 1e-12)
        return np.asarray(_frozen(self.family_, self.params_).ppf(u), dtype=np.float64)

    def score_bounds(self, value: float) -> tuple[float, float]:
        score = float(self._scores(np.array([value]))[0])
        return score, score

    def score_intervals(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = self._scores(values)
        return scores, scores.copy()

    def layout(self) -> list[tuple[str, str, int]]:
        return [("value", "normal", 1)]

    def describe(self) -> dict[str, Any]:
        best = self.candidates_[self.family_]
        return {
            "encoder": self.name,
            "marginal": self.family_,
            "params": [round(p, 6) for p in self.params_],
            "ks": round(best["ks"], 4),
            "aic": round(best["aic"], 2),
        }
