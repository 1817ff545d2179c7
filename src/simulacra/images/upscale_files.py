"""Upscale PNG files into a folder: the method chosen by the caller (at its own scale unless
one is given), atomic writes, inputs never overwritten, sizes bounded (MAX_IMAGE_SIDE for
inputs and for outputs); a folder written by `images sample` gives only its samples."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from .._torch import seeded_torch
from ..errors import DataError, ParameterError
from .data import MAX_IMAGE_SIDE, SAMPLES_FILE, _read_image
from .sample import GRID_FILE, LOSS_FILE, save_png
from .upscale import SCALES, Upscaler, lanczos

Method = Callable[[np.ndarray], np.ndarray]


def png_inputs(source: Path) -> list[Path]:
    """The PNG file `source`, or every PNG directly in the folder `source` (sorted); in a
    folder written by `images sample` (it holds `samples.npz`), the samples only, not the
    grid or the loss curve."""
    if source.is_file():
        files = [source]
    elif source.is_dir():
        files = sorted(p for p in source.iterdir() if p.suffix.lower() == ".png" and p.is_file())
        if (source / SAMPLES_FILE).is_file():
            files = [p for p in files if p.name not in (GRID_FILE, LOSS_FILE)]
    else:
        raise DataError(f"{source}: no such file or folder")
    if not files or any(p.suffix.lower() != ".png" for p in files):
        raise DataError(f"{source}: no PNG images found (upscale reads PNG files)")
    return files


def choose_method(
    scale: int | None, weights: Path | None, model: Path | None, threads: int | None
) -> tuple[Method, int]:
    """Lanczos, the RRDBNet of `weights`, or the upscaler in `model`, and its scale: `scale`
    when given (it must be the model's), else the model's or the weights' own (Lanczos: 4)."""
    if scale is not None and scale not in SCALES:
        raise ParameterError(f"--scale must be 2 or 4, not {scale}")
    if weights is not None and model is not None:
        raise ParameterError("give --weights or --model, not both")
    if model is not None:
        upscaler = Upscaler.load(model)
        if scale is not None and upscaler.scale != scale:
            raise ParameterError(
                f"{model}: a x{upscaler.scale} upscaler, not x{scale} (leave --scale out to "
                "use the model's own)"
            )
        return (lambda image: upscaler.upscale(image[None])[0]), upscaler.scale
    if weights is not None:
        from .rrdb import rrdb_from_weights

        net = rrdb_from_weights(weights)
        if scale is not None and net.scale != scale:
            raise ParameterError(f"{weights}: x{net.scale} weights, not x{scale}")

        def rrdb(image: np.ndarray) -> np.ndarray:
            rgb = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
            x = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))[None].float()
            with torch.inference_mode(), seeded_torch(0, threads):
                y = net(x)[0].clamp(0, 1).permute(1, 2, 0).numpy()
            return y if image.ndim == 3 else y.mean(2)

        return rrdb, net.scale
    chosen = DEFAULT_SCALE if scale is None else scale
    return (lambda image: lanczos(image, chosen)), chosen


DEFAULT_SCALE = 4  # of Lanczos, which has no scale of its own


def upscale_files(
    source: Path,
    output: Path,
    *,
    scale: int | None = None,
    weights: Path | None = None,
    model: Path | None = None,
    threads: int | None = None,
) -> tuple[list[Path], int]:
    """Write each PNG of `source`, enlarged, under the same name in the folder `output`;
    the files written and the scale used (see `choose_method`)."""
    files = png_inputs(source)
    if output.exists() and not output.is_dir():
        raise DataError(f"{output}: is a file; upscaled images go to a folder")
    targets = [output / p.name for p in files]
    for target in targets:
        if any(target.resolve() == p.resolve() for p in files):
            raise DataError(f"{target}: is also an input; write the output elsewhere")
    method, scale = choose_method(scale, weights, model, threads)
    written = []
    for path, target in zip(files, targets, strict=True):
        image = _read_image(path, None)
        if max(image.shape[:2]) * scale > MAX_IMAGE_SIDE:
            raise DataError(f"{path}: x{scale} would exceed {MAX_IMAGE_SIDE:,} pixels on a side")
        big = method(image)
        written.append(save_png(target, np.round(np.clip(big, 0, 1) * 255).astype(np.uint8)))
    return written, scale
