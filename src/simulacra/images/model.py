"""`ImageSynthesizer`: learn a set of grayscale images with a VAE, conv VAE or GAN; sample new ones.

    syn = ImageSynthesizer(model="vae", seed=0).fit(load_images("digits"))
    syn.sample(100, label="7", seed=1)        # an ImageSet; `label` needs conditional=True
    syn.save("digits.simulacra"); ImageSynthesizer.load("digits.simulacra")

The model file is a zip of JSON (parameters, shape, classes, loss history) and the network
weights as safetensors, written by `simulacra.synthesizers.modelfile`. No pickle.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from ..errors import ModelFileError, NotFittedError, ParameterError
from ..synthesizers.modelfile import read_model, write_model
from ..synthesizers.params import Constraint, Interval, Kind, OneOf, check_params
from .data import ImageSet
from .nets import GAN, MLPVAE, ConvVAE
from .train import torch_threads, train_gan, train_vae

MODELS = ("vae", "convvae", "gan")
KIND = "images"
_DEFAULT_EPOCHS = {"vae": 50, "convvae": 30, "gan": 30}
_DEFAULT_RATE = {"vae": 1e-3, "convvae": 1e-3, "gan": 2e-4}
_SAMPLE_CHUNK = 4096


def resolve_device(device: str) -> torch.device:
    """`auto` is CUDA when available, else CPU; any other name is passed to torch."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except RuntimeError as exc:
        raise ParameterError(f"device must be auto, cpu or cuda[:n], not {device!r}") from exc


def default_batch_size(n: int) -> int:
    """128 (the seed's), or smaller for small sets so an epoch has about 50 steps (at least 16)."""
    return max(16, min(128, n // 50))


@contextmanager
def _seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch's global generator for weight initialisation, restoring it afterwards."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class ImageSynthesizer:
    """A generative model of grayscale images (VAE as in the seed framework, conv VAE, or GAN)."""

    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "model": OneOf(MODELS),
        "epochs": Interval(1, None, integer=True),
        "batch_size": Interval(1, None, integer=True),
        "threads": Interval(1, None, integer=True),
        "learning_rate": Interval(0, None),
        "latent_dim": Interval(1, None, integer=True),
        "step_size": Interval(1, None, integer=True),
        "gamma": Interval(0, 1),
        "conditional": Kind(bool),
        "n_generators": Interval(1, 16, integer=True),
        "device": Kind(str),
        "seed": Interval(0, None, integer=True),
        "verbose": Kind(bool),
    }

    def __init__(
        self,
        *,
        model: str = "vae",
        epochs: int | None = None,
        batch_size: int | None = None,
        learning_rate: float | None = None,
        latent_dim: int = 20,
        hidden: tuple[int, ...] = (512, 256, 128),
        step_size: int = 10,
        gamma: float = 0.5,
        conditional: bool = False,
        n_generators: int = 1,
        device: str = "auto",
        threads: int | None = None,
        seed: int = 0,
        verbose: bool = True,
    ):
        self.model = model
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.step_size = step_size
        self.gamma = gamma
        self.conditional = conditional
        self.n_generators = n_generators
        self.device = device
        self.threads = threads
        self.seed = seed
        self.verbose = verbose

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters, as given."""
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    def _check_params(self) -> None:
        params = {k: v for k, v in self.get_params().items() if v is not None}
        check_params("images", params, self._parameter_constraints)
        if not self.hidden or not all(isinstance(h, int) and h > 0 for h in self.hidden):
            raise ParameterError(f"images: hidden must be positive integers, not {self.hidden!r}")
        if self.n_generators > 1 and self.model != "gan":
            raise ParameterError("images: n_generators > 1 needs model='gan'")

    # fitting ----------------------------------------------------------------------------
    def fit(self, data: ImageSet) -> ImageSynthesizer:
        """Train on `data`; conditional models need labels. Returns self."""
        self._check_params()
        if self.conditional and data.labels is None:
            raise ParameterError("images: conditional=True needs labelled images (class folders)")
        self.device_ = resolve_device(self.device)
        self.image_shape_ = data.shape
        self.classes_ = list(data.classes) if self.conditional else []
        started = time.perf_counter()
        images = torch.from_numpy(np.ascontiguousarray(data.images, dtype=np.float32))
        images = images[:, None].to(self.device_)
        onehot = self._onehot(data.labels) if self.conditional else None
        order = torch.Generator().manual_seed(self.seed)
        noise = torch.Generator(device=self.device_).manual_seed(self.seed + 1)
        epochs = self.epochs or _DEFAULT_EPOCHS[self.model]
        rate = self.learning_rate or _DEFAULT_RATE[self.model]
        with _seeded(self.seed, self.device_):
            self.net_ = self._build().to(self.device_)
        batch_size = self.batch_size or default_batch_size(len(data))
        common = {"epochs": epochs, "batch_size": batch_size, "learning_rate": rate}
        with torch_threads(self.threads):
            self.history_ = self._train(images, onehot, common, order, noise)
        self.fit_info_ = {
            "images": len(data),
            "epochs": epochs,
            "batch_size": batch_size,
            "seconds": round(time.perf_counter() - started, 3),
            "device": str(self.device_),
        }
        return self

    def _train(
        self,
        images: torch.Tensor,
        onehot: torch.Tensor | None,
        common: dict[str, Any],
        order: torch.Generator,
        noise: torch.Generator,
    ) -> dict[str, list[float]]:
        if isinstance(self.net_, GAN):
            return train_gan(
                self.net_, images, onehot, **common, order=order, noise=noise, verbose=self.verbose
            )
        assert isinstance(self.net_, MLPVAE | ConvVAE)
        return train_vae(
            self.net_, images, onehot, **common, step_size=self.step_size, gamma=self.gamma,
            order=order, noise=noise, verbose=self.verbose,
        )  # fmt: skip

    def _build(self) -> nn.Module:
        n_classes = len(self.classes_)
        if self.model == "vae":
            return MLPVAE(self.image_shape_, tuple(self.hidden), self.latent_dim, n_classes)
        if self.model == "convvae":
            return ConvVAE(self.image_shape_, self.latent_dim, n_classes)
        return GAN(self.image_shape_, self.latent_dim, n_classes, self.n_generators)

    def _onehot(self, labels: np.ndarray | None) -> torch.Tensor:
        assert labels is not None
        index = torch.from_numpy(np.asarray(labels, dtype=np.int64)).to(self.device_)
        return nn.functional.one_hot(index, len(self.classes_)).float()

    # sampling ---------------------------------------------------------------------------
    def sample(self, n: int, *, label: str | int | None = None, seed: int = 0) -> ImageSet:
        """`n` new images; same seed, same images. A conditional model makes every class in equal
        contiguous blocks, or only `label` (a class name, or its index) when given."""
        self._check_fitted()
        if not isinstance(n, int) or n < 1:
            raise ParameterError(f"n must be a positive integer, not {n!r}")
        labels = self._sample_labels(n, label)
        noise = torch.Generator(device=self.device_).manual_seed(seed)
        out = []
        with torch.no_grad(), torch_threads(self.threads):
            for start in range(0, n, _SAMPLE_CHUNK):
                count = min(_SAMPLE_CHUNK, n - start)
                z = torch.randn((count, self.latent_dim), generator=noise, device=self.device_)
                cls = None if labels is None else self._onehot(labels[start : start + count])
                out.append(self._decode(z, cls, start).cpu())
        images = torch.cat(out)[:, 0].numpy().astype(np.float32)
        return ImageSet(images, labels, list(self.classes_))

    def _decode(self, z: torch.Tensor, cls: torch.Tensor | None, start: int) -> torch.Tensor:
        if isinstance(self.net_, GAN):
            k = len(self.net_.generators)
            which = (torch.arange(len(z)) + start) % k
            result = torch.empty((len(z), 1, *self.image_shape_), device=z.device)
            for j in range(k):
                rows = (which == j).nonzero().squeeze(1).to(z.device)
                if len(rows):
                    part = None if cls is None else cls[rows]
                    result[rows] = self.net_.generators[j](z[rows], part)
            return result
        assert isinstance(self.net_, MLPVAE | ConvVAE)
        return self.net_.decode(z, cls)

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

    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise NotFittedError("this image model is not fitted yet: call fit first")

    # files ------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the model file (JSON + safetensors weights) atomically."""
        self._check_fitted()
        params = {**self.get_params(), "hidden": list(self.hidden)}
        manifest = {
            "kind": KIND,
            "model": self.model,
            "params": params,
            "image_shape": list(self.image_shape_),
            "classes": self.classes_,
            "history": self.history_,
            "fit_info": self.fit_info_,
        }
        weights = {k: v.detach().cpu().numpy() for k, v in self.net_.state_dict().items()}
        return write_model(path, manifest, {"weights": weights})

    @classmethod
    def load(cls, path: str | Path, *, device: str = "auto") -> ImageSynthesizer:
        """Read a model written by `save`; a table model or a damaged file is a ModelFileError."""
        manifest, state = read_model(path)
        if manifest.get("kind") != KIND:
            raise ModelFileError(f"{path}: not an image model (use `simulacra sample` for tables)")
        try:
            params = {**manifest["params"], "device": device}
            params["hidden"] = tuple(params["hidden"])
            self = cls(**params)
            self._check_params()
            self.device_ = resolve_device(device)
            self.image_shape_ = (int(manifest["image_shape"][0]), int(manifest["image_shape"][1]))
            self.classes_ = [str(c) for c in manifest["classes"]]
            self.history_ = manifest["history"]
            self.fit_info_ = manifest["fit_info"]
            net = self._build()
            weights = {k: torch.from_numpy(np.array(v)) for k, v in state["weights"].items()}
            net.load_state_dict(weights, strict=True)
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise ModelFileError(
                f"{path}: the image model is incomplete or damaged ({exc})"
            ) from exc
        self.net_ = net.to(self.device_).eval()
        return self
