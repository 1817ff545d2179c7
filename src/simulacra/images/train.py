"""Training loops for the image VAEs and GANs, with a progress bar and a per-epoch loss history.

Every random draw (batch order, reparameterisation noise, GAN noise) comes from the generators
passed in, so a seeded fit is repeatable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch.nn import functional

from .._progress import new_progress
from .nets import GAN, MLPVAE, ConvVAE


def auto_threads() -> int:
    """Half the CPU cores (at least one), never more than torch's default.

    These networks are small: extra intra-op threads gain little, and on a machine whose cores
    are shared with other work they can make training several times slower (measured on 2
    cores: 213 s with 2 threads against about 25 s with 1 for the digits VAE).
    """
    return max(1, min(torch.get_num_threads(), (os.cpu_count() or 2) // 2))


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Run torch with `count` CPU threads inside the block (`auto_threads()` when None)."""
    before = torch.get_num_threads()
    torch.set_num_threads(auto_threads() if count is None else count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def batches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    """Shuffled index batches covering `0..n-1` once (the last one may be short)."""
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def vae_loss(
    recon: torch.Tensor, images: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed binary cross-entropy of the reconstruction and KL(q(z|x) || N(0, I)).

    KL = -1/2 * sum(1 + logvar - mu^2 - exp(logvar)), >= 0; both terms are sums over the batch.
    """
    bce = functional.binary_cross_entropy(recon, images, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce, kl


def train_vae(
    net: MLPVAE | ConvVAE,
    images: torch.Tensor,
    onehot: torch.Tensor | None,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    step_size: int,
    gamma: float,
    order: torch.Generator,
    noise: torch.Generator,
    verbose: bool,
) -> dict[str, list[float]]:
    """Adam with StepLR(step_size, gamma) on BCE + KL; history holds per-image epoch means."""
    optimizer = torch.optim.Adam(net.parameters(), lr=learning_rate)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    history: dict[str, list[float]] = {"loss": [], "reconstruction": [], "kl": []}
    n = len(images)
    net.train()
    with new_progress(verbose) as progress:
        task = progress.add_task("training VAE", total=epochs, info="")
        for _ in range(epochs):
            totals = torch.zeros(2, device=images.device)
            for index in batches(n, batch_size, order):
                x = images[index]
                cls = None if onehot is None else onehot[index]
                mu, logvar = net.encode(x, cls)
                eps = torch.randn(mu.shape, generator=noise, device=mu.device)
                recon = net.decode(mu + eps * torch.exp(0.5 * logvar), cls)
                bce, kl = vae_loss(recon, x, mu, logvar)
                optimizer.zero_grad()
                (bce + kl).backward()
                optimizer.step()
                totals += torch.stack([bce.detach(), kl.detach()])
            scheduler.step()
            bce_mean, kl_mean = (totals / n).tolist()
            history["reconstruction"].append(bce_mean)
            history["kl"].append(kl_mean)
            history["loss"].append(bce_mean + kl_mean)
            progress.update(
                task, advance=1, info=f"loss {bce_mean + kl_mean:.1f} (KL {kl_mean:.1f})"
            )
    net.eval()
    return history


def train_gan(
    gan: GAN,
    images: torch.Tensor,
    onehot: torch.Tensor | None,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    order: torch.Generator,
    noise: torch.Generator,
    verbose: bool,
) -> dict[str, list[float]]:
    """Non-saturating GAN training with Adam(beta1=0.5); every generator makes a share of each
    fake batch, the discriminator sees them all. History holds epoch-mean losses."""
    g_params = [p for g in gan.generators for p in g.parameters()]
    g_opt = torch.optim.Adam(g_params, lr=learning_rate, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(gan.discriminator.parameters(), lr=learning_rate, betas=(0.5, 0.999))
    history: dict[str, list[float]] = {"discriminator": [], "generator": []}
    k = len(gan.generators)
    gan.train()
    with new_progress(verbose) as progress:
        task = progress.add_task("training GAN", total=epochs, info="")
        for _ in range(epochs):
            d_sum = g_sum = 0.0
            steps = 0
            for index in batches(len(images), batch_size, order):
                real = images[index]
                cls = None if onehot is None else onehot[index]
                share = [index[j::k] for j in range(k) if len(index[j::k])]
                fakes = []
                for j, part in enumerate(share):
                    z = torch.randn(
                        (len(part), gan.latent_dim), generator=noise, device=real.device
                    )
                    part_cls = None if onehot is None else onehot[part]
                    fakes.append((gan.generators[j](z, part_cls), part_cls))
                fake = torch.cat([f for f, _ in fakes])
                fake_cls = None if onehot is None else torch.cat([c for _, c in fakes])  # type: ignore[misc]

                d_real = gan.discriminator(real, cls)
                d_fake = gan.discriminator(fake.detach(), fake_cls)
                d_loss = functional.binary_cross_entropy_with_logits(
                    d_real, torch.full_like(d_real, 0.9)
                ) + functional.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
                d_opt.zero_grad()
                d_loss.backward()
                d_opt.step()

                d_gen = gan.discriminator(fake, fake_cls)
                g_loss = functional.binary_cross_entropy_with_logits(d_gen, torch.ones_like(d_gen))
                g_opt.zero_grad()
                g_loss.backward()
                g_opt.step()
                d_sum += float(d_loss.detach())
                g_sum += float(g_loss.detach())
                steps += 1
            history["discriminator"].append(d_sum / steps)
            history["generator"].append(g_sum / steps)
            progress.update(task, advance=1, info=f"D {d_sum / steps:.3f}  G {g_sum / steps:.3f}")
    gan.eval()
    return history
