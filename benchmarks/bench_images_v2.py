"""Image models v2: diffusion against the VAE and GAN on the digits and the colour set, and our
upscaler against bicubic. Meant for a GPU (`--device cuda`); runs on a CPU with fewer epochs.

For each set and model: fit, 1,000 samples (10 per class for the grid), then
`evaluate_images` (Frechet in our classifier's feature space beside the real-vs-real baseline,
class coverage, label agreement for conditional models, near-copies). Upscaler: trained on 90%
of the colour tiles, PSNR/SSIM against bicubic on the other 10% (x2 and x4).

Run: .venv/bin/python benchmarks/bench_images_v2.py --device cuda [--epochs-scale 1.0]
Writes benchmarks/results/images_v2.{json,md} and images_v2_*_grid.png.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import torch

from common import RESULTS, write_results
from simulacra.images import ImageSet, ImageSynthesizer, load_images
from simulacra.images.evaluate import evaluate_images
from simulacra.images.sample import grid_image, save_png
from simulacra.images.upscale import Upscaler, compare_with_bicubic

MODELS = {  # name: (registered model, parameters, epochs)
    "vae": ("vae", {}, 50),
    "cvae": ("vae", {"conditional": True}, 50),
    "cgan": ("gan", {"conditional": True}, 30),
    "diffusion": ("diffusion", {}, 60),
    "cdiffusion": ("diffusion", {"conditional": True}, 60),
}


def run_model(
    label: str, data: ImageSet, name: str, params: dict[str, Any], epochs: int, device: str
) -> dict[str, Any]:
    started = time.perf_counter()
    syn = ImageSynthesizer(name, epochs=epochs, device=device, seed=0, verbose=False, **params)
    syn.fit(data)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    samples = syn.sample(1000, seed=1)
    sample_seconds = time.perf_counter() - started
    grid = syn.sample(100, seed=0)
    picture = grid_image(grid.images)
    save_png(RESULTS / f"images_v2_{label}_grid.png", picture)
    metrics = evaluate_images(data, samples, threads=1)
    info = syn.describe()
    row = {
        "model": name,
        "params": params,
        "epochs": epochs,
        "device": info["device"],
        "fit_seconds": round(fit_seconds, 2),
        "seconds_per_epoch": info["seconds_per_epoch"],
        "sample_seconds_1000": round(sample_seconds, 2),
        "frechet": metrics["frechet"],
        "frechet_real_baseline": metrics["frechet_real_baseline"],
        "coverage": metrics["classes"]["coverage"],
        "label_agreement": metrics.get("label_agreement"),
        "copies": metrics["memorisation"]["copies"],
        "verdict": metrics["verdict"]["verdict"],
        "warnings": info.get("warnings", []),
        "grid": f"benchmarks/results/images_v2_{label}_grid.png",
    }
    print(f"  {label}: {row}", flush=True)
    return row


def upscaler_rows(colour: ImageSet, steps: int, threads: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    order = rng.permutation(len(colour))
    cut = len(colour) // 10
    held, train = colour.subset(order[:cut]), colour.subset(order[cut:])
    rows = {}
    for scale in (2, 4):
        started = time.perf_counter()
        model = Upscaler(scale=scale, steps=steps, threads=threads, seed=0, verbose=False)
        model.fit(train)
        scores = compare_with_bicubic(model, held)
        rows[f"x{scale}"] = {**scores, "fit_seconds": round(time.perf_counter() - started, 2)}
        print(f"  upscaler x{scale}: {rows[f'x{scale}']}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--epochs-scale", type=float, default=1.0)
    parser.add_argument("--upscaler-steps", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads of the upscaler")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    sets = {"digits": load_images("digits"), "colour": load_images("sample-colour")}
    result: dict[str, Any] = {"device": args.device, "torch": torch.__version__, "sets": {}}
    for set_name, data in sets.items():
        print(f"{set_name} {data.images.shape}:", flush=True)
        rows = {}
        for label, (name, params, epochs) in MODELS.items():
            if set_name == "colour" and name == "gan":
                continue
            scaled = max(1, round(epochs * args.epochs_scale))
            rows[label] = run_model(f"{set_name}_{label}", data, name, params, scaled, args.device)
        result["sets"][set_name] = rows
    print("upscaler on the colour tiles:", flush=True)
    result["upscaler"] = upscaler_rows(sets["colour"], args.upscaler_steps, args.threads)
    write_results("images_v2", result, markdown(result))


def markdown(r: dict[str, Any]) -> str:
    lines = [
        "# Image models v2",
        "",
        f"Device: {r['device']} (torch {r['torch']}). 1,000 samples per model; Frechet in our "
        "classifier's feature space (not Inception-FID) beside the real-vs-real baseline.",
        "",
    ]
    for set_name, rows in r["sets"].items():
        lines += [
            f"## {set_name}",
            "",
            "| model | epochs | Frechet | real baseline | coverage | label agreement | copies "
            "| s/epoch | sample s (1,000) | verdict |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for label, row in rows.items():
            agree = row["label_agreement"]
            agree_text = "-" if agree is None else f"{agree:.3f}"
            lines.append(
                f"| {label} | {row['epochs']} | {row['frechet']:.2f} | "
                f"{row['frechet_real_baseline']:.2f} | {row['coverage']:.2f} | {agree_text} | "
                f"{row['copies']} | {row['seconds_per_epoch']} | {row['sample_seconds_1000']} | "
                f"{row['verdict']} |"
            )
        lines.append("")
    lines += [
        "## Upscaler (colour tiles, 10% held out)",
        "",
        "| scale | ours PSNR / SSIM | bicubic PSNR / SSIM | fit s |",
        "|---|---|---|---|",
    ]
    for scale, row in r["upscaler"].items():
        lines.append(
            f"| {scale} | {row['psnr_model']:.2f} / {row['ssim_model']:.3f} | "
            f"{row['psnr_bicubic']:.2f} / {row['ssim_bicubic']:.3f} | {row['fit_seconds']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
