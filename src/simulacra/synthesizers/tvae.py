"""TVAE-style tabular variational autoencoder (after Xu et al. 2019), in PyTorch.

- Input: the same mode-specific normalised, one-hot encoded matrix as CTGAN.
- Encoder MLP -> mean and log-variance of a Gaussian latent; decoder MLP -> logits.
- Loss per row: for each scalar column a Gaussian negative log-likelihood around tanh(output)
  with a learned scale sigma (one per column, kept in [0.01, 1]); for each one-hot group the
  cross-entropy; times `loss_factor`, plus the KL divergence to the standard normal prior.
- Sampling decodes prior draws: scalars get tanh(output) plus noise of their learned sigma,
  one-hot groups a category drawn from the softmax of their logits.

Speed: batches are gathered by a shuffled index (no DataLoader, no per-row collation); the
decoder writes one-hot groups as padded slabs, one masked log-softmax per width bucket
(output_layout.PaddedLayout); the loss has hand-derived gradients (vae_loss.py).
Conditional sampling is vectorised rejection (conditions.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .base import Condition
from .neural import NeuralSynthesizer
from .output_layout import PaddedLayout
from .params import Constraint, Interval, Kind
from .torch_utils import FlatParameters, torch_generator
from .vae_loss import GaussianLatent, Reconstruction

SIGMA_RANGE = (0.01, 1.0)


def mlp(width_in: int, dims: list[int]) -> tuple[nn.Sequential, int]:
    layers: list[nn.Module] = []
    for dim in dims:
        layers += [nn.Linear(width_in, dim), nn.ReLU()]
        width_in = dim
    return nn.Sequential(*layers), width_in


def run(layers: nn.Sequential, x: torch.Tensor, weights: Iterator[torch.Tensor]) -> torch.Tensor:
    """`layers` applied to `x` with the weights and biases taken in order from `weights`."""
    for layer in layers:
        x = F.linear(x, next(weights), next(weights)) if isinstance(layer, nn.Linear) else layer(x)
    return x


class Encoder(nn.Module):
    def __init__(self, width: int, dims: list[int], latent: int):
        super().__init__()
        self.body, out = mlp(width, dims)
        self.head = nn.Linear(out, 2 * latent)  # mean | log-variance, in one product

    def forward(self, x: torch.Tensor, weights: Iterator[torch.Tensor] | None = None) -> Any:
        """Mean | log-variance of `x`, with this module's parameters or stand-ins for them
        (in `parameters()` order)."""
        weights = iter(self.parameters()) if weights is None else weights
        h = run(self.body, x, weights)
        return F.linear(h, next(weights), next(weights))


class Decoder(nn.Module):
    def __init__(self, latent: int, dims: list[int], width: int, scalars: int):
        super().__init__()
        body, out = mlp(latent, dims)
        self.net = nn.Sequential(*body, nn.Linear(out, width))
        self.sigma = nn.Parameter(torch.full((max(scalars, 1),), 0.1))

    def forward(self, z: torch.Tensor, weights: Iterator[torch.Tensor] | None = None) -> Any:
        """Logits of `z` in the padded order, with the parameters of `net` or stand-ins."""
        return run(self.net, z, iter(self.net.parameters()) if weights is None else weights)


class TVAE(NeuralSynthesizer):
    """Tabular VAE with mode-specific normalisation and a learned output scale."""

    name = "tvae"
    _autocast = False  # _loss casts the weights itself (FlatParameters)
    _networks: ClassVar[tuple[str, ...]] = ("encoder_", "decoder_")
    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "embedding_dim": Interval(1, None, integer=True),
        "encoder_dims": Kind((list, tuple)),
        "decoder_dims": Kind((list, tuple)),
        "loss_factor": Interval(0, None),
        "weight_decay": Interval(0, None),
    }

    def __init__(
        self,
        *,
        epochs: int = 300,
        batch_size: int = 500,
        lr: float = 1e-3,
        embedding_dim: int = 128,
        encoder_dims: tuple[int, ...] | list[int] = (128, 128),
        decoder_dims: tuple[int, ...] | list[int] = (128, 128),
        loss_factor: float = 2.0,
        weight_decay: float = 1e-5,
        device: str = "auto",
        threads: int | None = None,
        precision: str = "auto",
        seed: int = 0,
        verbose: bool = True,
        max_categories: int = 1_000,
    ):
        super().__init__(seed=seed, verbose=verbose, max_categories=max_categories)
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.embedding_dim = embedding_dim
        self.encoder_dims = encoder_dims
        self.decoder_dims = decoder_dims
        self.loss_factor = loss_factor
        self.weight_decay = weight_decay
        self.device = device
        self.threads = threads
        self.precision = precision

    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        return {
            "epochs": [100, 300, 500],
            "batch_size": [250, 500, 1000],
            "lr": [5e-4, 1e-3, 2e-3],
            "embedding_dim": [32, 64, 128],
            "encoder_dims": [[128, 128], [256, 256]],
            "decoder_dims": [[128, 128], [256, 256]],
            "loss_factor": [1.0, 2.0, 4.0],
        }

    def _make_networks(self, width: int) -> None:
        # the encoder reads encoded rows; the decoder writes the padded order (PaddedLayout)
        self.padded_ = PaddedLayout(self.transformer_.blocks_, self.device_)
        latent, padded = self.embedding_dim, self.padded_.width
        self.encoder_ = Encoder(width, list(self.encoder_dims), latent).to(self.device_)
        self.decoder_ = Decoder(latent, list(self.decoder_dims), padded, self.padded_.n_scalar)
        self.decoder_.to(self.device_)

    def _build(self, data: torch.Tensor) -> None:
        self._make_networks(data.shape[1])
        self._flat = FlatParameters([self.encoder_.parameters(), self.decoder_.net.parameters()])
        params = [self._flat.vector, self.decoder_.sigma]
        self._opt = torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay, fused=True)
        self._batch = min(self.batch_size, len(data))
        # training rows: encoder input (in the compute dtype, cast once), then the targets
        inputs = data if self._compute_dtype is None else data.to(self._compute_dtype)
        self._rows = (inputs, *self.padded_.targets(data))

    def _loss(
        self, x: torch.Tensor, scalars: torch.Tensor, classes: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(reconstruction, KL) losses of a batch, both averaged over rows. The networks run
        on weights cast to the compute dtype in one kernel; sigma stays float32."""
        dtype = self._compute_dtype
        encoder, decoder = self._flat.views(dtype)
        noise = torch.randn((len(x), self.embedding_dim), device=x.device)
        z, kl = GaussianLatent.apply(self.encoder_(x, encoder), noise)
        logits = self.decoder_(z if dtype is None else z.to(dtype), decoder)
        sigma = self.decoder_.sigma[: self.padded_.n_scalar]
        recon = Reconstruction.apply(logits, sigma, scalars, classes, self.padded_)
        return recon, kl

    def _train_epoch(self, data: torch.Tensor) -> dict[str, float]:
        self.encoder_.train()
        self.decoder_.train()
        order = torch.randperm(len(data), device=self.device_)
        total_recon = total_kl = torch.zeros((), device=data.device)
        steps = 0
        for start in range(0, len(data) - self._batch + 1, self._batch):
            rows = order[start : start + self._batch]
            batch = (t.index_select(0, rows) for t in self._rows)
            recon, kl = self._loss(*batch)
            loss = self.loss_factor * recon + kl
            self._opt.zero_grad(set_to_none=True)
            loss.backward()
            self._opt.step()
            with torch.no_grad():
                self.decoder_.sigma.clamp_(*SIGMA_RANGE)
            total_recon = total_recon + recon.detach()
            total_kl = total_kl + kl.detach()
            steps += 1
        return {"reconstruction_loss": float(total_recon) / steps, "kl": float(total_kl) / steps}

    def _generate(
        self, n: int, conditions: list[Condition], rng: np.random.Generator
    ) -> np.ndarray:
        gen = torch_generator(rng, self.device_)
        z = torch.randn((n, self.embedding_dim), device=self.device_, generator=gen)
        logits = self.decoder_(z)
        sigma = self.decoder_.sigma[: self.padded_.n_scalar]
        encoded = self.padded_.sample(logits, sigma, gen)
        return encoded.detach().cpu().numpy().astype(np.float64)

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "latent_dim": self.embedding_dim}
