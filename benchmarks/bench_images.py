"""Image benchmarks: every image model on the digits and on the colour set, and our upscaler
against bicubic.

1. Quality: for each set and model (VAE, conv VAE, GAN and diffusion; conditional variants
   too), fit, draw `--samples` images, then `evaluate_images`: Frechet in our classifier's
   feature space (NOT Inception-FID) beside the real-vs-real baseline of the same size, class
   coverage, label agreement for conditional models, near-copies, verdict; seconds per epoch.
   Grids: the first 100 samples with seed 0 (a conditional model makes 10 of each class).
2. Upscaler: trained on 90% of the colour tiles (and of the digits), PSNR/SSIM against
   bicubic on the other 10%.
3. With `--mnist`: per-epoch seconds on a 60,000-image MNIST-format set built from the
   digits (randomly rotated, scaled and shifted; MNIST's size and IDX format, not its
   handwriting).

The digits are scikit-learn's 8x8 images; `--digits-size 28` frames them in 28x28 like MNIST
(what `simulacra images fit digits` uses), about twelve times the work per image for diffusion.

Run on a CPU (about 30 minutes on 2 shared cores):
    .venv/bin/python benchmarks/bench_images.py
On a GPU: .venv/bin/python benchmarks/bench_images.py --device cuda --digits-size 28 \\
    --colour-size 32 --epochs-scale 2
Writes benchmarks/results/images/: images.{json,md} and images_<set>_<model>_grid.png.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional

from common import machine, results_dir, write_results
from simulacra import seeding
from simulacra.images import ImageSet, ImageSynthesizer, load_images
from simulacra.images.evaluate import evaluate_images
from simulacra.images.idx import write_idx
from simulacra.images.sample import grid_image, save_png
from simulacra.images.streams import AUGMENTED_DIGITS
from simulacra.images.upscale import Upscaler, compare_with_bicubic

MODELS = {  # label: (registered model, parameters, epochs at --epochs-scale 1)
    "vae": ("vae", {}, 50),
    "cvae": ("vae", {"conditional": True}, 50),
    "convvae": ("convvae", {}, 30),
    "cgan": ("gan", {"conditional": True}, 30),
    "diffusion": ("diffusion", {}, 60),
    "cdiffusion": ("diffusion", {"conditional": True}, 60),
}
MNIST_SIZE = 60_000


def run_model(
    label: str, data: ImageSet, model: tuple[str, dict[str, Any], int], args: argparse.Namespace
) -> dict[str, Any]:
    name, params, epochs = model
    epochs = max(1, round(epochs * args.epochs_scale))
    started = time.perf_counter()
    syn = ImageSynthesizer(
        name, epochs=epochs, device=args.device, seed=0, verbose=False, **params
    ).fit(data)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    samples = syn.sample(args.samples, seed=1)
    sample_seconds = time.perf_counter() - started
    grid = f"images_{label}_grid.png"
    save_png(results_dir("images") / grid, grid_image(syn.sample(100, seed=0).images))
    metrics = evaluate_images(data, samples, threads=1)
    info = syn.describe()
    row = {
        "model": name,
        "params": params,
        "epochs": epochs,
        "fit_seconds": round(fit_seconds, 2),
        "seconds_per_epoch": info["seconds_per_epoch"],
        "sample_seconds": round(sample_seconds, 2),
        "frechet": metrics["frechet"],
        "frechet_real_baseline": metrics["frechet_real_baseline"],
        "coverage": metrics["classes"]["coverage"],
        "label_agreement": metrics.get("label_agreement"),
        "copies": metrics["memorisation"]["copies"],
        "verdict": metrics["verdict"]["verdict"],
        "fit_warnings": info["warnings"],
        "grid": grid,
    }
    print(f"  {label}: {row}", flush=True)
    return row


def upscaler_rows(data: ImageSet, scales: tuple[int, ...], steps: int) -> dict[str, Any]:
    order = np.random.default_rng(0).permutation(len(data))
    cut = len(data) // 10
    held, train = data.subset(np.sort(order[:cut])), data.subset(np.sort(order[cut:]))
    rows = {}
    for scale in scales:
        started = time.perf_counter()
        model = Upscaler(scale=scale, steps=steps, threads=1, seed=0, verbose=False).fit(train)
        scores = compare_with_bicubic(model, held)
        seconds = round(time.perf_counter() - started, 2)
        rows[f"x{scale}"] = {**scores, "steps": steps, "fit_seconds": seconds}
        print(f"  upscaler x{scale}: {rows[f'x{scale}']}", flush=True)
    return rows


def build_mnist_like(folder: Path, n: int = MNIST_SIZE, seed: int = 0) -> Path:
    """Write `n` augmented 28x28 digits as MNIST IDX files; return the image file's path."""
    digits = load_images("digits", size=28)
    gen = torch.Generator().manual_seed(seeding.integer(seed, "images", AUGMENTED_DIGITS))
    pick = torch.randint(0, len(digits), (n,), generator=gen)
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(12)
    scale = 0.85 + torch.rand(n, generator=gen) * 0.25
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * (2 / 14)  # +-2 px in [-1, 1] units
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    out = np.empty((n, 28, 28), dtype=np.uint8)
    source = torch.from_numpy(digits.images)
    for start in range(0, n, 10_000):
        part = slice(start, start + 10_000)
        grid = functional.affine_grid(
            theta[part], [len(theta[part]), 1, 28, 28], align_corners=False
        )
        warped = functional.grid_sample(source[pick[part]][:, None], grid, align_corners=False)
        out[part] = np.round(warped[:, 0].clamp(0, 1).numpy() * 255).astype(np.uint8)
    assert digits.labels is not None
    images_path = folder / "train-images-idx3-ubyte.gz"
    write_idx(images_path, out)
    write_idx(folder / "train-labels-idx1-ubyte.gz", digits.labels[pick.numpy()].astype(np.uint8))
    return images_path


def mnist_epochs(device: str) -> dict[str, Any]:
    """Seconds of a one-epoch fit (building the network included) on the MNIST-format set."""
    with tempfile.TemporaryDirectory() as tmp:
        mnist = load_images(build_mnist_like(Path(tmp)))
    seconds = {}
    for model in ("vae", "convvae", "gan"):
        started = time.perf_counter()
        ImageSynthesizer(model, epochs=1, batch_size=128, device=device, verbose=False).fit(mnist)
        seconds[model] = round(time.perf_counter() - started, 2)
        print(f"  {model}: {seconds[model]} s per epoch", flush=True)
    return {"images": len(mnist), "seconds_per_epoch": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--digits-size", type=int, default=8)
    parser.add_argument("--colour-size", type=int, default=16)
    parser.add_argument("--epochs-scale", type=float, default=1.0)
    parser.add_argument("--colour-epochs-scale", type=float, default=0.5)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--colour-samples", type=int, default=300)
    parser.add_argument("--upscaler-steps", type=int, default=2000)
    parser.add_argument("--mnist", action="store_true", help="per-epoch time at MNIST scale")
    args = parser.parse_args()
    torch.set_num_threads(1)
    result: dict[str, Any] = {
        "machine": {
            **machine(),
            "device": args.device if args.device != "auto" else _auto_device(),
            "torch": torch.__version__,
            "load_average_at_start": round(os.getloadavg()[0], 2),
        },
        "settings": {k: v for k, v in vars(args).items() if k != "mnist"},
        "sets": {},
    }
    result["upscaler"] = {}
    # the results are rewritten after every row, so an interrupted run keeps what it measured
    quality_rows(result, "digits", load_images("digits", size=args.digits_size), args)
    print("upscaler, colour tiles and digits:", flush=True)
    tiles = load_images("sample-colour")  # the upscaler learns from full-size tiles
    result["upscaler"]["colour"] = upscaler_rows(tiles, (2, 4), args.upscaler_steps)
    digits = load_images("digits", size=28)
    result["upscaler"]["digits"] = upscaler_rows(digits, (2,), args.upscaler_steps)
    write_results("images", result, markdown(result))
    quality_rows(result, "colour", load_images("sample-colour", size=args.colour_size), args)
    if args.mnist:
        print("60,000-image MNIST-format set:", flush=True)
        result["mnist_format"] = mnist_epochs(args.device)
        write_results("images", result, markdown(result))


def quality_rows(
    result: dict[str, Any], set_name: str, data: ImageSet, args: argparse.Namespace
) -> None:
    """Every model of `MODELS` on one set, written to the results after each."""
    print(f"{set_name} {data.images.shape}:", flush=True)
    colour = set_name == "colour"
    scale = args.epochs_scale * (args.colour_epochs_scale if colour else 1.0)
    samples = args.colour_samples if colour else args.samples
    run_args = argparse.Namespace(**{**vars(args), "epochs_scale": scale, "samples": samples})
    rows: dict[str, Any] = {}
    result["sets"][set_name] = {
        "shape": list(data.images.shape),
        "epochs_scale": scale,
        "samples": samples,
        "models": rows,
    }
    for label, model in MODELS.items():
        rows[label] = run_model(f"{set_name}_{label}", data, model, run_args)
        write_results("images", result, markdown(result))


def _auto_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def markdown(r: dict[str, Any]) -> str:
    m, s = r["machine"], r["settings"]
    lines = [
        "# Image benchmarks",
        "",
        f"Device: {m['device']}, torch {m['torch']}, {m['cpus']} CPUs (one torch thread), load "
        f"average {m['load_average_at_start']} at start (other jobs shared the CPU), "
        f"{m['date']}. Written by `benchmarks/bench_images.py` (settings: {s}).",
        "",
        "Frechet: distance between Gaussians fitted to the "
        "64-d features of a small CNN trained on the real images (NOT Inception-FID; compare it "
        "only with the real baseline, the same number of real images against the other real "
        "images). Coverage: share of classes predicted for at least half their fair share of "
        "samples. Label agreement: share of a conditional model's samples that the classifier "
        "puts in the requested class. s/epoch: median seconds of a training epoch. Verdict: "
        "`images evaluate`'s (good / fair / poor: Frechet within 2x / 5x / beyond 5x the "
        "baseline).",
        "",
    ]
    for set_name, block in r["sets"].items():
        n, h, w = block["shape"][:3]
        colour = "RGB" if len(block["shape"]) == 4 else "grayscale"
        lines += [
            f"## {set_name} ({n:,} {colour} images of {h}x{w})",
            "",
            f"{block['samples']:,} samples per model; epochs x{block['epochs_scale']} of the "
            "script's (see `MODELS`).",
            "",
            "| model | epochs | Frechet | real baseline | coverage | label agreement | copies "
            "| s/epoch | fit s | sample s | verdict | grid |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for label, row in block["models"].items():
            agree = row["label_agreement"]
            agree_text = "-" if agree is None else f"{agree:.3f}"
            lines.append(
                f"| {label} | {row['epochs']} | {row['frechet']:.2f} | "
                f"{row['frechet_real_baseline']:.2f} | {row['coverage']:.2f} | {agree_text} | "
                f"{row['copies']} | {row['seconds_per_epoch']} | {row['fit_seconds']} | "
                f"{row['sample_seconds']} | {row['verdict']} | [grid]({row['grid']}) |"
            )
        lines.append("")
    lines += [
        "## Upscaler against bicubic (10% of the images held out)",
        "",
        "| images | scale | ours PSNR dB / SSIM | bicubic PSNR dB / SSIM | steps | fit s |",
        "|---|---|---|---|---|---|",
    ]
    for set_name, rows in r["upscaler"].items():
        for scale, row in rows.items():
            lines.append(
                f"| {set_name} | {scale} | {row['psnr_model']:.2f} / {row['ssim_model']:.3f} | "
                f"{row['psnr_bicubic']:.2f} / {row['ssim_bicubic']:.3f} | {row['steps']} | "
                f"{row['fit_seconds']} |"
            )
    mn = r.get("mnist_format")
    if mn:
        lines += [
            "",
            f"## Seconds per epoch on a {mn['images']:,}-image MNIST-format set (batch 128)",
            "",
            "| model | s/epoch |",
            "|---|---|",
            *(f"| {k} | {v} |" for k, v in mn["seconds_per_epoch"].items()),
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
