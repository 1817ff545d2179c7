"""`simulacra images fit|sample|evaluate`: learn a set of images, sample new ones, measure them."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import typer

from .._progress import status
from ..errors import DataError
from ..registry import names, option_help
from . import app
from .common import check_output, given, out, write_together

images_app = typer.Typer(
    help="Synthetic images: VAE, conv VAE, GAN or diffusion on digits (or your own images).",
    no_args_is_help=True,
)
app.add_typer(images_app, name="images")

IMAGES, UPSCALER = "images", "upscaler"
_SOURCE_HELP = (
    "'digits' (scikit-learn's bundled digits, 28x28), an MNIST IDX file (raw or .gz), "
    "a folder of PNG/JPEG images (class = sub-folder), or a .npz/.npy file."
)


@images_app.command(
    epilog=(
        "Examples:\n\n  simulacra images fit digits -m vae -o digits.simulacra\n\n"
        "  simulacra images fit digits -m gan --conditional --generators 3 -o gan.simulacra\n\n"
        "  simulacra images fit train-images-idx3-ubyte.gz -m convvae --epochs 10 -o m.simulacra"
    )
)
def fit(
    data: str = typer.Argument(..., help=_SOURCE_HELP),
    model: str = typer.Option(
        "vae", "-m", "--model", help=f"Image model: {', '.join(names('images'))}."
    ),
    output: Path = typer.Option(..., "-o", "--out", "--output", help="Model file to write."),
    epochs: int | None = typer.Option(None, "--epochs", help=option_help("epochs", IMAGES)),
    batch_size: int | None = typer.Option(
        None, "--batch-size", help=option_help("batch_size", IMAGES)
    ),
    learning_rate: float | None = typer.Option(
        None, "--learning-rate", "--lr", help=option_help("learning_rate", IMAGES)
    ),
    latent_dim: int | None = typer.Option(
        None, "--latent-dim", help=option_help("latent_dim", IMAGES)
    ),
    size: int | None = typer.Option(
        None, "--size", help="Resize images to size x size (default: keep their size)."
    ),
    conditional: bool = typer.Option(
        False, "--conditional", help=option_help("conditional", IMAGES)
    ),
    generators: int = typer.Option(
        1, "--generators", help=option_help("n_generators", IMAGES), show_default=False
    ),
    device: str = typer.Option(
        "auto", "--device", help=option_help("device", IMAGES), show_default=False
    ),
    threads: int | None = typer.Option(None, "--threads", help=option_help("threads", IMAGES)),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
) -> None:
    """Learn a set of images and save the model (JSON + safetensors, no pickle)."""
    from .._progress import is_quiet
    from ..images import ImageSynthesizer, load_images

    check_output(output, [Path(data)], model=True)
    with status(f"reading {data}"):
        images = load_images(data, size=size)
    synthesizer = ImageSynthesizer(
        model,
        batch_size=batch_size,
        conditional=conditional,
        device=device,
        threads=threads,
        seed=seed,
        verbose=not is_quiet(),
        # only the GAN has generators: 1, the default, is not passed to the others
        **given(
            epochs=epochs,
            learning_rate=learning_rate,
            latent_dim=latent_dim,
            n_generators=generators if generators != 1 else None,
        ),
    )
    synthesizer.fit(images)
    with status(f"writing {output}"):
        synthesizer.save(output)
    info = synthesizer.describe()
    last = ", ".join(f"{name} {value:.4g}" for name, value in info["final_losses"].items())
    out.print(
        f"fitted {model} on {info['fit']['images']:,} images {images.shape[0]}x{images.shape[1]} "
        f"({_count(info['epochs_trained'], 'epoch')}, {info['device']}) in "
        f"{info['fit']['seconds']:.1f}s; "
        f"final losses: {last or 'none'} -> {output}",
        soft_wrap=True,
    )
    for warning in info["warnings"]:
        out.print(f"warning: {warning}", soft_wrap=True)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@images_app.command(
    epilog=(
        "Examples:\n\n  simulacra images sample digits.simulacra -n 100 -o out/\n\n"
        "  simulacra images sample cvae.simulacra -n 100 -o sevens/ --label 7 --seed 1"
    )
)
def sample(
    model: Path = typer.Argument(..., help="Model file written by `simulacra images fit`."),
    count: int = typer.Option(100, "-n", "--count", help="Number of images."),
    output: Path = typer.Option(..., "-o", "--out", "--output", help="Folder for the PNGs."),
    label: str | None = typer.Option(
        None, "--label", help="Class to generate (conditional models; default: every class)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA if present), cpu, cuda."),
) -> None:
    """Write synthetic_image_<i>.png, grid.png (10 x 10), samples.npz and loss_curve.png."""
    from ..images import ImageSynthesizer
    from ..images.sample import write_samples

    if output.exists() and not output.is_dir():
        raise DataError(f"{output}: is a file; samples go to a folder")
    with status(f"loading {model}"):
        synthesizer = ImageSynthesizer.load(model, device=device)
    images = synthesizer.sample(count, label=label, seed=seed)
    with status(f"writing {output}"):
        written = write_samples(
            images, output, history=synthesizer.history_, title=f"{synthesizer.name} training loss"
        )
    out.print(f"wrote {count:,} images to {output}/ (grid: {written['grid']})")


@images_app.command(
    epilog=(
        "Examples:\n\n  simulacra images evaluate digits out/ --json m.json --report r.html\n\n"
        "  simulacra images evaluate real_folder/ synth.npz"
    )
)
def evaluate(
    real: str = typer.Argument(..., help="Real (training) images: " + _SOURCE_HELP),
    synthetic: str = typer.Argument(..., help="Synthetic images: a `sample` folder, .npz, ..."),
    json_path: Path | None = typer.Option(
        None, "--json", help="Write the metrics as JSON (default: none)."
    ),
    report: Path | None = typer.Option(
        None, "-o", "--out", "--report", help="Write an HTML page with grids (default: none)."
    ),
    size: int | None = typer.Option(
        None, "--size", help="Resize the real images first (default: keep their size)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed (classifier, baselines)."),
    threads: int | None = typer.Option(
        None, "--threads", help="CPU threads for torch (default: 1)."
    ),
) -> None:
    """Compare synthetic with real images: classifier-feature Frechet distance (not Inception
    FID), predicted classes, nearest-neighbour memorisation check, pixel statistics."""
    from ..images import load_images
    from ..images.evaluate import evaluate_images
    from ..images.report import write_html, write_json

    outputs = [p for p in (json_path, report) if p is not None]
    if len({p.resolve() for p in outputs}) < len(outputs):
        raise DataError("--report and --json name the same file; give each its own path")
    for path in outputs:
        check_output(path, [Path(real), Path(synthetic)])
    with status(f"reading {real} and {synthetic}"):
        real_set = load_images(real, size=size)
        synth_set = load_images(synthetic).resized(real_set.shape[0])
    result = evaluate_images(real_set, synth_set, seed=seed, threads=threads)
    _print_summary(result)
    writers: dict[Path, Callable[[Path], object]] = {}
    if json_path is not None:
        writers[json_path] = partial(write_json, result=result)
    if report is not None:
        writers[report] = partial(
            write_html, result=result, real=real_set, synthetic=synth_set, seed=seed
        )
    write_together(writers)
    for path in writers:
        out.print(f"{'metrics' if path == json_path else 'report'} written to {path}")


def _print_summary(result: dict[str, object]) -> None:
    from .common import print_table

    rows: list[list[object]] = []
    if result.get("classifier"):
        rows.append(["feature Frechet (not Inception-FID)", f"{result['frechet']:.3f}"])
        rows.append(["  real-vs-real baseline", f"{result['frechet_real_baseline']:.3f}"])
        classes = result["classes"]
        assert isinstance(classes, dict)
        rows.append(["mean classifier confidence", f"{classes['mean_confidence']:.3f}"])
        rows.append(["class coverage", f"{classes['coverage']:.2f}"])
        rows.append(["class-share total variation", f"{classes['total_variation']:.3f}"])
        if "label_agreement" in result:
            rows.append(["label agreement", f"{result['label_agreement']:.3f}"])
    mem = result["memorisation"]
    assert isinstance(mem, dict)
    rows.append(["NN distance ratio (synth/real)", f"{mem['distance_ratio']:.3f}"])
    rows.append(["likely copies", f"{mem['copies']} ({mem['copy_share']:.1%})"])
    pixels = result["pixels"]
    assert isinstance(pixels, dict)
    rows.append(["mean-image RMSE", f"{pixels['mean_image_rmse']:.4f}"])
    rows.append(["intensity histogram TV", f"{pixels['intensity_tv']:.4f}"])
    print_table("image metrics", ["metric", "value"], rows)
    verdict = result.get("verdict")
    if isinstance(verdict, dict):
        out.print(f"verdict: {verdict['verdict']}: {verdict['sentence']}")


@images_app.command(
    "fit-upscaler",
    epilog=(
        "Examples:\n\n  simulacra images fit-upscaler photos/ -o up.simulacra --scale 4\n\n"
        "  simulacra images fit-upscaler sample-colour -o up.simulacra --scale 2 --steps 2000"
    ),
)
def fit_upscaler(
    data: str = typer.Argument(..., help="High-resolution images: " + _SOURCE_HELP),
    output: Path = typer.Option(..., "-o", "--out", "--output", help="Model file to write."),
    scale: int | None = typer.Option(None, "--scale", help=option_help("scale", UPSCALER)),
    steps: int | None = typer.Option(None, "--steps", help=option_help("steps", UPSCALER)),
    holdout: float = typer.Option(
        0.1, "--holdout", help="Share of images kept out of training to compare with bicubic."
    ),
    threads: int | None = typer.Option(None, "--threads", help=option_help("threads", UPSCALER)),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
) -> None:
    """Train our own small super-resolution model on downscaled copies of the images, and
    report its PSNR/SSIM against bicubic on held-out images."""
    import numpy as np

    from .. import seeding
    from .._progress import is_quiet
    from ..errors import ParameterError
    from ..images import load_images
    from ..images.upscale import Upscaler, compare_with_bicubic

    check_output(output, [Path(data)], model=True)
    if not 0 <= holdout < 1:
        raise ParameterError(f"--holdout must lie in [0, 1), not {holdout}")
    with status(f"reading {data}"):
        images = load_images(data)
    order = seeding.rng(seed, "images", 7).permutation(len(images))
    n_test = int(round(len(images) * holdout)) if len(images) >= 10 else 0
    train, test = images.subset(np.sort(order[n_test:])), images.subset(np.sort(order[:n_test]))
    verbose = not is_quiet()
    model = Upscaler(threads=threads, seed=seed, verbose=verbose, **given(scale=scale, steps=steps))
    model.fit(train)
    with status(f"writing {output}"):
        model.save(output)
    out.print(
        f"fitted a x{model.scale} upscaler on {len(train):,} images in "
        f"{model.fit_info_['seconds']:.1f}s -> {output}"
    )
    if n_test:
        m = compare_with_bicubic(model, test)
        out.print(
            f"held-out {m['images']} images: PSNR {m['psnr_model']:.2f} dB (bicubic "
            f"{m['psnr_bicubic']:.2f}), SSIM {m['ssim_model']:.4f} "
            f"(bicubic {m['ssim_bicubic']:.4f})"
        )
        if m["psnr_model"] <= m["psnr_bicubic"]:
            out.print("warning: the upscaler does not beat bicubic here; train longer (--steps)")


@images_app.command(
    epilog=(
        "Examples:\n\n  simulacra images upscale small/ -o big/ --scale 4\n\n"
        "  simulacra images upscale small/ -o big/ --weights RealESRGAN_x4plus.pth\n\n"
        "  simulacra images upscale photo.png -o big/ --model up.simulacra"
    )
)
def upscale(
    source: Path = typer.Argument(..., help="A PNG file or a folder of PNG files."),
    output: Path = typer.Option(..., "-o", "--out", "--output", help="Folder for the PNGs."),
    scale: int | None = typer.Option(
        None,
        "--scale",
        help="Enlargement: 2 or 4 (default: the --model's or --weights' own, else 4).",
    ),
    weights: Path | None = typer.Option(
        None, "--weights", help="Real-ESRGAN RRDBNet weights (.pth or .safetensors)."
    ),
    model: Path | None = typer.Option(
        None, "--model", help="An upscaler written by `simulacra images fit-upscaler`."
    ),
    threads: int | None = typer.Option(
        None, "--threads", help="CPU threads for torch (default: 1)."
    ),
) -> None:
    """Enlarge PNG images (grayscale or RGB): Lanczos by default, or Real-ESRGAN weights, or
    our own trained upscaler. Outputs keep the input names and never overwrite an input."""
    from ..images.upscale_files import upscale_files

    written, used = upscale_files(
        source, output, scale=scale, weights=weights, model=model, threads=threads
    )
    out.print(f"wrote {len(written):,} images x{used} to {output}/")
