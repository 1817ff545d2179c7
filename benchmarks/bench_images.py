"""Image benchmarks: training time and quality on the bundled digits; per-epoch time at MNIST scale.

1. The seed framework's VAE (50 epochs, StepLR(10, 0.5)) on the 1,797 bundled digits (20x20
   centred in 28x28, like MNIST): fit time (torch's default threads and simulacra's one), then the
   image metrics of 1,000 samples. Also a class-conditional VAE, a conv VAE and a conditional GAN.
2. There is no MNIST offline, so a 60,000-image MNIST-format set is built from the bundled
   digits: each framed 28x28 digit randomly rotated (+-12 degrees), scaled (0.85-1.1) and
   shifted (+-2 pixels), written as `train-images-idx3-ubyte.gz` + labels. It has MNIST's size
   and format, not MNIST's handwriting. Per-epoch training time is measured on it.

Run: .venv/bin/python benchmarks/bench_images.py  (about 15 minutes on 2 CPU cores)
Writes benchmarks/results/images.json, images.md and images_*_grid.png.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional

from common import RESULTS, write_results
from simulacra import seeding
from simulacra.images import ImageSet, ImageSynthesizer, load_images
from simulacra.images.evaluate import evaluate_images
from simulacra.images.idx import write_idx
from simulacra.images.sample import grid_image, save_png
from simulacra.images.streams import AUGMENTED_DIGITS
from simulacra.synthesizers.torch_utils import default_threads

MNIST_SIZE = 60_000


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


def timed_fit(data: ImageSet, model: str, **params: Any) -> tuple[ImageSynthesizer, float]:
    started = time.perf_counter()
    syn = ImageSynthesizer(model, verbose=False, **params).fit(data)
    return syn, time.perf_counter() - started


def quality(name: str, digits: ImageSet, model: str, **params: Any) -> dict[str, Any]:
    syn, seconds = timed_fit(digits, model, threads=1, **params)
    samples = syn.sample(1000, seed=1)
    grid = syn.sample(100, seed=0)
    save_png(RESULTS / f"images_{name}_grid.png", grid_image(grid.images))
    metrics = evaluate_images(digits, samples, threads=1)
    print(f"  {name}: fit {seconds:.1f}s, Frechet {metrics['frechet']:.1f}", flush=True)
    info = syn.describe()
    return {
        "model": model,
        "params": params,
        "fit_seconds": round(seconds, 2),
        "seconds_per_epoch": info["seconds_per_epoch"],
        "network_parameters": info["parameters"],
        "final_losses": {k: round(v, 4) for k, v in info["final_losses"].items()},
        "frechet": metrics["frechet"],
        "frechet_real_baseline": metrics["frechet_real_baseline"],
        "mean_confidence": metrics["classes"]["mean_confidence"],
        "coverage": metrics["classes"]["coverage"],
        "class_total_variation": metrics["classes"]["total_variation"],
        "label_agreement": metrics.get("label_agreement"),
        "classifier_holdout_accuracy": metrics["classifier"]["holdout_accuracy"],
        "nn_distance_ratio": metrics["memorisation"]["distance_ratio"],
        "copies": metrics["memorisation"]["copies"],
        "mean_image_rmse": metrics["pixels"]["mean_image_rmse"],
        "intensity_tv": metrics["pixels"]["intensity_tv"],
        "grid": f"benchmarks/results/images_{name}_grid.png",
    }


def epoch_times(data: ImageSet, model: str, repeats: int, **params: Any) -> list[float]:
    """Seconds of one-epoch fits (model built, one pass over the data), repeated."""
    times = []
    for _ in range(repeats):
        _, seconds = timed_fit(data, model, epochs=1, threads=1, batch_size=128, **params)
        times.append(round(seconds, 2))
    return times


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    result: dict[str, Any] = {
        "machine": {
            "python": sys.version.split()[0],
            "torch": torch.__version__,
            "cpus": os.cpu_count(),
            "torch_threads_default": torch.get_num_threads(),
            "default_threads": default_threads(),
            "platform": platform.platform(),
            "load_average_at_start": os.getloadavg()[0],
        }
    }
    digits = load_images("digits")
    print("digits VAE, seed configuration (50 epochs):", flush=True)
    speed = {}
    for label, threads in (("torch_default_threads", torch.get_num_threads()), ("default", None)):
        _, seconds = timed_fit(digits, "vae", threads=threads)
        speed[label] = round(seconds, 2)
        print(f"  {label}: {seconds:.1f}s", flush=True)
    result["digits_vae_fit_seconds"] = speed

    print("quality on digits (1,000 samples each):", flush=True)
    result["quality"] = {
        "vae": quality("vae", digits, "vae"),
        "cvae": quality("cvae", digits, "vae", conditional=True),
        "convvae": quality("convvae", digits, "convvae", epochs=20),
        "cgan": quality("cgan", digits, "gan", conditional=True, epochs=20),
    }

    print("60,000-image MNIST-format set built from the digits:", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        path = build_mnist_like(Path(tmp))
        build = time.perf_counter() - started
        started = time.perf_counter()
        mnist = load_images(path)
        load = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
    epochs: dict[str, Any] = {}
    for model, repeats, extra in (
        ("vae", 3, {}),
        ("convvae", 2, {}),
        ("gan", 2, {}),
        ("gan_3_generators", 1, {"n_generators": 3}),
    ):
        times = epoch_times(mnist, "gan" if model.startswith("gan") else model, repeats, **extra)
        epochs[model] = {"seconds": times, "median": statistics.median(times)}
        print(f"  {model}: {times}", flush=True)
    result["mnist_format"] = {
        "images": len(mnist),
        "build_seconds": round(build, 2),
        "load_seconds": round(load, 2),
        "idx_gz_megabytes": round(size_mb, 2),
        "epoch_seconds_one_thread_batch_128": epochs,
    }
    write_results("images", result, markdown(result))


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        "# Image benchmarks",
        "",
        f"Machine: {m['cpus']} CPUs, torch {m['torch']} (default {m['torch_threads_default']} "
        f"threads), load average {m['load_average_at_start']:.1f} at start (other jobs shared "
        "the CPU). One run each; medians where repeated.",
        "",
        "## Seed VAE on the bundled digits (1,797 images, 28x28, 50 epochs)",
        "",
        f"- fit with torch's default {m['torch_threads_default']} threads: "
        f"{r['digits_vae_fit_seconds']['torch_default_threads']} s",
        f"- fit with simulacra's default ({m['default_threads']} thread): "
        f"{r['digits_vae_fit_seconds']['default']} s",
        "",
        "## Quality on the digits (1,000 samples; classifier-feature metrics, NOT Inception-FID)",
        "",
        "| model | fit s | Frechet | real baseline | confidence | coverage | class TV "
        "| label agreement | NN ratio | copies | grid |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, q in r["quality"].items():
        agree = "" if q["label_agreement"] is None else f"{q['label_agreement']:.3f}"
        lines.append(
            f"| {name} | {q['fit_seconds']} | {q['frechet']:.1f} | "
            f"{q['frechet_real_baseline']:.1f} | {q['mean_confidence']:.3f} | "
            f"{q['coverage']:.2f} | {q['class_total_variation']:.3f} | {agree} | "
            f"{q['nn_distance_ratio']:.2f} | {q['copies']} | `{q['grid']}` |"
        )
    mn = r["mnist_format"]
    lines += [
        "",
        "Frechet: distance between Gaussians fitted to 64-d features of a small CNN trained on the "
        "real digits; the baseline is 898 random real digits against the other 899. NN ratio: "
        "median "
        "nearest-training-image distance of the samples over that of real digits to each other. "
        "Grids: the first 100 samples with seed 0 (a conditional model makes 10 of each digit).",
        "",
        f"## Per-epoch time on a {mn['images']:,}-image MNIST-format set",
        "",
        "Built from the bundled digits (20x20 centred in 28x28, randomly rotated, scaled and "
        "shifted; "
        f"MNIST's size and IDX format, not MNIST's handwriting): built in {mn['build_seconds']} s, "
        f"{mn['idx_gz_megabytes']} MB gzipped, loaded in {mn['load_seconds']} s. One thread, "
        "batch 128; a one-epoch fit includes building the network.",
        "",
        "| model | seconds per epoch (runs) | median |",
        "|---|---|---|",
    ]
    for name, e in mn["epoch_seconds_one_thread_batch_128"].items():
        lines.append(f"| {name} | {e['seconds']} | {e['median']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
