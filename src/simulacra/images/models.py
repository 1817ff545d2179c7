"""The registered image models: `ImageVAE` ("vae"), `ConvImageVAE` ("convvae"), `ImageGAN` ("gan").

Each builds its own network (`nets.py`) and trains it one epoch at a time (`train.py`); fitting,
sampling, seeds, files and `describe` are `ImageSynthesizer`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch

from ..errors import DataError, ParameterError
from ..params import Interval, Kind, Param
from .data import ImageSet
from .model import ImageSynthesizer
from .nets import GAN, MLPVAE, ConvVAE, check_conv_shape
from .train import TrainingSet, gan_epoch, vae_epoch

_POSITIVE = Interval(1, None, integer=True)


class _VariationalImageModel(ImageSynthesizer):
    """What both VAEs share: Adam with StepLR(step_size, gamma) on BCE + KL; decoding prior
    draws. Not registered itself."""

    step_size = Param(10, _POSITIVE, "epochs between learning-rate cuts (StepLR)")
    gamma = Param(0.5, Interval(0, 1), "factor of each learning-rate cut")
    net_: MLPVAE | ConvVAE

    def _training(self, data: TrainingSet) -> Iterator[dict[str, float]]:
        optimizer = torch.optim.Adam(self.net_.parameters(), lr=self.learning_rate)
        scheduler = torch.optim.lr_scheduler.StepLR(
            optimizer, step_size=self.step_size, gamma=self.gamma
        )
        for _ in range(self.epochs):
            losses = vae_epoch(self.net_, optimizer, data)
            scheduler.step()
            yield losses

    def _generate(self, z: torch.Tensor, onehot: torch.Tensor | None, start: int) -> torch.Tensor:
        return self.net_.decode(z, onehot)


class ImageVAE(_VariationalImageModel):
    """The seed framework's VAE: an MLP encoder (784-512-256-128 on MNIST) to a Gaussian latent
    code, a mirrored decoder with a sigmoid output."""

    name = "vae"
    epochs = ImageSynthesizer.epochs.replace(default=50)
    hidden = Param[tuple[int, ...] | list[int]](
        (512, 256, 128), Kind((list, tuple)), "widths of the encoder's layers (mirrored)"
    )

    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        return {
            "epochs": [25, 50, 100],
            "batch_size": [64, 128, 256],
            "learning_rate": [5e-4, 1e-3, 2e-3],
            "latent_dim": [10, 20, 40],
            "hidden": [[512, 256, 128], [256, 128], [1024, 512]],
            "step_size": [10, 20],
            "gamma": [0.5, 0.8],
        }

    def _check_params(self) -> None:
        super()._check_params()
        if not self.hidden or not all(
            isinstance(h, int) and not isinstance(h, bool) and h > 0 for h in self.hidden
        ):
            raise ParameterError(
                f"{self.name}: hidden must be positive layer widths, not {self.hidden!r}"
            )

    def _build_network(self) -> MLPVAE:
        shape, classes = self.image_shape_, len(self.classes_)
        return MLPVAE(shape, tuple(self.hidden), self.latent_dim, classes, self.channels_)


class ConvImageVAE(_VariationalImageModel):
    """A convolutional VAE: two stride-2 convolutions down, two transposed convolutions up
    (image sides must be multiples of 4)."""

    name = "convvae"

    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        return {
            "epochs": [15, 30, 60],
            "batch_size": [64, 128, 256],
            "learning_rate": [5e-4, 1e-3, 2e-3],
            "latent_dim": [10, 20, 40],
            "step_size": [10, 20],
            "gamma": [0.5, 0.8],
        }

    def _check_data(self, data: ImageSet, batch_size: int) -> None:
        check_conv_shape(data.shape)

    def _build_network(self) -> ConvVAE:
        return ConvVAE(
            self.image_shape_, self.latent_dim, len(self.classes_), channels=self.channels_
        )


class ImageGAN(ImageSynthesizer):
    """A DCGAN, or several generators sharing one discriminator (`n_generators`: the
    discriminator must reject fakes from all of them, which fights mode collapse). Image
    sides must be multiples of 4."""

    name = "gan"
    learning_rate = ImageSynthesizer.learning_rate.replace(default=2e-4)
    n_generators = Param(
        1, Interval(1, 16, integer=True), "generators sharing one discriminator (against collapse)"
    )
    net_: GAN

    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        return {
            "epochs": [20, 30, 60],
            "batch_size": [64, 128],
            "learning_rate": [1e-4, 2e-4, 5e-4],
            "latent_dim": [20, 64, 100],
            "n_generators": [1, 2, 3],
        }

    def _check_data(self, data: ImageSet, batch_size: int) -> None:
        check_conv_shape(data.shape)
        # batch norm in training needs two images for each generator in a batch
        least = 2 * self.n_generators
        if len(data) < least:
            raise DataError(
                f"{self.name}: {self.n_generators} generators need at least {least} images"
            )
        if batch_size < least:
            raise ParameterError(
                f"{self.name}: batch_size must be at least {least} (two images for each of "
                f"{self.n_generators} generators), not {batch_size}"
            )

    def _build_network(self) -> GAN:
        return GAN(
            self.image_shape_, self.latent_dim, len(self.classes_), self.n_generators,
            channels=self.channels_,
        )  # fmt: skip

    def _training(self, data: TrainingSet) -> Iterator[dict[str, float]]:
        gan, rate, betas = self.net_, self.learning_rate, (0.5, 0.999)
        generators = [p for g in gan.generators for p in g.parameters()]
        g_opt = torch.optim.Adam(generators, lr=rate, betas=betas)
        d_opt = torch.optim.Adam(gan.discriminator.parameters(), lr=rate, betas=betas)
        for _ in range(self.epochs):
            yield gan_epoch(gan, g_opt, d_opt, data)

    def _generate(self, z: torch.Tensor, onehot: torch.Tensor | None, start: int) -> torch.Tensor:
        """Image i of the whole sample comes from generator i mod n_generators."""
        k = len(self.net_.generators)
        which = (torch.arange(len(z)) + start) % k
        result = torch.empty((len(z), self.channels_, *self.image_shape_), device=z.device)
        for j, generator in enumerate(self.net_.generators):
            rows = (which == j).nonzero().squeeze(1).to(z.device)
            if len(rows):
                result[rows] = generator(z[rows], None if onehot is None else onehot[rows])
        return result
