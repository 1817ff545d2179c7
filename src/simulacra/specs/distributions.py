"""Parametric distributions a specification can draw numerical columns from.

Each distribution declares its parameters (with defaults and allowed ranges), draws samples with a
numpy Generator, and names its scipy.stats equivalent (used for truncation to bounds and in the
tests, which check every sampler against its scipy definition with a KS test).

Bounds truncate: with `min`/`max`, values are drawn from the distribution conditioned on
[min, max] (inverse-CDF sampling between F(min) and F(max)), not clipped, so no mass piles up
on the bounds. A mixture of Gaussians is truncated by rejection.

A mixture has at most MAX_COMPONENTS components; integer parameters (`integers` low/high,
`binomial` n) stay below MAX_INTEGER and `poisson`'s lam below MAX_RATE, which numpy's
samplers can handle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from ..errors import ParameterError

Check = Callable[[float], bool]
MAX_COMPONENTS = 1_000  # components of a mixture
MAX_INTEGER = 2**62  # |integer parameter| (numpy's samplers stop near 2**63)
MAX_RATE = 1e18  # poisson's lam (numpy refuses lam above about 9.2e18)
_POSITIVE: tuple[Check, str] = (lambda v: v > 0, "> 0")
_ANY: tuple[Check, str] = (lambda v: np.isfinite(v), "a finite number")
_PROB: tuple[Check, str] = (lambda v: 0 <= v <= 1, "in [0, 1]")
_COUNT: tuple[Check, str] = (
    lambda v: 0 <= v < MAX_INTEGER and float(v).is_integer(),
    "an integer >= 0 and below 2**62",
)
_INT: tuple[Check, str] = (
    lambda v: abs(v) < MAX_INTEGER and float(v).is_integer(),
    "an integer of absolute value below 2**62",
)
_RATE: tuple[Check, str] = (lambda v: 0 < v < MAX_RATE, f"> 0 and below {MAX_RATE:g}")


@dataclass(frozen=True)
class Family:
    """One distribution family: parameters (name -> (default or None if required, rule))."""

    name: str
    params: dict[str, tuple[float | None, tuple[Check, str]]]
    draw: Callable[[np.random.Generator, dict[str, float], int], np.ndarray]
    scipy: Callable[[dict[str, float]], Any]
    discrete: bool = False


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in [
        Family(
            "normal",
            {"mean": (0.0, _ANY), "sd": (1.0, _POSITIVE)},
            lambda r, p, n: r.normal(p["mean"], p["sd"], n),
            lambda p: stats.norm(p["mean"], p["sd"]),
        ),
        Family(
            "uniform",
            {"low": (0.0, _ANY), "high": (1.0, _ANY)},
            lambda r, p, n: r.uniform(p["low"], p["high"], n),
            lambda p: stats.uniform(p["low"], p["high"] - p["low"]),
        ),
        Family(
            "lognormal",
            {"mean": (0.0, _ANY), "sigma": (1.0, _POSITIVE)},
            lambda r, p, n: r.lognormal(p["mean"], p["sigma"], n),
            lambda p: stats.lognorm(p["sigma"], scale=np.exp(p["mean"])),
        ),
        Family(
            "gamma",
            {"shape": (None, _POSITIVE), "scale": (1.0, _POSITIVE)},
            lambda r, p, n: r.gamma(p["shape"], p["scale"], n),
            lambda p: stats.gamma(p["shape"], scale=p["scale"]),
        ),
        Family(
            "beta",
            {"a": (None, _POSITIVE), "b": (None, _POSITIVE)},
            lambda r, p, n: r.beta(p["a"], p["b"], n),
            lambda p: stats.beta(p["a"], p["b"]),
        ),
        Family(
            "exponential",
            {"scale": (1.0, _POSITIVE)},
            lambda r, p, n: r.exponential(p["scale"], n),
            lambda p: stats.expon(scale=p["scale"]),
        ),
        Family(
            "poisson",
            {"lam": (None, _RATE)},
            lambda r, p, n: r.poisson(p["lam"], n).astype(np.int64),
            lambda p: stats.poisson(p["lam"]),
            discrete=True,
        ),
        Family(
            "binomial",
            {"n": (None, _COUNT), "p": (None, _PROB)},
            lambda r, p, n: r.binomial(int(p["n"]), p["p"], n).astype(np.int64),
            lambda p: stats.binom(int(p["n"]), p["p"]),
            discrete=True,
        ),
        Family(
            "integers",
            {"low": (None, _INT), "high": (None, _INT)},
            lambda r, p, n: r.integers(int(p["low"]), int(p["high"]), n, endpoint=True),
            lambda p: stats.randint(int(p["low"]), int(p["high"]) + 1),
            discrete=True,
        ),
    ]
}
NAMES = (*FAMILIES, "mixture")


@dataclass(frozen=True)
class Distribution:
    """A validated distribution with optional truncation bounds."""

    family: str
    params: dict[str, Any]
    low: float | None = None
    high: float | None = None

    @property
    def discrete(self) -> bool:
        return self.family != "mixture" and FAMILIES[self.family].discrete

    def frozen(self) -> Any:
        """The scipy.stats frozen distribution (not for mixtures)."""
        return FAMILIES[self.family].scipy(self.params)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` draws, truncated to [low, high] when bounds are set."""
        if self.family == "mixture":
            return self._sample_mixture(rng, n)
        if self.low is None and self.high is None:
            return FAMILIES[self.family].draw(rng, self.params, n)
        dist = self.frozen()
        lo, hi = self._cdf_range(dist)
        values = np.clip(
            dist.ppf(rng.uniform(lo, hi, n)),
            self.low if self.low is not None else -np.inf,
            self.high if self.high is not None else np.inf,
        )
        return values.astype(np.int64) if self.discrete else values

    def _cdf_range(self, dist: Any) -> tuple[float, float]:
        step = 1 if self.discrete else 0
        lo = float(dist.cdf(self.low - step)) if self.low is not None else 0.0
        hi = float(dist.cdf(self.high)) if self.high is not None else 1.0
        return lo, hi

    def _sample_mixture(self, rng: np.random.Generator, n: int) -> np.ndarray:
        weights = np.array([c["weight"] for c in self.params["components"]], dtype=float)
        means = np.array([c["mean"] for c in self.params["components"]], dtype=float)
        sds = np.array([c["sd"] for c in self.params["components"]], dtype=float)
        out = np.empty(0)
        low = -np.inf if self.low is None else self.low
        high = np.inf if self.high is None else self.high
        for _ in range(100):
            k = rng.choice(len(weights), size=n, p=weights / weights.sum())
            draw = rng.normal(means[k], sds[k])
            out = np.concatenate([out, draw[(draw >= low) & (draw <= high)]])
            if len(out) >= n:
                return out[:n]
        raise ParameterError("mixture: bounds keep too few values; widen min/max")

    def mass_in_bounds(self) -> float:
        """Probability of [low, high] under the untruncated distribution."""
        if self.low is None and self.high is None:
            return 1.0
        if self.family == "mixture":
            comps = self.params["components"]
            total = sum(c["weight"] for c in comps)
            lo = -np.inf if self.low is None else self.low
            hi = np.inf if self.high is None else self.high
            return float(
                sum(
                    c["weight"]
                    * (
                        stats.norm.cdf(hi, c["mean"], c["sd"])
                        - stats.norm.cdf(lo, c["mean"], c["sd"])
                    )
                    for c in comps
                )
                / total
            )
        lo_p, hi_p = self._cdf_range(self.frozen())
        return hi_p - lo_p


def parse_distribution(
    spec: Mapping[str, Any], where: str, low: float | None = None, high: float | None = None
) -> Distribution:
    """Validate `{"distribution": name, **params}`; ParameterError names `where` and the key."""
    name = spec.get("distribution", "normal")
    if name not in NAMES:
        raise ParameterError(
            f"{where}: unknown distribution '{name}' (use one of {', '.join(NAMES)})"
        )
    given = {k: v for k, v in spec.items() if k != "distribution"}
    params: dict[str, Any]
    if name == "mixture":
        params = {"components": _mixture_components(given, where)}
    else:
        family = FAMILIES[name]
        unknown = sorted(set(given) - set(family.params))
        if unknown:
            raise ParameterError(
                f"{where}: unknown parameter '{unknown[0]}' for {name} "
                f"(use {', '.join(family.params)})"
            )
        params = {}
        for key, (default, (check, rule)) in family.params.items():
            value = given.get(key, default)
            if value is None:
                raise ParameterError(f"{where}: {name} needs parameter '{key}'")
            if isinstance(value, bool) or not isinstance(value, int | float) or not check(value):
                raise ParameterError(
                    f"{where}: {name} parameter '{key}' must be {rule}, not {value!r}"
                )
            params[key] = float(value)
        if name in ("uniform", "integers") and params["high"] < params["low"]:
            raise ParameterError(f"{where}: {name} needs low <= high")
    if low is not None and high is not None and low > high:
        raise ParameterError(f"{where}: min {low} is greater than max {high}")
    dist = Distribution(name, params, low, high)
    if dist.mass_in_bounds() <= 1e-9:
        raise ParameterError(
            f"{where}: impossible bounds: {name} has no probability between "
            f"min {low} and max {high}"
        )
    return dist


def _mixture_components(given: Mapping[str, Any], where: str) -> list[dict[str, float]]:
    unknown = sorted(set(given) - {"components"})
    if unknown:
        raise ParameterError(
            f"{where}: unknown parameter '{unknown[0]}' for mixture (use components)"
        )
    comps = given.get("components")
    if not isinstance(comps, list) or not comps:
        raise ParameterError(
            f"{where}: mixture needs a non-empty list 'components' of {{weight, mean, sd}}"
        )
    if len(comps) > MAX_COMPONENTS:
        raise ParameterError(
            f"{where}: mixture of {len(comps):,} components, more than the limit of "
            f"{MAX_COMPONENTS:,}"
        )
    out = []
    for i, comp in enumerate(comps):
        if not isinstance(comp, Mapping) or set(comp) - {"weight", "mean", "sd"}:
            raise ParameterError(f"{where}: mixture component {i + 1} takes weight, mean and sd")
        weight, mean, sd = comp.get("weight", 1.0), comp.get("mean", 0.0), comp.get("sd", 1.0)
        for key, value in (("weight", weight), ("mean", mean), ("sd", sd)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ParameterError(f"{where}: mixture component {i + 1}: {key} must be a number")
        if weight <= 0 or sd <= 0:
            raise ParameterError(f"{where}: mixture component {i + 1}: weight and sd must be > 0")
        out.append({"weight": float(weight), "mean": float(mean), "sd": float(sd)})
    return out
