"""Super-resolution: Lanczos (PIL), Real-ESRGAN RRDB weights (`rrdb.py`), or our own small
upscaler trained on the images at hand, plus PSNR and SSIM to measure them.

`Upscaler` learns a residual over bicubic interpolation: the low-resolution image is enlarged
bicubically and a small network (a few residual blocks, then pixel shuffle) adds the detail
bicubic misses. Its last convolution starts at zero, so before training it *is* bicubic.
Training pairs are random crops of the given images, flipped and turned by a random multiple of
90 degrees, and their bicubic (antialiased) downscaled copies; the loss is L1. A share of the
images (`validation`) is kept out of training: the weights kept are those with the lowest
squared error on fixed crops of them, checked `checks` times, and the untrained network
(bicubic itself) is one of the candidates, so on those images the model is never worse than
bicubic. Saved like the other models (JSON + safetensors, no pickle).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Self

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from .. import seeding
from .._torch import load_module_state, module_state, seeded_torch
from ..errors import ModelFileError, NotFittedError, ParameterError
from ..model import LEARNING_RATE, SEED, THREADS, VERBOSE
from ..modelfile import read_model, write_model
from ..params import Declared, Interval, OneOf, Param
from ..training import Trainer
from .data import ImageSet

KIND = "upscaler"
SCALES = (2, 4)
_POSITIVE = Interval(1, None, integer=True)


def _channels_first(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(ImageSet(images).channels_first(), np.float32))


def _channels_last(tensor: torch.Tensor) -> np.ndarray:
    out = tensor.clamp(0, 1).float().cpu().numpy()
    return np.ascontiguousarray(out[:, 0] if out.shape[1] == 1 else out.transpose(0, 2, 3, 1))


def bicubic(images: np.ndarray, scale: float) -> np.ndarray:
    """Bicubic resize of `(n, h, w[, c])` images in [0, 1] by `scale` (antialiased when
    shrinking), clipped to [0, 1]."""
    x = _channels_first(images)
    out = functional.interpolate(
        x, scale_factor=scale, mode="bicubic", align_corners=False, antialias=scale < 1
    )
    return _channels_last(out)


def lanczos(image: np.ndarray, scale: int) -> np.ndarray:
    """One `(h, w[, 3])` image in [0, 1] enlarged `scale` times with PIL's Lanczos filter."""
    from PIL import Image

    pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    picture = Image.fromarray(pixels, mode="L" if pixels.ndim == 2 else "RGB")
    size = (picture.width * scale, picture.height * scale)
    return np.asarray(picture.resize(size, Image.Resampling.LANCZOS), np.float32) / 255.0


def psnr(reference: np.ndarray, image: np.ndarray) -> float:
    """Peak signal-to-noise ratio of images in [0, 1]: 10 log10(1 / MSE) dB; higher is better,
    infinite for identical images."""
    mse = float(np.mean((np.asarray(reference, np.float64) - image) ** 2))
    return float("inf") if mse == 0 else 10.0 * float(np.log10(1.0 / mse))


def ssim(reference: np.ndarray, image: np.ndarray, sigma: float = 1.5) -> float:
    """Mean structural similarity (Wang et al. 2004) of two `(h, w[, c])` images in [0, 1],
    with a Gaussian window (sigma 1.5, 11 pixels wide), per channel:

    SSIM = ((2 m_x m_y + C1)(2 s_xy + C2)) / ((m_x^2 + m_y^2 + C1)(s_x^2 + s_y^2 + C2)),
    C1 = 0.01^2, C2 = 0.03^2; range [-1, 1], 1 when identical.
    """
    from scipy.ndimage import gaussian_filter

    x, y = np.asarray(reference, np.float64), np.asarray(image, np.float64)
    sigmas = (sigma, sigma, 0.0)[: x.ndim]  # never blur across channels

    def blur(a: np.ndarray) -> np.ndarray:
        return gaussian_filter(a, sigmas, truncate=3.5, mode="reflect")

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    index = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(index.mean())


class _ResidualBlock(nn.Module):
    def __init__(self, features: int):
        super().__init__()
        self.conv1 = nn.Conv2d(features, features, 3, padding=1)
        self.conv2 = nn.Conv2d(features, features, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(functional.relu(self.conv1(x)))


class UpscaleNet(nn.Module):
    """conv -> residual blocks -> conv (+ skip) -> (conv, pixel shuffle x2) per factor 2 ->
    conv to the image, added to the bicubic enlargement."""

    def __init__(self, channels: int, scale: int, features: int = 32, blocks: int = 4):
        super().__init__()
        self.scale = scale
        self.head = nn.Conv2d(channels, features, 3, padding=1)
        self.body = nn.Sequential(*(_ResidualBlock(features) for _ in range(blocks)))
        self.body_out = nn.Conv2d(features, features, 3, padding=1)
        ups: list[nn.Module] = []
        for _ in range({2: 1, 4: 2}[scale]):
            ups += [nn.Conv2d(features, 4 * features, 3, padding=1), nn.PixelShuffle(2), nn.ReLU()]
        self.up = nn.Sequential(*ups)
        self.tail = nn.Conv2d(features, channels, 3, padding=1)
        for parameter in self.tail.parameters():
            nn.init.zeros_(parameter)

    def forward(self, low: torch.Tensor) -> torch.Tensor:
        feat = self.head(low)
        feat = feat + self.body_out(self.body(feat))
        base = functional.interpolate(
            low, scale_factor=float(self.scale), mode="bicubic", align_corners=False
        )
        return base + self.tail(self.up(feat))


class Upscaler(Declared):
    """Our own super-resolution model: `Upscaler(scale=4).fit(images).upscale(pixels)`."""

    name = "upscaler"
    scale = Param(4, OneOf(SCALES), "enlargement, 2 or 4")
    features = Param(32, _POSITIVE, "channels of the residual blocks")
    blocks = Param(4, _POSITIVE, "residual blocks")
    steps = Param(1000, _POSITIVE, "training steps, each on a batch of crops")
    batch_size = Param(16, _POSITIVE, "crops in a training step")
    patch = Param(32, _POSITIVE, "side of the high-resolution crops (a multiple of scale)")
    learning_rate = LEARNING_RATE
    validation = Param(
        0.1, Interval(0, 1, high_open=True), "share of images that choose the weights kept"
    )
    checks = Param(10, _POSITIVE, "times the held-out error is measured")
    threads = THREADS
    seed = SEED
    verbose = VERBOSE

    def _check_params(self) -> None:
        super()._check_params()
        if self.patch % self.scale:
            raise ParameterError(
                f"{self.name}: patch must be a multiple of scale {self.scale}, not {self.patch}"
            )

    def fit(self, data: ImageSet) -> Self:
        """Learn to undo a bicubic `scale`x downscale of crops of `data`'s images."""
        self._check_params()
        patch = min(self.patch, *data.shape) // self.scale * self.scale
        if patch < self.scale * 2:
            raise ParameterError(
                f"images of {data.shape} are too small to train a x{self.scale} "
                "upscaler (need sides of at least twice the scale)"
            )
        started = time.perf_counter()
        self.channels_ = data.channels
        gen = torch.Generator().manual_seed(seeding.integer(self.seed, "torch", 2))
        high, held = _split(_channels_first(data.images), self.validation, gen)
        checks = _low_high(_random_crops(held, VALIDATION_CROPS, patch, gen), self.scale)
        every = max(1, self.steps // self.checks)
        losses: list[float] = []
        with seeded_torch(seeding.integer(self.seed, "torch", 0), self.threads):
            self.net_ = UpscaleNet(self.channels_, self.scale, self.features, self.blocks)
            best = (_squared_error(self.net_, checks), 0, module_state(self.net_))
            bicubic_error = best[0]
            optimizer = torch.optim.Adam(self.net_.parameters(), lr=self.learning_rate)
            schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, self.steps)

            def step(k: int) -> dict[str, float]:
                nonlocal best
                crops = _turned(_random_crops(high, self.batch_size, patch, gen), gen)
                low, target = _low_high(crops, self.scale)
                loss = functional.l1_loss(self.net_(low), target)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                losses.append(float(loss.detach()))
                if (k + 1) % every == 0 or k + 1 == self.steps:
                    error = _squared_error(self.net_, checks)
                    if error < best[0]:
                        best = (error, k + 1, module_state(self.net_))
                return {"L1": losses[-1]}

            trainer = Trainer("upscaler", self.steps, verbose=self.verbose, loss_format="{:.4f}")
            trainer.run(step)  # one round is one step; inside the seeded state opened above
            load_module_state(self.net_, best[2])
        self.net_.eval()
        self.fit_info_ = {
            "images": len(high),
            "validation_images": len(held),
            "patch": patch,
            "final_l1": float(np.mean(losses[-50:])),
            "best_step": best[1],
            "validation_psnr": _decibels(best[0]),
            "validation_psnr_bicubic": _decibels(bicubic_error),
            "seconds": round(time.perf_counter() - started, 3),
        }
        return self

    def upscale(self, images: np.ndarray) -> np.ndarray:
        """`(n, h, w[, c])` images in [0, 1], `scale` times larger, with their own channels: a
        grayscale model enlarges each colour channel alone, a colour model a grey image as
        three equal channels."""
        if not hasattr(self, "net_"):
            raise NotFittedError("this upscaler is not fitted yet; call fit first")
        x = _channels_first(images)
        n, c, h, w = x.shape
        if c != self.channels_:
            x = x.reshape(n * c, 1, h, w) if self.channels_ == 1 else x.expand(-1, 3, -1, -1)
        with torch.inference_mode(), seeded_torch(0, self.threads):
            y = torch.cat([self.net_(part) for part in x.split(16)])
        if c != self.channels_:
            y = y.reshape(n, c, *y.shape[2:]) if self.channels_ == 1 else y.mean(1, keepdim=True)
        return _channels_last(y)

    def save(self, path: str | Path) -> Path:
        if not hasattr(self, "net_"):
            raise NotFittedError("this upscaler is not fitted yet; call fit first")
        manifest = {"kind": KIND, "model": "residual", "params": self.get_params()}
        state = {
            "weights": module_state(self.net_),
            "channels": self.channels_,
            "fit_info": self.fit_info_,
        }
        return write_model(path, manifest, state)

    @classmethod
    def load(cls, path: str | Path) -> Upscaler:
        """An upscaler written by `save`; any other file is a ModelFileError naming it."""
        manifest, state = read_model(path)
        if manifest.get("kind") != KIND:
            raise ModelFileError(
                f"{path}: a {manifest.get('kind')} model, not an upscaler "
                "(write one with `simulacra images fit-upscaler`)"
            )
        try:
            model = cls(**{**manifest["params"], "verbose": False})
            model._check_params()
            model.channels_ = int(state["channels"])
            model.fit_info_ = dict(state["fit_info"])
            model.net_ = UpscaleNet(model.channels_, model.scale, model.features, model.blocks)
            load_module_state(model.net_, state["weights"])
        except (TypeError, KeyError, ValueError, ParameterError) as exc:
            raise ModelFileError(f"{path}: a damaged upscaler file ({exc})") from exc
        model.net_.eval()
        return model


VALIDATION_CROPS = 64  # fixed crops of the validation images that pick the weights kept


def _split(
    images: torch.Tensor, share: float, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(training, validation) images: `share` of them (at least one, when there are ten or
    more) for validation; with fewer, or share 0, the training images validate too."""
    count = int(round(len(images) * share)) if len(images) >= 10 else 0
    if count == 0:
        return images, images
    order = torch.randperm(len(images), generator=gen)
    return images[order[count:]], images[order[:count]]


def _low_high(crops: torch.Tensor, scale: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(the bicubic downscaled copy in [0, 1], the crops): one training pair."""
    low = functional.interpolate(crops, scale_factor=1 / scale, mode="bicubic", antialias=True)
    return low.clamp(0, 1), crops


def _turned(crops: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """The square crops under one random flip and quarter turn (of the eight), so the network
    sees eight times as many distinct patches."""
    flip, turns = (
        torch.randint(0, 2, (1,), generator=gen).item(),
        torch.randint(0, 4, (1,), generator=gen).item(),
    )
    crops = crops.flip(3) if flip else crops
    return torch.rot90(crops, int(turns), dims=(2, 3))


@torch.no_grad()
def _squared_error(net: UpscaleNet, pair: tuple[torch.Tensor, torch.Tensor]) -> float:
    """Mean squared error of the clipped enlargement of `pair`'s low images."""
    net.eval()
    low, high = pair
    error = float(torch.mean((net(low).clamp(0, 1) - high) ** 2))
    net.train()
    return error


def _decibels(mse: float) -> float:
    return float("inf") if mse == 0 else round(10.0 * float(np.log10(1.0 / mse)), 3)


def _random_crops(
    images: torch.Tensor, count: int, side: int, gen: torch.Generator
) -> torch.Tensor:
    pick = torch.randint(0, len(images), (count,), generator=gen)
    top = torch.randint(0, images.shape[2] - side + 1, (count,), generator=gen)
    left = torch.randint(0, images.shape[3] - side + 1, (count,), generator=gen)
    return torch.stack(
        [
            images[i, :, t : t + side, s : s + side]
            for i, t, s in zip(pick.tolist(), top.tolist(), left.tolist(), strict=True)
        ]
    )


def compare_with_bicubic(model: Upscaler, held_out: ImageSet) -> dict[str, float]:
    """Downscale held-out images by the model's scale, enlarge them back with the model and with
    bicubic, and report mean PSNR (dB) and SSIM of each against the originals."""
    side = [s // model.scale * model.scale for s in held_out.shape]
    high = held_out.images[:, : side[0], : side[1]]
    low = bicubic(high, 1 / model.scale)
    ours, cubic = model.upscale(low), bicubic(low, model.scale)
    return {
        "images": len(high),
        "psnr_model": float(np.mean([psnr(h, o) for h, o in zip(high, ours, strict=True)])),
        "psnr_bicubic": float(np.mean([psnr(h, c) for h, c in zip(high, cubic, strict=True)])),
        "ssim_model": float(np.mean([ssim(h, o) for h, o in zip(high, ours, strict=True)])),
        "ssim_bicubic": float(np.mean([ssim(h, c) for h, c in zip(high, cubic, strict=True)])),
    }
