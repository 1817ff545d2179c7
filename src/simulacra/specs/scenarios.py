"""Built-in scenarios: ready-made specifications (`simulacra generate --list`).

The three `paper-*` scenarios are the datasets of the reference paper ("Synthetic Dataset
Generation for Machine Learning", section 4) as it states them; `user-stories` is a 59-column
table resembling an agile tool's export of user stories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError

# The paper does not state how far apart its five Gaussian classes are; we put every pair of class
# means 4 standard deviations apart (see blocks.ClassificationSpec) and report that choice.
MULTICLASS_SEPARATION = 4.0
REGRESSION_NOISE_SD = 0.1


def paper_binary() -> dict[str, Any]:
    """Experiment 1: 1,000 x 20 features N(0, 1), label = (x0 + x1 > 0)."""
    return {
        "name": "paper-binary",
        "description": "1,000 x 20 standard normal features; label = (x0 + x1 > 0)",
        "rows": 1000,
        "columns": {
            "features": {"type": "correlated", "count": 20, "prefix": "x", "strength": 0.0},
            "label": {"formula": "x0 + x1 > 0"},
        },
    }


def paper_multiclass() -> dict[str, Any]:
    """Experiment 2: 5,000 x 50 features, 5 classes from a mixture of Gaussians."""
    return {
        "name": "paper-multiclass",
        "description": "5,000 x 50 features, 5 equally likely Gaussian classes "
        f"(class means {MULTICLASS_SEPARATION:g} sd apart)",
        "rows": 5000,
        "columns": {
            "blobs": {
                "type": "classification",
                "features": 50,
                "prefix": "x",
                "classes": 5,
                "separation": MULTICLASS_SEPARATION,
                "label": "label",
            },
        },
    }


def paper_regression() -> dict[str, Any]:
    """Experiment 3: 2,000 x 10 features N(0, 1), y = 2 x0 + 3 x1 - x2 + e, e ~ N(0, 0.1)."""
    return {
        "name": "paper-regression",
        "description": "2,000 x 10 standard normal features; y = 2 x0 + 3 x1 - x2 + N(0, 0.1)",
        "rows": 2000,
        "columns": {
            "features": {"type": "correlated", "count": 10, "prefix": "x", "strength": 0.0},
            "y": {"formula": f"2*x0 + 3*x1 - x2 + normal(0, {REGRESSION_NOISE_SD})"},
        },
    }


def _user_stories() -> dict[str, Any]:
    from .user_stories import user_stories_spec

    return user_stories_spec()


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    build: Callable[[], dict[str, Any]]


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("paper-binary", "1,000 x 20 N(0,1) features, label = x0 + x1 > 0", paper_binary),
        Scenario(
            "paper-multiclass",
            "5,000 x 50, 5 classes from a mixture of Gaussians",
            paper_multiclass,
        ),
        Scenario(
            "paper-regression", "2,000 x 10, y = 2 x0 + 3 x1 - x2 + N(0, 0.1)", paper_regression
        ),
        Scenario(
            "user-stories", "10,000 x 59 user stories like an agile tool's export", _user_stories
        ),
    )
}


def scenario_names() -> list[str]:
    """Names of the built-in scenarios."""
    return list(SCENARIOS)


def scenario_spec(name: str) -> dict[str, Any]:
    """The specification mapping of a built-in scenario."""
    if name not in SCENARIOS:
        raise ParameterError(f"unknown scenario '{name}' (use one of {', '.join(SCENARIOS)})")
    return SCENARIOS[name].build()
