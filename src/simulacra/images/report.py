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
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG")
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


def write_html(
    path: str | Path, result: dict[str, Any], real: ImageSet, synthetic: ImageSet, *, seed: int = 0
) -> Path:
    """A self-contained page: headline metrics, real and synthetic grids, closest pairs.
    The 100 real images shown are drawn from `seed`'s "images" stream (see `streams.py`)."""
    pick = seeding.rng(seed, "images", REPORT_GRID).permutation(len(real))[:100]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>simulacra image report</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}"
        "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 8px;"
        "text-align:left}.grids{display:flex;gap:2em;flex-wrap:wrap}</style></head><body>",
        "<h1>Synthetic images vs real images</h1>",
        f"<p>{result['real_images']:,} real, {result['synthetic_images']:,} synthetic images, "
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
