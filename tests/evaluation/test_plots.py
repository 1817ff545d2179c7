"""Figures of the report: every colour has its scale."""

from __future__ import annotations

import base64

import numpy as np

from simulacra.evaluation.plots import pair_figure, pair_png


def test_pair_heatmaps_share_one_colour_scale_with_a_bar() -> None:
    pair = {
        "type": "heatmap",
        "columns": ["cut", "color"],
        "real": np.array([[0.5, 0.1], [0.2, 0.2]]),
        "synthetic": np.array([[0.7, 0.1], [0.1, 0.1]]),
        "labels_a": ["Ideal", "Good"],
        "labels_b": ["D", "E"],
    }
    fig = pair_figure(pair)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 2 and len(fig.axes) == 3  # real, synthetic and the colour bar
    assert [ax.images[0].get_clim() for ax in panels] == [(0.0, 0.7), (0.0, 0.7)]
    assert fig.axes[2].get_ylabel() == "share of rows"
    assert base64.b64decode(pair_png(pair)).startswith(b"\x89PNG")


def test_a_pair_scatter_needs_no_colour_bar() -> None:
    points = [np.arange(5.0), np.arange(5.0) ** 2]
    pair = {"type": "scatter", "columns": ["x", "y"], "real": points, "synthetic": points}
    assert len(pair_figure(pair).axes) == 2
