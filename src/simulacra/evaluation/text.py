"""The report as a short text table: what was judged, the warnings, one line per area."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .schema import Report, Settings

NO_SCORE = "—"  # an area judged without a number: not measured, or inconclusive


def summary(report: Report) -> str:
    """One line per area with its score (a dash when it has none), verdict and sentence;
    above it, what was judged when the inputs or model were named, and a WARNING line for
    each of the report's warnings."""
    judged = judged_line(report.settings)
    lines = [judged] if judged else []
    lines += [f"WARNING: {w}" for w in report.settings.warnings]
    lines.append(f"{'area':<10} {'score':>6}  verdict")
    for area, v in report.verdicts.by_area():
        score = NO_SCORE if v.score is None else f"{v.score:.3f}"
        lines.append(f"{area:<10} {score:>6}  {v.verdict}: {v.sentence}")
    lines.append(f"{'overall':<10} {'':>6}  {report.verdicts.overall.sentence}")
    return "\n".join(lines)


def judged_line(settings: Settings) -> str:
    """'judged: SYNTHETIC against REAL, holdout H, metadata M; model X', or "" when the report
    was given tables in Python and no model."""
    inputs, model = settings.inputs, settings.model
    if not inputs and not model:
        return ""
    synthetic = inputs.get("synthetic", "a synthetic table")
    real = inputs.get("real", "a real table")
    extra = "".join(f", {k} {inputs[k]}" for k in ("holdout", "metadata") if inputs.get(k))
    return f"judged: {synthetic} against {real}{extra}; model {model or 'not stated'}"
