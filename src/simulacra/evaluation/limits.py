"""Row caps of the costly metrics, stated in every report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ParameterError


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
    attack_targets: int = 500
    """target rows (and singling-out predicates) per privacy attack"""
    holdout_share: float = 0.2
    """share of real rows held out to test utility models when no holdout is given"""

    def __post_init__(self) -> None:
        for name in (
            "model_rows",
            "query_rows",
            "reference_rows",
            "knn_rows",
            "attack_targets",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 10:
                raise ParameterError(f"Limits.{name} must be an integer >= 10, not {value!r}")
        if not 0.0 < self.holdout_share < 1.0:
            raise ParameterError(
                f"Limits.holdout_share must lie between 0 and 1, not {self.holdout_share!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
