"""What gives synthetic rows away: broken rules and the detector's most telling columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulacra.evaluation.detection import detection_importance
from simulacra.evaluation.prepare import prepare
from simulacra.evaluation.rules import broken_rules


def _table(rng: np.random.Generator, n: int, broken: bool) -> pd.DataFrame:
    service = rng.choice(["DSL", "Fiber", "No"], size=n)
    extra = np.where(service == "No", "No service", rng.choice(["Yes", "No"], size=n))
    months = rng.integers(1, 70, size=n).astype(float)
    monthly = rng.uniform(20, 100, size=n)
    total = months * monthly * rng.uniform(0.97, 1.03, size=n)
    start = rng.uniform(0, 10, size=n)
    end = start + rng.uniform(0, 5, size=n)
    if broken:
        extra = rng.permutation(extra)
        total = rng.permutation(total)
        start, end = end, start
    return pd.DataFrame(
        {
            "service": service,
            "extra": extra,
            "months": months,
            "monthly": monthly,
            "total": total,
            "start": start,
            "end": end,
        }
    )


def test_each_kind_of_broken_rule_is_found_with_its_share() -> None:
    rng = np.random.default_rng(0)
    real, other, synth = _table(rng, 3000, False), _table(rng, 1000, False), _table(rng, 1000, True)
    tables = prepare(real, synth, holdout=other)
    rules = broken_rules(tables, tables.real, tables.synthetic, tables.holdout)
    by_kind = {r["kind"]: r for r in rules if r["excess"] > 0.1}
    assert set(by_kind) == {"combination", "dependency", "formula", "order"}
    assert by_kind["formula"]["rule"].startswith("total ≈ months × monthly")
    assert by_kind["formula"]["synthetic_share"] > 0.8
    assert by_kind["order"]["rule"] == "start ≤ end" and by_kind["order"]["synthetic_share"] > 0.9
    dependency = next(r for r in rules if "service = No ⇒ extra = No service" in r["rule"])
    assert 0.1 < dependency["synthetic_share"] < 0.4  # a third of rows have service = No
    # unseen real rows keep every rule
    assert all(r["reference_share"] < 0.06 for r in rules)
    faithful = broken_rules(tables, tables.real, tables.holdout, tables.holdout)
    assert all(r["synthetic_share"] < 0.06 for r in faithful)


def test_the_detector_points_at_the_column_that_differs() -> None:
    rng = np.random.default_rng(1)
    real = pd.DataFrame({"a": rng.normal(size=800), "b": rng.normal(size=800)})
    synth = pd.DataFrame({"a": rng.normal(size=800), "b": rng.normal(2.0, 1.0, size=800)})
    tables = prepare(real, synth)
    importance = detection_importance(tables.real, tables.synthetic, seed=0)
    assert importance[0]["column"] == "b" and importance[0]["importance"] > 0.2
    assert abs(importance[1]["importance"]) < 0.05
