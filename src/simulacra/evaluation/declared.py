"""Rules the user declared (in the metadata, or given to `evaluate`): each one's share of
rows that break it, in the real rows the generator learned from, in the synthetic rows and in
the holdout. A model that keeps its rules has a synthetic share of 0; the real share says how
far the real rows kept the rule (rows that break it were learned as if they kept it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..metadata import Metadata
from ..specs.rules import parse_rule


def declared_rule_shares(
    rules: Sequence[str],
    metadata: Metadata,
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """Per rule: the share of real, synthetic (and holdout) rows breaking it (`Rule.broken`;
    a row with an empty cell in the rule's columns breaks none). `fixed:` rules are checked
    against the combinations of the real rows, so their real share is 0. Range of each share
    [0, 1]; 0 means every row keeps the rule."""
    out = []
    for text in dict.fromkeys(rules):
        rule = parse_rule(text)
        shares = [
            _share(rule.broken(frame, metadata, real)) if frame is not None else None
            for frame in (real, synthetic, holdout)
        ]
        entry = {
            "rule": text,
            "kind": rule.kind,
            "columns": list(rule.columns),
            "real_share": shares[0],
            "synthetic_share": shares[1],
        }
        if holdout is not None:
            entry["holdout_share"] = shares[2]
        out.append(entry)
    return out


def _share(broken: np.ndarray) -> float:
    return float(np.mean(broken)) if len(broken) else 0.0
