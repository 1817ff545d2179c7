"""Table cells and number formatting shared by the HTML report's sections."""

from __future__ import annotations

from html import escape
from typing import Any

from . import plots

CUT = 72  # table text longer than this is cut, the full text shown on hover
MISSING = "–"  # a value that was not measured


class Flag(str):
    """Table text shown in red (a score worse than chance)."""


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """An HTML table that scrolls sideways on narrow screens."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(cell(v) for v in r) + "</tr>" for r in rows)
    return f"<div class='scroll'><table><tr>{head}</tr>{body}</table></div>"


def cell(value: Any) -> str:
    """One cell: numbers right-aligned, flags in red, long text cut with the rest on hover."""
    text = str(value)
    if isinstance(value, Flag):
        return f"<td class='n bad'>{escape(text)}</td>"
    numeric = text.replace(".", "", 1).replace("-", "", 1).replace("%", "").isdigit()
    if numeric or text == MISSING:
        return f"<td class='n'>{escape(text)}</td>"
    if len(text) > CUT:
        return f"<td title='{escape(text)}'>{escape(plots.short(text, CUT))}</td>"
    return f"<td>{escape(text)}</td>"


def num(value: Any) -> str:
    """A number with three decimals, or a dash when it is missing or NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return MISSING
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def pct(value: float | None) -> str:
    """A share as a percentage with two decimals, or a dash."""
    return MISSING if value is None else f"{value:.2%}"


def sort_key(value: Any) -> float:
    """Scores sort worst first; missing ones last."""
    return 2.0 if value is None or value != value else float(value)
