"""Figures of the HTML report, drawn with matplotlib (Agg) and returned as base64 PNG text.

Figures are drawn at twice the screen resolution (160 dpi for 80-dpi layout sizes) with text
of at least 9 points, and legends sit above the axes, outside the data.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .schema import PairFidelity

REAL_COLOUR = "#4C72B0"
SYNTH_COLOUR = "#DD8452"
DPI = 160  # 2x: sharp on high-density screens
FONT = 9


def _legend_above(ax: Any) -> None:
    ax.legend(
        fontsize=FONT,
        frameon=False,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=3,
        borderaxespad=0.2,
    )


def short(label: str, width: int) -> str:
    """`label` cut to `width` characters with an ellipsis."""
    return label if len(label) <= width else label[: width - 1] + "…"


def _figure(width: float, height: float) -> Any:
    # A bare Figure renders with Agg without touching pyplot's global state.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI)


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def marginal_png(name: str, data: dict[str, Any], score: float | None) -> str:
    """Real and synthetic histogram (numbers) or bar chart (categories) of one column."""
    fig = _figure(3.6, 2.7)
    ax = fig.subplots()
    title = short(name, 30)
    ax.set_title(
        f"{title}  ({score:.2f})" if score is not None else title, fontsize=FONT + 1, pad=22
    )
    if data["type"] == "histogram":
        edges = np.asarray(data["edges"], dtype=np.float64)
        if data.get("kind") == "datetime":
            from matplotlib.dates import date2num

            edges = date2num(edges.astype("datetime64[ns]"))
            ax.xaxis_date()
        ax.stairs(data["real"], edges, fill=True, color=REAL_COLOUR, alpha=0.55, label="real")
        ax.stairs(data["synthetic"], edges, color=SYNTH_COLOUR, lw=1.4, label="synthetic")
        if data.get("kind") == "datetime":
            for tick in ax.get_xticklabels():
                tick.set_rotation(30)
                tick.set_horizontalalignment("right")
    elif data["type"] == "bars":
        x = np.arange(len(data["labels"]))
        ax.bar(x - 0.2, data["real"], width=0.4, color=REAL_COLOUR, label="real")
        ax.bar(x + 0.2, data["synthetic"], width=0.4, color=SYNTH_COLOUR, label="synthetic")
        labels = [short(str(v), 14) for v in data["labels"]]
        ax.set_xticks(
            x, labels, rotation=45 if len(x) > 4 else 0, ha="right" if len(x) > 4 else "center"
        )
    ax.tick_params(labelsize=FONT)
    ax.set_ylabel("share", fontsize=FONT)
    _legend_above(ax)
    return _png(fig)


def heatmap_pngs(
    columns: list[str], pairs: Sequence[PairFidelity], numerical: list[str]
) -> list[str]:
    """Three heatmaps (real, synthetic, synthetic - real) of pair associations: Pearson r for
    two numerical columns, normalised mutual information otherwise."""
    index = {c: i for i, c in enumerate(columns)}
    n = len(columns)
    real, synth = np.eye(n), np.eye(n)
    numeric = set(numerical)
    for pair in pairs:
        a, b = (index[c] for c in pair.columns)
        r: float | None
        s: float | None
        if pair.columns[0] in numeric and pair.columns[1] in numeric:
            r, s = (pair.pearson.real, pair.pearson.synthetic) if pair.pearson else (None, None)
        else:
            r, s = pair.mutual_information_real, pair.mutual_information_synthetic
        real[a, b] = real[b, a] = np.nan if r is None else r
        synth[a, b] = synth[b, a] = np.nan if s is None else s
    side = max(3.6, min(0.16 * n + 1.5, 11.0))
    font = max(6.0, min(9.0, 320.0 / max(n, 1)))
    images = []
    for title, matrix in (("real", real), ("synthetic", synth), ("synthetic − real", synth - real)):
        fig = _figure(side + 0.8, side)
        ax = fig.subplots()
        image = ax.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_title(title, fontsize=10)
        labels = [short(c, 18) for c in columns]
        ax.set_xticks(range(n), labels, rotation=90, fontsize=font)
        ax.set_yticks(range(n), labels, fontsize=font)
        fig.colorbar(image, ax=ax, shrink=0.8)
        images.append(_png(fig))
    return images


def dcr_png(synthetic: np.ndarray, holdout: np.ndarray | None) -> str:
    """Histograms of distances to the closest training row: synthetic rows and holdout rows."""
    fig = _figure(6.0, 2.8)
    ax = fig.subplots()
    values = [synthetic] if holdout is None else [synthetic, holdout]
    top = float(np.percentile(np.concatenate(values), 99)) or 1.0
    edges = np.linspace(0.0, top, 50)
    ax.hist(
        np.clip(synthetic, 0, top),
        bins=edges,
        density=True,
        alpha=0.6,
        color=SYNTH_COLOUR,
        label="synthetic → training",
    )
    if holdout is not None:
        ax.hist(
            np.clip(holdout, 0, top),
            bins=edges,
            density=True,
            histtype="step",
            lw=1.6,
            color=REAL_COLOUR,
            label="holdout → training",
        )
        ax.axvline(
            float(np.percentile(holdout, 5)),
            color=REAL_COLOUR,
            ls="--",
            lw=1,
            label="holdout 5th percentile",
        )
    ax.set_xlabel("distance to closest record (normalised space)", fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    _legend_above(ax)
    return _png(fig)


def pair_png(pair: dict[str, Any]) -> str:
    """One column pair, real beside synthetic (see `pair_figure`), as PNG text."""
    return _png(pair_figure(pair))


def pair_figure(pair: dict[str, Any]) -> Any:
    """A scatter plot of two numerical columns, or heatmaps of the shares of their (binned)
    value combinations on one colour scale, with its colour bar, real beside synthetic."""
    fig = _figure(7.2, 3.2)
    axes = fig.subplots(1, 2, sharex=True, sharey=True)
    a, b = pair["columns"]
    top = None
    if pair["type"] != "scatter":
        top = max(float(np.nanmax(pair[side], initial=0.0)) for side in ("real", "synthetic"))
    image = None
    for ax, side, colour in zip(
        axes, ("real", "synthetic"), (REAL_COLOUR, SYNTH_COLOUR), strict=True
    ):
        if pair["type"] == "scatter":
            x, y = pair[side]
            ax.scatter(x, y, s=4, alpha=0.35, color=colour, linewidths=0)
        else:
            image = ax.imshow(
                np.asarray(pair[side]), cmap="Blues", vmin=0, vmax=top or 1.0, aspect="auto"
            )
            ax.set_xticks(range(len(pair["labels_b"])), [short(v, 12) for v in pair["labels_b"]],
                          rotation=45, ha="right")  # fmt: skip
            ax.set_yticks(range(len(pair["labels_a"])), [short(v, 14) for v in pair["labels_a"]])
        ax.set_title(side, fontsize=FONT + 1)
        ax.set_xlabel(short(b, 30), fontsize=FONT)
        ax.tick_params(labelsize=FONT - 1)
    axes[0].set_ylabel(short(a, 30), fontsize=FONT)
    if image is not None:
        bar = fig.colorbar(image, ax=list(axes), shrink=0.85)
        bar.set_label("share of rows", fontsize=FONT)
        bar.ax.tick_params(labelsize=FONT - 1)
    return fig
