"""Measures of synthetic data: fidelity, utility, diversity, privacy and bias.

`evaluate(real, synthetic, ...)` runs them all and returns a `Report` (JSON + HTML). The metric
functions live in one module per area and can be used on their own.
"""

from .limits import Limits
from .report import Report, evaluate

__all__ = ["Limits", "Report", "evaluate"]
