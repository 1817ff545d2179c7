"""Row caps of the costly metrics, stated in every report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Row caps of the costly metrics (each a seeded sample without replacement)."""

    model_rows: int = 20_000
    """rows per table for the detection classifier, utility models and attribute inference"""
    query_rows: int = 5_000
    """query rows per table for distances to closest records (privacy)"""
    reference_rows: int = 50_000
    """reference rows that distances are measured to (privacy)"""
    knn_rows: int = 5_000
    """rows per table for k-NN precision and recall (diversity)"""
    holdout_share: float = 0.2
    """share of real rows held out to test utility models when no holdout is given"""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
