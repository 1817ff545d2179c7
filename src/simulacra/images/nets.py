"""The neural networks behind the image models: an MLP VAE, a convolutional VAE and a DCGAN.

Every network takes an optional one-hot class vector (`n_classes > 0`) for class-conditional
generation: the VAEs append it to the encoder input and to the latent code, the GAN appends it to
the noise and feeds it to the discriminator as constant extra image channels.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ParameterError


def _with_class(x: torch.Tensor, onehot: torch.Tensor | None) -> torch.Tensor:
    return x if onehot is None else torch.cat([x, onehot], dim=1)


def _class_planes(images: torch.Tensor, onehot: torch.Tensor | None) -> torch.Tensor:
    if onehot is None:
        return images
    planes = onehot[:, :, None, None].expand(-1, -1, images.shape[2], images.shape[3])
    return torch.cat([images, planes], dim=1)


def check_conv_shape(shape: tuple[int, int]) -> None:
    """Convolutional models halve the image twice: both sides must be multiples of 4."""
    if shape[0] % 4 or shape[1] % 4:
        raise ParameterError(
            f"convolutional models need image sides divisible by 4, not {shape}; pass a size"
        )


class MLPVAE(nn.Module):
    """The seed framework's VAE: MLP encoder (784-512-256-128) to mean and log-variance, mirrored
    decoder with a sigmoid output; sizes follow the input."""

    def __init__(
        self,
        shape: tuple[int, int],
        hidden: tuple[int, ...],
        latent_dim: int,
        n_classes: int,
        channels: int = 1,
    ):
        super().__init__()
        self.shape = shape
        self.channels = channels
        self.latent_dim = latent_dim
        pixels = shape[0] * shape[1] * channels
        widths = [pixels + n_classes, *hidden]
        layers: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:], strict=True):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.encoder = nn.Sequential(*layers, nn.Linear(widths[-1], 2 * latent_dim))
        back = [latent_dim + n_classes, *reversed(hidden)]
        layers = []
        for a, b in zip(back[:-1], back[1:], strict=True):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.decoder = nn.Sequential(*layers, nn.Linear(back[-1], pixels), nn.Sigmoid())

    def encode(
        self, images: torch.Tensor, onehot: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        stats = self.encoder(_with_class(images.flatten(1), onehot))
        return stats[:, : self.latent_dim], stats[:, self.latent_dim :]

    def decode(self, z: torch.Tensor, onehot: torch.Tensor | None) -> torch.Tensor:
        return self.decoder(_with_class(z, onehot)).view(-1, self.channels, *self.shape)


class ConvVAE(nn.Module):
    """A convolutional VAE: two stride-2 convolutions down, two transposed convolutions up."""

    def __init__(
        self,
        shape: tuple[int, int],
        latent_dim: int,
        n_classes: int,
        width: int = 32,
        channels: int = 1,
    ):
        super().__init__()
        check_conv_shape(shape)
        self.shape = shape
        self.latent_dim = latent_dim
        self.small = (shape[0] // 4, shape[1] // 4)
        flat = 2 * width * self.small[0] * self.small[1]
        self.encoder = nn.Sequential(
            nn.Conv2d(channels + n_classes, width, 4, 2, 1),
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 4, 2, 1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(flat, 256),
            nn.ReLU(),
            nn.Linear(256, 2 * latent_dim),
        )
        self.expand = nn.Sequential(
            nn.Linear(latent_dim + n_classes, 256), nn.ReLU(), nn.Linear(256, flat), nn.ReLU()
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1),
            nn.ReLU(),
            nn.ConvTranspose2d(width, channels, 4, 2, 1),
            nn.Sigmoid(),
        )
        self.width = width

    def encode(
        self, images: torch.Tensor, onehot: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        stats = self.encoder(_class_planes(images, onehot))
        return stats[:, : self.latent_dim], stats[:, self.latent_dim :]

    def decode(self, z: torch.Tensor, onehot: torch.Tensor | None) -> torch.Tensor:
        hidden = self.expand(_with_class(z, onehot)).view(-1, 2 * self.width, *self.small)
        return self.decoder(hidden)


class Generator(nn.Module):
    """DCGAN-style generator: noise -> dense -> two transposed convolutions with batch norm."""

    def __init__(
        self,
        shape: tuple[int, int],
        latent_dim: int,
        n_classes: int,
        width: int = 64,
        channels: int = 1,
    ):
        super().__init__()
        check_conv_shape(shape)
        self.small = (shape[0] // 4, shape[1] // 4)
        self.width = width
        self.latent_dim = latent_dim
        self.project = nn.Sequential(
            nn.Linear(latent_dim + n_classes, 2 * width * self.small[0] * self.small[1]),
            nn.BatchNorm1d(2 * width * self.small[0] * self.small[1]),
            nn.ReLU(),
        )
        self.body = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, channels, 4, 2, 1),
            nn.Sigmoid(),
        )

    def forward(self, z: torch.Tensor, onehot: torch.Tensor | None) -> torch.Tensor:
        hidden = self.project(_with_class(z, onehot)).view(-1, 2 * self.width, *self.small)
        return self.body(hidden)


class Discriminator(nn.Module):
    """DCGAN-style discriminator: two stride-2 convolutions with leaky ReLU, one logit out."""

    def __init__(self, shape: tuple[int, int], n_classes: int, width: int = 64, channels: int = 1):
        super().__init__()
        check_conv_shape(shape)
        flat = 2 * width * (shape[0] // 4) * (shape[1] // 4)
        self.body = nn.Sequential(
            nn.Conv2d(channels + n_classes, width, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, 2, 1),
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(flat, 1),
        )

    def forward(self, images: torch.Tensor, onehot: torch.Tensor | None) -> torch.Tensor:
        return self.body(_class_planes(images, onehot)).squeeze(1)


class GAN(nn.Module):
    """One or more generators sharing one discriminator (several generators fight mode collapse:
    the discriminator must reject fakes from all of them)."""

    def __init__(
        self,
        shape: tuple[int, int],
        latent_dim: int,
        n_classes: int,
        n_generators: int,
        channels: int = 1,
    ):
        super().__init__()
        self.latent_dim = latent_dim
        self.generators = nn.ModuleList(
            Generator(shape, latent_dim, n_classes, channels=channels) for _ in range(n_generators)
        )
        self.discriminator = Discriminator(shape, n_classes, channels=channels)
