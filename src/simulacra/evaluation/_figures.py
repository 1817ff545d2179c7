"""What the HTML page draws of fidelity: each column's marginal distributions and the worst
pairs' scatter plots or heatmaps, as arrays for `plots.py` (not in the JSON)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .fidelity import frequencies
from .prepare import Tables, subsample

Figure = dict[str, Any]
_HIST_BINS = 40
_TOP_BARS = 10
_SCATTER_ROWS = 1_500
_PAIR_CELLS = 8


def marginal(real: pd.Series, synth: pd.Series, numerical: bool, kind: str) -> Figure:
    if numerical:
        a = real.dropna().to_numpy(np.float64)
        b = synth.dropna().to_numpy(np.float64)
        both = np.concatenate([a, b])
        if len(both) == 0:
            return {"type": "empty"}
        lo, hi = np.percentile(both, [0.5, 99.5])
        hi = hi if hi > lo else lo + 1.0
        if hi - lo <= _HIST_BINS and np.all(both == np.round(both)):
            edges = np.arange(np.floor(lo) - 0.5, np.ceil(hi) + 1.0)  # a bar per whole number
            lo, hi = edges[0], edges[-1]
        else:
            edges = np.linspace(lo, hi, _HIST_BINS + 1)
        return {
            "type": "histogram",
            "kind": kind,
            "edges": edges,
            "real": np.histogram(np.clip(a, lo, hi), edges)[0] / max(len(a), 1),
            "synthetic": np.histogram(np.clip(b, lo, hi), edges)[0] / max(len(b), 1),
        }
    p, q = frequencies(real, synth)
    order = p.sort_values(ascending=False).index
    top = list(order[:_TOP_BARS])
    labels = [str(v) for v in top]
    real_shares = [float(p[v]) for v in top]
    synth_shares = [float(q[v]) for v in top]
    if len(order) > _TOP_BARS:
        labels.append(f"{len(order) - _TOP_BARS} others")
        real_shares.append(float(1.0 - sum(real_shares)))
        synth_shares.append(float(1.0 - sum(synth_shares)))
    return {"type": "bars", "labels": labels, "real": real_shares, "synthetic": synth_shares}


def pair_figure(tables: Tables, columns: list[str], seed: int, purpose: int) -> Figure:
    """What `plots.pair_png` draws: sampled points of two numerical columns, or the shares of
    the two columns' value combinations (the real table's 8 commonest values, or 8 real-quantile
    bins) in each table."""
    a, b = columns
    if a in tables.numerical and b in tables.numerical:
        sides = {
            label: subsample(frame[[a, b]].dropna(), _SCATTER_ROWS, seed, purpose)
            for label, frame in (("real", tables.real), ("synthetic", tables.synthetic))
        }
        return {
            "type": "scatter",
            "columns": columns,
            **{k: [v[a].to_numpy(), v[b].to_numpy()] for k, v in sides.items()},
        }
    cells = {name: _cells(tables, name) for name in columns}
    out: Figure = {"type": "heatmap", "columns": columns}
    for label, frame in (("real", tables.real), ("synthetic", tables.synthetic)):
        ca, cb = (cells[n][0](frame[n]) for n in columns)
        joint = np.bincount(
            ca * len(cells[b][1]) + cb, minlength=len(cells[a][1]) * len(cells[b][1])
        )
        out[label] = (joint / max(len(frame), 1)).reshape(len(cells[a][1]), len(cells[b][1]))
    used = out["real"] + out["synthetic"] > 0
    rows, cols = used.any(axis=1), used.any(axis=0)  # drop cells empty in both tables
    for label in ("real", "synthetic"):
        out[label] = out[label][rows][:, cols]
    out["labels_a"] = [v for v, keep in zip(cells[a][1], rows, strict=True) if keep]
    out["labels_b"] = [v for v, keep in zip(cells[b][1], cols, strict=True) if keep]
    return out


def _cells(tables: Tables, name: str) -> tuple[Any, list[str]]:
    """A function from a column to cell indices, and the cells' labels (last: other / null)."""
    real = tables.real[name]
    if name in tables.numerical:
        edges = np.unique(np.nanquantile(real.to_numpy(np.float64), np.linspace(0, 1, 9)))
        inner = edges[1:-1]
        labels = [f"≤ {e:.3g}" for e in inner] + [f"> {edges[-2]:.3g}" if len(edges) > 1 else "all"]

        def numbers(values: pd.Series) -> np.ndarray:
            x = values.to_numpy(np.float64)
            return np.where(np.isnan(x), len(labels), np.searchsorted(inner, x, side="left"))

        return numbers, [*labels, "null"]
    top = min(_PAIR_CELLS, len(real.cat.categories))
    labels = [str(c) for c in real.cat.categories[:top]]

    def categories(values: pd.Series) -> np.ndarray:
        code = values.cat.codes.to_numpy().astype(np.int64)
        return np.where((code < 0) | (code >= top), top, code)

    return categories, [*labels, "other / null"]
