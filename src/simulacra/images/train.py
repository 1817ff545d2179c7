"""One training epoch of the image VAEs and GANs, and the batches they draw.

Every random draw (batch order, reparameterisation noise, GAN noise) comes from the generators
of the `TrainingSet`, so a seeded fit is repeatable. The epoch loop itself, with progress and
loss history, is `ImageSynthesizer.fit`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch.nn import functional

from .nets import GAN, MLPVAE, ConvVAE

Batch = tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]


def batches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    """Shuffled index batches covering `0..n-1` once (the last one may be short)."""
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


@dataclass
class TrainingSet:
    """Images `(n, 1, h, w)` (and one-hot classes) on the training device, with the generators
    of batch order (CPU) and of noise (the device)."""

    images: torch.Tensor
    onehot: torch.Tensor | None
    batch_size: int
    order: torch.Generator
    noise: torch.Generator

    def __len__(self) -> int:
        return len(self.images)

    def batches(self) -> Iterator[Batch]:
        """(images, classes or None, index) of each shuffled batch of one epoch."""
        for index in batches(len(self.images), self.batch_size, self.order):
            cls = None if self.onehot is None else self.onehot[index]
            yield self.images[index], cls, index

    def normal(self, rows: int, columns: int) -> torch.Tensor:
        """Standard normal noise `(rows, columns)` from the noise generator."""
        return torch.randn((rows, columns), generator=self.noise, device=self.images.device)


def vae_loss(
    recon: torch.Tensor, images: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed binary cross-entropy of the reconstruction and KL(q(z|x) || N(0, I)).

    KL = -1/2 * sum(1 + logvar - mu^2 - exp(logvar)), >= 0; both terms are sums over the batch.
    """
    bce = functional.binary_cross_entropy(recon, images, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce, kl


def vae_epoch(
    net: MLPVAE | ConvVAE, optimizer: torch.optim.Optimizer, data: TrainingSet
) -> dict[str, float]:
    """One pass on BCE + KL; per-image means of the loss and its two terms."""
    totals = torch.zeros(2, device=data.images.device)
    for x, cls, _ in data.batches():
        mu, logvar = net.encode(x, cls)
        eps = data.normal(*mu.shape)
        recon = net.decode(mu + eps * torch.exp(0.5 * logvar), cls)
        bce, kl = vae_loss(recon, x, mu, logvar)
        optimizer.zero_grad()
        (bce + kl).backward()
        optimizer.step()
        totals += torch.stack([bce.detach(), kl.detach()])
    reconstruction, kl_mean = (totals / len(data)).tolist()
    return {"loss": reconstruction + kl_mean, "reconstruction": reconstruction, "kl": kl_mean}


def gan_epoch(
    gan: GAN,
    generator_opt: torch.optim.Optimizer,
    discriminator_opt: torch.optim.Optimizer,
    data: TrainingSet,
) -> dict[str, float]:
    """One pass of non-saturating GAN training (real targets smoothed to 0.9). Every generator
    makes a share of each fake batch and the discriminator sees them all. A batch too small to
    give every generator two images is skipped (batch norm needs two). Epoch-mean losses."""
    k = len(gan.generators)
    d_sum = g_sum = 0.0
    steps = 0
    for real, cls, index in data.batches():
        if len(index) < 2 * k:
            continue
        shares = [index[j::k] for j in range(k)]
        fakes, fake_classes = [], []
        for generator, share in zip(gan.generators, shares, strict=True):
            share_cls = None if data.onehot is None else data.onehot[share]
            fakes.append(generator(data.normal(len(share), gan.latent_dim), share_cls))
            fake_classes.append(share_cls)
        fake = torch.cat(fakes)
        fake_cls = None if cls is None else torch.cat([c for c in fake_classes if c is not None])

        d_real = gan.discriminator(real, cls)
        d_fake = gan.discriminator(fake.detach(), fake_cls)
        d_loss = functional.binary_cross_entropy_with_logits(
            d_real, torch.full_like(d_real, 0.9)
        ) + functional.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        discriminator_opt.zero_grad()
        d_loss.backward()
        discriminator_opt.step()

        d_gen = gan.discriminator(fake, fake_cls)
        g_loss = functional.binary_cross_entropy_with_logits(d_gen, torch.ones_like(d_gen))
        generator_opt.zero_grad()
        g_loss.backward()
        generator_opt.step()
        d_sum += float(d_loss.detach())
        g_sum += float(g_loss.detach())
        steps += 1
    return {"discriminator": d_sum / steps, "generator": g_sum / steps}
