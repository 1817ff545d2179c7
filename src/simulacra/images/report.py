"""The image evaluation as JSON and as one self-contained HTML page with sample grids."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from .. import seeding
from ..io import atomic_path
from .data import ImageSet
from .sample import grid_image, spread
from .streams import REPORT_GRID


def write_json(path: str | Path, result: dict[str, Any]) -> Path:
    """Write the evaluation dictionary as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return Path(path)


def _png_uri(pixels: np.ndarray) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L" if pixels.ndim == 2 else "RGB").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _pairs_grid(result: dict[str, Any], real: ImageSet, synthetic: ImageSet) -> np.ndarray | None:
    closest = result["memorisation"]["closest"]
    if not closest:
        return None
    images = real.images if synthetic.shape == real.shape else None
    if images is None:
        return None
    tiles = []
    for pair in closest:
        tiles += [synthetic.images[pair["synthetic"]], images[pair["training"]]]
    return grid_image(np.stack(tiles), columns=2)


def _rows(mapping: dict[str, Any]) -> str:
    cells = []
    for key, value in mapping.items():
        if isinstance(value, dict | list):
            continue
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        cells.append(f"<tr><th>{html.escape(key)}</th><td>{html.escape(text)}</td></tr>")
    return "<table>" + "".join(cells) + "</table>"


_COLOURS = {"good": "#1a7f37", "fair": "#b7791f", "poor": "#c53030", "collapsed": "#c53030",
            "memorised": "#c53030"}  # fmt: skip
_STYLE = (
    "body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0 auto;"
    "max-width:1180px;padding:18px 24px;color:#1f2328;line-height:1.45}"
    "h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}"
    "table{border-collapse:collapse;font-size:.86em;margin:.5em 0}"
    "td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left}th{background:#f6f8fa}"
    ".grids{display:flex;gap:2em;flex-wrap:wrap}.meta{color:#57606a;font-size:.92em}"
    ".overall{border-left:6px solid;padding:8px 14px;margin:12px 0;background:#f6f8fa;"
    "border-radius:4px}.overall b{font-size:1.15em}"
)


def _overall(verdict: dict[str, str] | None) -> str:
    """The verdict box of the table report: the word in its colour, then the sentence."""
    if not verdict:
        return ""
    colour = _COLOURS.get(verdict["verdict"], "#57606a")
    return (
        f"<div class='overall' style='border-color:{colour}'><b style='color:{colour}'>"
        f"{html.escape(verdict['verdict'].capitalize())}</b> — "
        f"{html.escape(verdict['sentence'])}</div>"
    )


def write_html(
    path: str | Path, result: dict[str, Any], real: ImageSet, synthetic: ImageSet, *, seed: int = 0
) -> Path:
    """A self-contained page: headline metrics, real and synthetic grids, closest pairs.
    The 100 real images shown are drawn from `seed`'s "images" stream (see `streams.py`)."""
    pick = seeding.rng(seed, "images", REPORT_GRID).permutation(len(real))[:100]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>simulacra image report</title><style>{_STYLE}</style></head><body>",
        "<h1>Synthetic images vs real images</h1>",
        _overall(result.get("verdict")),
        f"<p class='meta'>{result['real_images']:,} real, "
        f"{result['synthetic_images']:,} synthetic images, "
        f"{result['image_shape'][0]}x{result['image_shape'][1]} pixels.</p>",
    ]
    if result.get("classifier"):
        headline = {
            "feature Frechet distance": result["frechet"],
            "real baseline (same n)": result["frechet_real_baseline"],
            "classifier held-out accuracy": result["classifier"]["holdout_accuracy"],
            **{k: v for k, v in result["classes"].items() if k != "shares"},
        }
        if "label_agreement" in result:
            headline["label agreement"] = result["label_agreement"]
        parts += ["<h2>Classifier metrics</h2>", _rows(headline)]
        parts.append(f"<p><em>{html.escape(result['classifier']['note'])}</em></p>")
        parts += ["<h3>Predicted class shares</h3>", _rows(result["classes"]["shares"])]
    memo = result["memorisation"]
    parts += ["<h2>Memorisation (nearest training image)</h2>", _rows(memo)]
    pairs_rows = "".join(
        f"<tr><td>{p['synthetic']}</td><td>{p['training']}</td><td>{p['distance']:.4f}</td></tr>"
        for p in memo["closest"]
    )
    parts.append(
        "<table><tr><th>synthetic image</th><th>closest training image</th>"
        f"<th>RMS pixel distance</th></tr>{pairs_rows}</table>"
    )
    parts += ["<h2>Pixel statistics</h2>", _rows(result["pixels"])]
    parts.append("<div class='grids'>")
    for title, images in (
        ("Real (random 100)", real.images[pick]),
        ("Synthetic (100 evenly spaced)", synthetic.images[spread(len(synthetic))]),
    ):
        parts.append(f"<div><h3>{title}</h3><img src='{_png_uri(grid_image(images))}'></div>")
    pairs = _pairs_grid(result, real, synthetic)
    if pairs is not None:
        parts.append(
            f"<div><h3>Closest pairs (synthetic | training)</h3><img src='{_png_uri(pairs)}'></div>"
        )
    parts.append("</div></body></html>")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
    return Path(path)
