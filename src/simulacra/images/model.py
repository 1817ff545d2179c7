"""`ImageSynthesizer`: the family of image models (VAE, conv VAE, GAN) on the shared `Model` stack.

    syn = ImageSynthesizer("vae", conditional=True, seed=0).fit(load_images("digits"))
    syn.sample(100, label="7", seed=1)        # an ImageSet; `label` needs conditional=True
    syn.save("digits.simulacra"); ImageSynthesizer.load("digits.simulacra")

This class holds what every image model shares: checking the data, the epoch loop with
progress and loss history, seeding, sampling in chunks, the fitted state and `describe`. The
registered models (`models.py`) build their network in `_build_network`, train it in
`_training` and generate images in `_generate`.

Seeds: training draws from the model seed's "torch" streams (see `streams.py`); `sample` with
a seed draws call 0 of that seed, without one call 1, 2, ... of the model's seed, like tables.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import numpy as np
import torch
from torch import nn

from .. import seeding
from .._torch import (
    load_module_state,
    module_state,
    resolve_device,
    seeded_torch,
    torch_generator,
)
from ..errors import DataError, ParameterError
from ..model import DEVICE, EPOCHS, LEARNING_RATE, THREADS, Model
from ..params import Interval, Kind, Param
from ..training import Trainer
from .data import MAX_PIXELS, ImageSet
from .signals import training_warnings
from .streams import BATCH_ORDER, NOISE, WEIGHTS
from .train import TrainingSet

SAMPLE_CHUNK = 4096
SPREAD_PROBE = 32  # samples drawn after fitting to check that they differ
SPREAD_PROBE_SEED = 2**31 - 1
_POSITIVE = Interval(1, None, integer=True)


def default_batch_size(n: int) -> int:
    """128 (the seed's), or smaller for small sets so an epoch has about 50 steps (at least 16)."""
    return max(16, min(128, n // 50))


class ImageSynthesizer(Model):
    """Base of every image model; `ImageSynthesizer(name, **params)` builds one by name."""

    kind = "images"
    _family = True
    tags = frozenset({"conditions", "gpu"})
    epochs = EPOCHS.replace(default=30)
    batch_size = Param[int | None](
        None,
        Interval(1, None, integer=True, optional=True),
        "images in a training step",
        "128, fewer on small sets",
    )
    learning_rate = LEARNING_RATE
    latent_dim = Param(20, _POSITIVE, "size of the latent code")
    conditional = Param(False, Kind(bool), "learn p(image | class), to sample a class asked for")
    device = DEVICE
    threads = THREADS

    net_: nn.Module
    device_: torch.device
    image_shape_: tuple[int, int]
    channels_: int
    classes_: list[str]
    history_: dict[str, list[float]]
    fit_info_: dict[str, Any]

    # what each model provides ----------------------------------------------------------------
    def _build_network(self) -> nn.Module:
        """The untrained network for `image_shape_` and `classes_`."""
        raise NotImplementedError

    def _training(self, data: TrainingSet) -> Iterator[dict[str, float]]:
        """Train `net_` for `epochs` epochs, yielding each epoch's mean losses."""
        raise NotImplementedError

    def _generate(self, z: torch.Tensor, onehot: torch.Tensor | None, start: int) -> torch.Tensor:
        """Images `(n, channels, h, w)` in [0, 1] from latent codes; `start` is the first one's
        index in the whole sample."""
        raise NotImplementedError

    def _codes(self, count: int, generator: torch.Generator) -> torch.Tensor:
        """The random input of `_generate` for `count` images: standard normal latent codes."""
        return torch.randn((count, self.latent_dim), generator=generator, device=self.device_)

    def _check_data(self, data: ImageSet, batch_size: int) -> None:
        """Raise when the model cannot learn `data` in batches of `batch_size`."""
        return None

    # fitting -----------------------------------------------------------------------------
    def fit(self, data: ImageSet) -> Self:
        """Train on `data`; conditional models need labels. Returns self."""
        self._check_params()
        if not isinstance(data, ImageSet):
            raise DataError(f"fit needs an ImageSet (see load_images), not {type(data).__name__}")
        if self.conditional and data.labels is None:
            raise ParameterError(
                f"{self.name}: conditional=True needs labelled images (class folders)"
            )
        batch_size = self.batch_size or default_batch_size(len(data))
        self._check_data(data, batch_size)
        vars(self).pop("fit_info_", None)  # not fitted until training ends
        started = time.perf_counter()
        self.device_ = resolve_device(self.device)
        self.image_shape_ = data.shape
        self.channels_ = data.channels
        self.classes_ = list(data.classes) if self.conditional else []
        with seeded_torch(seeding.integer(self.seed, "torch", WEIGHTS), self.threads):
            self.net_ = self._build_network().to(self.device_)
            training = self._training_set(data, batch_size)
            self.history_, epoch_seconds = self._train(training)
        self.net_.eval()
        self.fit_info_ = {
            "images": len(data),
            "epochs": len(epoch_seconds),
            "batch_size": batch_size,
            "seconds": round(time.perf_counter() - started, 3),
            "epoch_seconds": epoch_seconds,
            "device": str(self.device_),
        }
        self._calls = 0
        # a fixed seed far from users' own: checking does not move the unseeded sample stream
        probe = self.sample(SPREAD_PROBE, seed=SPREAD_PROBE_SEED).images
        self.fit_info_["warnings"] = training_warnings(self.history_, probe)
        return self

    def _training_set(self, data: ImageSet, batch_size: int) -> TrainingSet:
        """The images on the device, with the batch order and noise streams of the seed."""
        pixels = np.ascontiguousarray(data.channels_first(), dtype=np.float32)
        order = torch.Generator().manual_seed(seeding.integer(self.seed, "torch", BATCH_ORDER))
        noise = torch.Generator(device=self.device_)
        noise.manual_seed(seeding.integer(self.seed, "torch", NOISE))
        return TrainingSet(
            images=torch.from_numpy(pixels).to(self.device_),
            onehot=self._onehot(data.labels) if self.conditional else None,
            batch_size=batch_size,
            order=order,
            noise=noise,
        )

    def _train(self, data: TrainingSet) -> tuple[dict[str, list[float]], list[float]]:
        """The epoch loop (`training.Trainer`, inside the seeded state `fit` opened): per-epoch
        losses and seconds."""
        self.net_.train()
        trainer = Trainer(self.name, self.epochs, verbose=self.verbose, loss_format="{:.3f}")
        history = trainer.run_each(self._training(data))
        return history.losses, [round(s, 4) for s in history.seconds]

    def _onehot(self, labels: np.ndarray | None) -> torch.Tensor:
        assert labels is not None
        index = torch.from_numpy(np.asarray(labels, dtype=np.int64)).to(self.device_)
        return nn.functional.one_hot(index, len(self.classes_)).float()

    def _is_fitted(self) -> bool:
        return hasattr(self, "fit_info_")

    # sampling ----------------------------------------------------------------------------
    def sample(
        self, n: int, *, label: str | int | None = None, seed: int | None = None
    ) -> ImageSet:
        """`n` new images. A conditional model makes every class in equal contiguous blocks, or
        only `label` (a class name, or its index) when given.

        The same `seed` gives the same images; without one, each call draws new images from a
        stream fixed by the model's own seed.
        """
        self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise DataError(f"number of images must be a positive integer, not {n!r}")
        height, width = self.image_shape_
        if int(n) * height * width * self.channels_ > MAX_PIXELS:
            most = MAX_PIXELS // (height * width * self.channels_)
            raise DataError(
                f"{int(n):,} images of {height} x {width} are more than the limit of "
                f"{MAX_PIXELS:,} pixels in one sample (at most {most:,} images); sample in "
                "several calls with different seeds"
            )
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0
        ):
            raise ParameterError(f"{self.name}: seed must be a non-negative integer, not {seed!r}")
        labels = self._sample_labels(int(n), label)
        key, call = (int(seed), 0) if seed is not None else (self.seed, self._next_call())
        parts = []
        # threads as in training; the global generator is seeded only so that nothing here can
        # depend on outside state (the codes come from the chunk's own generator)
        with (
            torch.inference_mode(),
            seeded_torch(seeding.integer(key, "sample", call), self.threads),
        ):
            for chunk, start in enumerate(range(0, int(n), SAMPLE_CHUNK)):
                count = min(SAMPLE_CHUNK, int(n) - start)
                generator = torch_generator(seeding.rng(key, "sample", call, chunk), self.device_)
                z = self._codes(count, generator)
                cls = None if labels is None else self._onehot(labels[start : start + count])
                parts.append(self._generate(z, cls, start).float().cpu())
        images = torch.cat(parts).numpy()
        images = images[:, 0] if self.channels_ == 1 else images.transpose(0, 2, 3, 1)
        return ImageSet(np.ascontiguousarray(images, dtype=np.float32), labels, list(self.classes_))

    def _next_call(self) -> int:
        self._calls = getattr(self, "_calls", 0) + 1
        return self._calls

    def _sample_labels(self, n: int, label: str | int | None) -> np.ndarray | None:
        if not self.classes_:
            if label is not None:
                raise ParameterError(
                    "label: this model was fitted without classes; fit it with conditional=True"
                )
            return None
        if label is None:
            return (np.arange(n) * len(self.classes_) // n).astype(np.int64)
        if str(label) in self.classes_:
            index = self.classes_.index(str(label))
        elif isinstance(label, int) and 0 <= label < len(self.classes_):
            index = label
        else:
            raise ParameterError(f"label must be one of {', '.join(self.classes_)}, not {label!r}")
        return np.full(n, index, dtype=np.int64)

    # state -------------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        return {
            "weights": module_state(self.net_),
            "image_shape": list(self.image_shape_),
            "channels": self.channels_,
            "classes": list(self.classes_),
            "history": self.history_,
            "fit_info": self.fit_info_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self.device_ = resolve_device(self.device)
        height, width = state["image_shape"]
        self.image_shape_ = (int(height), int(width))
        self.channels_ = int(state.get("channels", 1))  # files before colour were grayscale
        self.classes_ = [str(c) for c in state["classes"]]
        self.history_ = {str(k): [float(x) for x in v] for k, v in state["history"].items()}
        fit_info = state["fit_info"]
        if not isinstance(fit_info, dict):
            raise ValueError("fit_info is not a mapping")
        # building draws initial weights: keep that off the caller's global generator
        with seeded_torch(seeding.integer(self.seed, "torch", WEIGHTS), self.threads):
            net = self._build_network()
        load_module_state(net, state["weights"])
        self.net_ = net.to(self.device_).eval()
        self.fit_info_ = dict(fit_info)
        self._calls = 0

    @classmethod
    def load(cls, path: str | Path, *, device: str = "auto", **params: Any) -> ImageSynthesizer:
        """Read an image model written by `save`, on `device` (`params` override other saved
        parameters). A table model file, a file from a newer simulacra or a damaged one gives
        a ModelFileError naming the file."""
        model: ImageSynthesizer = super().load(path, device=device, **params)
        return model

    def describe(self) -> dict[str, Any]:
        """What was learned: parameters, image shape, classes, network sizes, training."""
        self._check_fitted()
        seconds = self.fit_info_.get("epoch_seconds") or []
        return {
            "kind": self.kind,
            "model": self.name,
            "params": self.get_params(),
            "image_shape": list(self.image_shape_),
            "channels": self.channels_,
            "classes": list(self.classes_),
            "parameters": {
                name: int(sum(p.numel() for p in part.parameters()))
                for name, part in self.net_.named_children()
            },
            "epochs_trained": max((len(v) for v in self.history_.values()), default=0),
            "final_losses": {k: v[-1] for k, v in self.history_.items() if v},
            "seconds_per_epoch": round(statistics.median(seconds), 4) if seconds else None,
            "device": str(self.device_),
            "warnings": list(self.fit_info_.get("warnings", [])),
            "fit": self.fit_info_,
        }
