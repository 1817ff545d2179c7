"""The benchmark's leaderboard: the best model of a table, the holdout's reference row and one
self-contained HTML page (per table: a table of scores and a privacy-vs-realism scatter).

"Best" is defined once, in `BEST_RULE`: privacy is a bound, not a score traded against realism.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .detection import detection_score

BEST_RULE = (
    "best = the highest realism among the models whose privacy verdict is not 'high risk' "
    "(ties go to the higher utility)"
)
HOLDOUT = "holdout (real rows)"
# leaderboard columns: key of a cell -> header
COLUMNS = {
    "realism": "realism",
    "quality": "quality",
    "privacy": "privacy",
    "dcr_share": "DCR share",
    "utility": "utility",
    "detection_auc": "detection AUC",
    "column_shapes": "column shapes",
    "pair_trends": "pair trends",
}


def best_model(cells: list[dict[str, Any]]) -> str | None:
    """The model named by `BEST_RULE`, or None when every model is rated high privacy risk."""
    eligible = [
        c
        for c in cells
        if not c.get("skipped") and c.get("privacy_verdict") != "high risk"
        and c.get("realism") is not None
    ]  # fmt: skip
    if not eligible:
        return None
    best = max(eligible, key=lambda c: (c["realism"], c.get("utility") or 0.0))
    return str(best["model"])


def best_sentence(cells: list[dict[str, Any]]) -> str:
    """The best model and why, in words (or why there is none)."""
    scored = [c for c in cells if not c.get("skipped")]
    best = best_model(scored)
    if best is not None:
        return f"{best} (the highest realism among models not rated high privacy risk)"
    if scored:
        return "none (every model was rated high privacy risk)"
    return "none (no model ran)"


def reference_row(cells: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The holdout scored as if it were a model's output: the yardstick of a table's scores.

    Realism, quality and utility are measured relative to it, so its realism comes only from
    its detection AUC (`detection_score`) and its utility is 1 (the models trained on real
    rows); privacy does not apply to rows no model saw."""
    cell = next((c for c in cells if c.get("reference_detection_auc") is not None), None)
    if cell is None:
        return None
    auc = cell["reference_detection_auc"]
    parts = [1.0 for key in ("reference_column_shapes", "reference_pair_trends") if cell[key]]
    parts.append(detection_score(auc))
    return {
        "model": HOLDOUT,
        "realism": sum(parts) / len(parts),
        "quality": None,
        "privacy": None,
        "dcr_share": None,
        "utility": 1.0 if cell.get("utility") is not None else None,
        "detection_auc": auc,
        "column_shapes": cell["reference_column_shapes"],
        "pair_trends": cell["reference_pair_trends"],
        "rows": cell.get("holdout_rows"),
    }


def leaderboard_html(result: dict[str, Any]) -> str:
    """One self-contained page: a table and an SVG scatter per table."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<title>simulacra benchmark</title><style>body{font-family:system-ui,sans-serif;"
        "max-width:1100px;margin:0 auto;padding:16px;color:#1f2328}.scroll{overflow-x:auto}"
        "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #d0d7de;"
        "padding:3px 8px}td.n{text-align:right}th{background:#f6f8fa}.best{font-weight:700}"
        "tr.ref{background:#f6f8fa;font-style:italic}ol.key{columns:2;font-size:.9em}"
        "</style></head><body><h1>simulacra benchmark</h1>"
        f"<p>Models: {escape(', '.join(result['models']))}; seed {result['seed']}. Realism = "
        "fidelity score, quality = diversity score, utility = gain over the trivial model, "
        "privacy = 1 - 2 (membership AUC - 0.5); DCR share 0.5 is ideal. Every score is judged "
        "against the table's holdout (real rows no model trained on) scored as if synthetic: "
        f"its row is the reference. {escape(BEST_RULE[0].upper() + BEST_RULE[1:])}.</p>"
    ]
    targets = result.get("targets") or {}
    for table in result["tables"]:
        every = [c for c in result["cells"] if c["table"] == table]
        parts.append(_table_section(table, targets.get(table), every))
    return "\n".join(parts) + "</body></html>"


def _table_section(table: str, target: str | None, every: list[dict[str, Any]]) -> str:
    cells = [c for c in every if not c.get("skipped")]
    best = best_model(cells)
    skipped = "".join(
        f"<li>{escape(c['model'])}: skipped, {escape(c['skipped'])}</li>"
        for c in every
        if c.get("skipped")
    )
    rows = "".join(
        f"<tr class='{'best' if c['model'] == best else ''}'><td class='n'>{i}</td>"
        f"<td>{escape(c['model'])}</td>"
        + "".join(f"<td class='n'>{_num(c.get(k))}</td>" for k in COLUMNS)
        + f"<td>{escape(c['privacy_verdict'])}</td>"
        f"<td class='n'>{c['fit_seconds'] + c['sample_seconds']:.1f}</td></tr>"
        for i, c in enumerate(cells, 1)
    )
    reference = reference_row(cells)
    if reference is not None:
        rows += (
            f"<tr class='ref'><td></td><td>{escape(HOLDOUT)}, {reference['rows']} rows</td>"
            + "".join(f"<td class='n'>{_num(reference.get(k))}</td>" for k in COLUMNS)
            + "<td>reference</td><td></td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>" for h in ["#", "model", *COLUMNS.values(), "privacy verdict", "seconds"]
    )
    utility = f"utility predicts '{escape(target)}'" if target else "utility not measured"
    return (
        f"<h2>{escape(table)}</h2><p>Best: <b>{escape(best_sentence(cells))}</b>; {utility}."
        f"</p><div class='scroll'><table><tr>{head}</tr>{rows}</table></div>"
        + (f"<ul>{skipped}</ul>" if skipped else "")
        + scatter_svg(cells, None if reference is None else reference["realism"])
    )


TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
_LABEL_H = 12  # height of a dot's number label, in pixels


def scatter_svg(cells: list[dict[str, Any]], holdout_realism: float | None = None) -> str:
    """Privacy (y) against realism (x), both in [0, 1], as inline SVG: ticks with values, each
    dot numbered as in the table (labels moved apart where they would overprint) and named in
    a key below, and the holdout's realism as a dashed line."""
    size, pad = 360, 48
    axis = size - 2 * pad

    def at(value: float, vertical: bool = False) -> float:
        return size - pad - value * axis if vertical else pad + value * axis

    marks = []
    for t in TICKS:
        x, y = at(t), at(t, vertical=True)
        marks.append(
            f"<line x1='{x:.1f}' y1='{pad}' x2='{x:.1f}' y2='{size - pad}' stroke='#eee'/>"
            f"<line x1='{pad}' y1='{y:.1f}' x2='{size - pad}' y2='{y:.1f}' stroke='#eee'/>"
            f"<text x='{x:.1f}' y='{size - pad + 14}' font-size='10' text-anchor='middle'>{t:g}"
            f"</text><text x='{pad - 5}' y='{y + 3:.1f}' font-size='10' text-anchor='end'>{t:g}"
            "</text>"
        )
    if holdout_realism is not None:
        x = at(holdout_realism)
        marks.append(
            f"<line x1='{x:.1f}' y1='{pad}' x2='{x:.1f}' y2='{size - pad}' stroke='#4C72B0' "
            f"stroke-dasharray='4 3'/><text x='{x - 3:.1f}' y='{pad - 4}' font-size='10' "
            "text-anchor='end' fill='#4C72B0'>holdout</text>"
        )
    placed: list[tuple[float, float, float]] = []  # x, y, width of each number label
    dots, key = [], []
    for i, c in enumerate(cells, 1):
        if c["realism"] is None or c["privacy"] is None:
            continue
        x, y = at(c["realism"]), at(c["privacy"], vertical=True)
        lx, ly, width = x + 7, y + 4, 7.0 * len(str(i))
        while any(
            abs(ly - py) < _LABEL_H and abs(lx - px) < max(width, pw) for px, py, pw in placed
        ):
            ly += _LABEL_H
        placed.append((lx, ly, width))
        dots.append(
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='4' fill='#DD8452' fill-opacity='.8'>"
            f"<title>{escape(c['model'])}</title></circle>"
            f"<text x='{lx:.1f}' y='{ly:.1f}' font-size='11'>{i}</text>"
        )
        key.append(f"<li value='{i}'>{escape(c['model'])}</li>")
    return (
        f"<svg role='img' aria-label='privacy vs realism' width='{size}' height='{size}' "
        f"viewBox='0 0 {size} {size}'>{''.join(marks)}<rect x='{pad}' y='{pad}' "
        f"width='{axis}' height='{axis}' fill='none' stroke='#999'/>"
        f"<text x='{size / 2}' y='{size - 10}' font-size='12' text-anchor='middle'>realism →"
        f"</text><text x='14' y='{size / 2}' font-size='12' transform='rotate(-90 14 "
        f"{size / 2})' text-anchor='middle'>privacy →</text>"
        + "".join(dots)
        + "</svg>"
        + (f"<ol class='key'>{''.join(key)}</ol>" if key else "")
    )


def _num(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"
