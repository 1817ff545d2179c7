"""Measures of synthetic data: fidelity, utility, diversity, privacy and bias.

`evaluate(real, synthetic, ...)` runs them all and returns a typed `Report` (`schema.py`),
rendered as JSON, a text summary and a self-contained HTML page; `Report.from_json` reads a
report file back. The metric functions live in one module per area, are registered in
`metrics.py` and can be used on their own.
"""

from .limits import Limits
from .report import evaluate
from .schema import Report

__all__ = ["Limits", "Report", "evaluate"]
