"""The top of the HTML report: what was judged, warnings, the verdicts and the area cards."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ._html_cells import table
from .text import NO_SCORE

if TYPE_CHECKING:
    from .schema import Overall, Settings, Verdicts

COLOURS = {
    "excellent": "#1a7f37",
    "good": "#4c9a2a",
    "fair": "#b7791f",
    "poor": "#c53030",
    "low risk": "#1a7f37",
    "moderate risk": "#b7791f",
    "high risk": "#c53030",
    "inconclusive": "#b7791f",
}
GREY = "#57606a"
IN_PYTHON = "(a table given in Python)"


def header(settings: Settings) -> str:
    """What was evaluated: the input files, metadata, model, command, seed, version and date."""
    inputs = settings.inputs
    items = [(label, inputs.get(label, IN_PYTHON)) for label in ("real", "synthetic")]
    if settings.rows.holdout is not None:
        items.append(("holdout", inputs.get("holdout", IN_PYTHON)))
    if inputs.get("metadata"):
        items.append(("metadata", inputs["metadata"]))
    items.append(("model", settings.model or "not stated"))
    if settings.command:
        items.append(("command", settings.command))
    items += [
        ("seed", str(settings.seed)),
        ("simulacra", settings.version),
        ("date", settings.date),
    ]
    return (
        "<dl class='head'>"
        + "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in items)
        + "</dl>"
    )


def warnings(settings: Settings) -> str:
    """What makes figures of the report untrustworthy (a holdout that overlaps the training
    rows), in red above the verdict."""
    return "".join(
        f"<div class='warn' role='alert'>Warning: {escape(w)}</div>" for w in settings.warnings
    )


def overall(entry: Overall) -> str:
    colour = COLOURS.get(entry.verdict, GREY)
    return (
        f"<div class='overall' style='border-color:{colour}'><b style='color:{colour}'>"
        f"{escape(entry.verdict.capitalize())}</b> — {escape(entry.sentence)}</div>"
    )


def meta(settings: Settings) -> str:
    rows = settings.rows
    holdout = "" if rows.holdout is None else f", holdout {rows.holdout:,} rows"
    target = f"; target <b>{escape(str(settings.target))}</b>" if settings.target else ""
    return (
        f"<p class='meta'>real {rows.real:,} rows, synthetic {rows.synthetic:,} rows"
        f"{holdout}; {len(settings.columns)} columns compared, "
        f"{len(settings.excluded_columns)} left out{target}; seed {settings.seed}; "
        f"{settings.seconds:.1f} s.</p>"
    )


def whole_table(settings: Settings) -> str:
    """Big tables evaluated on Dask: the shapes and pairs of every row, beside the samples'."""
    whole = settings.whole_table
    if whole is None:
        return ""
    rows = settings.rows
    sample = settings.sample_rows or {}
    means = [
        ["column shapes (mean)", whole.column_shapes_mean],
        ["pair trends (mean)", whole.pair_trends_mean],
    ]
    return (
        "<h2>Every row</h2><p class='note'>The tables were read on Dask: these column shapes "
        f"and pair trends come from summaries of all {rows.real:,} real and "
        f"{rows.synthetic:,} synthetic rows; every score below is measured on seeded "
        f"samples of {sample.get('real', 0):,} and {sample.get('synthetic', 0):,} rows.</p>"
        + table(["score", "every row"], means)
        + table(["column", "shape"], [[c, v] for c, v in whole.column_shapes.items()])
    )


def cards(verdicts: Verdicts) -> str:
    """One card per area: its score in large type (a dash when it has none), verdict, sentence."""
    out = []
    for area, entry in verdicts.by_area():
        colour = COLOURS.get(entry.verdict, GREY)
        if entry.score is None:
            why = "inconclusive: see below" if entry.verdict == "inconclusive" else "no score"
            score = f"<span class='score' title='{escape(why)}'>{NO_SCORE}</span>"
        else:
            score = f"<span class='score'>{entry.score:.2f}</span>"
        out.append(
            f"<div class='card'><h3>{area}</h3>{score} "
            f"<span class='verdict' style='color:{colour}'>{escape(entry.verdict)}</span>"
            f"<p>{escape(entry.sentence)}</p></div>"
        )
    return "<div class='cards'>" + "".join(out) + "</div>"
