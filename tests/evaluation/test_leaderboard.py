"""The leaderboard: "best" by its stated rule, the holdout's reference row, a readable scatter."""

from __future__ import annotations

import re
from typing import Any

from simulacra.evaluation.leaderboard import (
    BEST_RULE,
    best_model,
    best_sentence,
    leaderboard_html,
    reference_row,
    scatter_svg,
)


def cell(model: str, realism: float, verdict: str, **scores: Any) -> dict[str, Any]:
    return {
        "table": "t",
        "model": model,
        "realism": realism,
        "quality": scores.get("quality", 0.5),
        "privacy": scores.get("privacy", 0.9),
        "privacy_verdict": verdict,
        "dcr_share": 0.5,
        "utility": scores.get("utility", 0.5),
        "detection_auc": 0.7,
        "column_shapes": 0.9,
        "pair_trends": 0.8,
        "reference_detection_auc": 0.55,
        "reference_column_shapes": 0.95,
        "reference_pair_trends": 0.9,
        "holdout_rows": 200,
        "fit_seconds": 1.0,
        "sample_seconds": 0.5,
    }


def test_best_is_the_most_realistic_model_not_at_high_privacy_risk() -> None:
    cells = [
        # a high mean of quality and utility does not make a model best: realism decides
        cell("mst", 0.40, "low risk", quality=1.0, utility=1.0),
        cell("copula", 0.80, "moderate risk", quality=0.3, utility=0.6),
        cell("copier", 0.99, "high risk"),  # most realistic, but leaks
    ]
    assert best_model(cells) == "copula"
    assert best_sentence(cells).startswith("copula (the highest realism among models not rated")
    assert best_model([cell("a", 0.7, "low risk", utility=0.2), cell("b", 0.7, "low risk")]) == "b"
    assert best_sentence([cell("copier", 0.99, "high risk")]).startswith("none (every model")
    assert "highest realism" in BEST_RULE and "high risk" in BEST_RULE


def test_the_holdout_is_a_reference_row() -> None:
    reference = reference_row([cell("copula", 0.8, "low risk")])
    assert reference is not None and reference["model"] == "holdout (real rows)"
    # its shapes and trends are the yardstick (1 each); its detection AUC 0.55 scores 0.9
    assert reference["realism"] == (1 + 1 + 0.9) / 3
    assert reference["column_shapes"] == 0.95 and reference["detection_auc"] == 0.55
    assert reference["utility"] == 1.0 and reference["privacy"] is None
    page = leaderboard_html(
        {
            "models": ["copula"],
            "tables": ["t"],
            "seed": 0,
            "cells": [cell("copula", 0.8, "low risk")],
        }
    )
    row = re.search(r"<tr class='ref'>.*?</tr>", page)
    assert row is not None and "holdout (real rows), 200 rows" in row.group()
    assert "0.967" in row.group() and "reference" in row.group()
    assert "Best = the highest realism" in page


def test_the_scatter_has_tick_values_and_labels_apart() -> None:
    same = [cell("copula", 0.8, "low risk"), cell("copula:marginals=parametric", 0.8, "low risk")]
    svg = scatter_svg(same, holdout_realism=0.95)
    ticks = re.findall(r"font-size='10' text-anchor='(?:middle|end)'>([\d.]+)</text>", svg)
    assert sorted(ticks) == sorted(["0", "0.25", "0.5", "0.75", "1"] * 2)  # on both axes
    labels = re.findall(r"<text x='([\d.]+)' y='([\d.]+)' font-size='11'>(\d+)</text>", svg)
    assert [number for *_, number in labels] == ["1", "2"]
    assert abs(float(labels[0][1]) - float(labels[1][1])) >= 12  # one under the other
    assert "<li value='2'>copula:marginals=parametric</li>" in svg and ">holdout</text>" in svg
