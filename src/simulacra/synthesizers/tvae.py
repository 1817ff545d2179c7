"""TVAE-style tabular variational autoencoder (after Xu et al. 2019), in PyTorch.

- Input: the same mode-specific normalised, one-hot encoded matrix as CTGAN.
- Encoder MLP -> mean and log-variance of a Gaussian latent; decoder MLP -> logits.
- Loss per row: for each scalar column a Gaussian negative log-likelihood around tanh(output)
  with a learned scale sigma (one per column, kept in [0.01, 1]); for each one-hot group the
  cross-entropy; times `loss_factor`, plus the KL divergence to the standard normal prior.
- Sampling decodes prior draws: scalars get tanh(output) plus noise of their learned sigma,
  one-hot groups a category drawn from the softmax of their logits.

Speed: a training step is written out by hand, forward and backward, without autograd
(vae_backprop.py); all weights live in one vector (_torch.FlatParameters), cast to
bfloat16 in one kernel where the CPU has bfloat16 units, and updated by one fused Adam call;
batches are gathered by a shuffled index (no DataLoader); the decoder writes one-hot groups as
padded slabs, one masked softmax per slab (output_layout.PaddedLayout).
Conditional sampling is vectorised rejection (conditions.py).
On Dask (`fit_dask`, `scale.streaming`) the networks are built from the pilot sample and each
streamed buffer goes through the same minibatch loop as an epoch of a local fit.

Differential privacy: with `epsilon` set (and `delta`, default 1e-8), the transformer
learns its modes and categories from public metadata or Gaussian histograms (`transforms/dp.py`,
`metadata_share` of the budget), and the whole VAE (encoder, decoder and the learned scales:
all of them see the rows) trains with DP-SGD (`privacy/sgd.py`: Poisson batches of
`batch_size` rows on average, per-row gradients clipped to `max_grad_norm`, Gaussian noise
calibrated by the RDP accountant) for `epochs` passes' worth of steps, then stops. The per-row
gradients come from autograd of the same loss (`PrivateLoss`, vmapped by `DPSGD`), in float32;
the hand-written step serves the non-private path only.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from .._torch import FlatParameters, FusedAdam, torch_generator
from ..params import Interval, Kind, Param
from ..privacy.sgd import DPSGD, clipped_sums
from ..transforms.conditions import Conditions
from .dp import MAX_GRAD_NORM, PrivateFit
from .neural import NeuralSynthesizer
from .output_layout import PaddedLayout
from .vae_backprop import (
    Layer,
    latent_backward,
    latent_forward,
    mlp_backward,
    mlp_forward,
    reconstruction_backward,
    reconstruction_forward,
    widened,
)

SIGMA_RANGE = (0.01, 1.0)
# 2: the encoder reads encoded rows and the decoder writes output_layout.PaddedLayout slabs;
# files without it (before 2026-11-23) hold networks of another shape
NETWORK_LAYOUT = 2


def mlp(width_in: int, dims: list[int]) -> tuple[nn.Sequential, int]:
    layers: list[nn.Module] = []
    for dim in dims:
        layers += [nn.Linear(width_in, dim), nn.ReLU()]
        width_in = dim
    return nn.Sequential(*layers), width_in


def pairs(views: list[torch.Tensor]) -> list[Layer]:
    """(weight, bias) of each linear layer from a module's parameters in order."""
    return list(zip(views[::2], views[1::2], strict=True))


class Encoder(nn.Module):
    def __init__(self, width: int, dims: list[int], latent: int):
        super().__init__()
        self.body, out = mlp(width, dims)
        self.head = nn.Linear(out, 2 * latent)  # mean | log-variance, in one product

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


class Decoder(nn.Module):
    def __init__(self, latent: int, dims: list[int], width: int, scalars: int):
        super().__init__()
        body, out = mlp(latent, dims)
        self.net = nn.Sequential(*body, nn.Linear(out, width))
        self.sigma = nn.Parameter(torch.full((max(scalars, 1),), 0.1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class PrivateLoss(nn.Module):
    """The TVAE loss with autograd, for DP-SGD's per-row gradients: the forward formulas of
    the hand-written step (vae_backprop.py), `loss_factor` * reconstruction + KL, averaged
    over the rows given (one row under `DPSGD`'s vmap)."""

    def __init__(self, encoder: Encoder, decoder: Decoder, layout: PaddedLayout, factor: float):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.layout, self.factor = layout, factor

    def forward(
        self, x: torch.Tensor, scalars: torch.Tensor, classes: torch.Tensor, noise: torch.Tensor
    ) -> torch.Tensor:
        z, kl, _ = latent_forward(self.encoder(x), noise)
        sigma = self.decoder.sigma[: self.layout.n_scalar]
        recon, _ = reconstruction_forward(self.decoder(z), sigma, scalars, classes, self.layout)
        return self.factor * recon + kl


class TVAE(PrivateFit, NeuralSynthesizer):
    """Tabular VAE with mode-specific normalisation and a learned output scale."""

    name = "tvae"
    _autocast = False  # _step casts the weights itself (FlatParameters)
    # `_rows` is the row count PrivateFit keeps for the default delta
    _training_state = ("_rows", "_train_rows", "_flat", "_dp", "_private_loss")
    _networks: ClassVar[tuple[str, ...]] = ("encoder_", "decoder_")
    embedding_dim = Param(128, Interval(1, None, integer=True), "size of the latent code")
    encoder_dims = Param[tuple[int, ...] | list[int]](
        (128, 128), Kind((list, tuple)), "widths of the encoder's layers"
    )
    decoder_dims = Param[tuple[int, ...] | list[int]](
        (128, 128), Kind((list, tuple)), "widths of the decoder's layers"
    )
    loss_factor = Param(2.0, Interval(0, None), "weight of the reconstruction loss beside KL")
    weight_decay = NeuralSynthesizer.weight_decay.replace(default=1e-5)
    max_grad_norm = MAX_GRAD_NORM

    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        return {
            "epochs": [100, 300, 500],
            "batch_size": [250, 500, 1000],
            "learning_rate": [5e-4, 1e-3, 2e-3],
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
        self._dp: DPSGD | None = None
        budget = self.transformer_.privacy
        if budget is not None:
            self._build_private(data, budget)
            return
        self._flat = FlatParameters([self.encoder_.parameters(), self.decoder_.net.parameters()])
        params = [self._flat.vector, self.decoder_.sigma]
        self._opt = FusedAdam(params, lr=self.learning_rate, weight_decay=self.weight_decay)
        self._batch = min(self.batch_size, len(data))
        if not getattr(self, "_streaming", False):  # streamed: each buffer brings its rows
            self._train_rows = self._training_rows(data)

    def _training_rows(self, data: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Encoder input (in the compute dtype, cast once), then the targets."""
        inputs = data if self._compute_dtype is None else data.to(self._compute_dtype)
        return (inputs, *self.padded_.targets(data))

    def _build_private(self, data: torch.Tensor, budget: Any) -> None:
        """DP-SGD over the whole VAE, in float32 with autograd (see the module docstring)."""
        self.training_dtype_ = "float32"
        loss = PrivateLoss(self.encoder_, self.decoder_, self.padded_, self.loss_factor)
        self._private_loss = loss
        self._opt = FusedAdam(
            loss.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        self._train_rows = (data, *self.padded_.targets(data))
        self._dp = self._dpsgd(loss, self._private_probe)

    @staticmethod
    def _row_loss(loss: Any, *row: torch.Tensor) -> torch.Tensor:
        """One row's VAE loss (`PrivateLoss` on a batch of one), for per-row gradients."""
        return loss(*(t[None] for t in row))

    def _with_noise(self, batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        """The batch's tensors and the reparametrisation noise of its rows."""
        return (*batch, torch.randn((len(batch[0]), self.embedding_dim), device=self.device_))

    def _private_probe(self, rows: int) -> object:
        """One step's clipped sums on `rows` all-zero rows (to time a step; nothing kept)."""
        zeros = tuple(torch.zeros((rows, *t.shape[1:]), dtype=t.dtype) for t in self._train_rows)
        inputs = self._with_noise(zeros)
        return clipped_sums(self._private_loss, self._row_loss, inputs, self.max_grad_norm)

    def _private_steps(self, dp: DPSGD) -> dict[str, float]:
        """One epoch's worth of DP-SGD steps on the whole VAE (`PrivateLoss` per row)."""

        def gradients(*batch: torch.Tensor) -> None:
            dp.gradients(self._row_loss, self._with_noise(batch))

        def clamp() -> None:
            self.decoder_.sigma.data.clamp_(*SIGMA_RANGE)

        return self._private_epoch(dp, self._train_rows, gradients, clamp)

    def _step(
        self, x: torch.Tensor, scalars: torch.Tensor, classes: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimiser step on a batch (vae_backprop.py); (reconstruction, KL) losses."""
        flat, dtype = self._flat, self._compute_dtype or torch.float32
        weights = flat.vector.detach().to(dtype)
        grad = torch.empty_like(weights)
        encoder, decoder = (pairs(group) for group in flat.split(weights))
        grad_encoder, grad_decoder = (pairs(group) for group in flat.split(grad))
        sigma = self.decoder_.sigma.detach()[: self.padded_.n_scalar]

        noise = torch.randn((len(x), self.embedding_dim), device=x.device)
        encoded = mlp_forward(x, encoder)
        z, kl, latent = latent_forward(encoded[-1], noise)
        decoded = mlp_forward(z.to(dtype), decoder)
        recon, fit = reconstruction_forward(decoded[-1], sigma, scalars, classes, self.padded_)

        grad_logits, grad_sigma = reconstruction_backward(fit, self.loss_factor)
        grad_z = mlp_backward(grad_logits.to(dtype), decoded, decoder, grad_decoder)
        assert grad_z is not None
        grad_stats = latent_backward(latent, widened(grad_z), 1.0)
        mlp_backward(grad_stats.to(dtype), encoded, encoder, grad_encoder, input_grad=False)

        flat.vector.grad = grad.float()
        self.decoder_.sigma.grad = torch.zeros_like(self.decoder_.sigma)
        self.decoder_.sigma.grad[: len(grad_sigma)] = grad_sigma
        self._opt.step()
        self.decoder_.sigma.data.clamp_(*SIGMA_RANGE)
        return recon, kl

    def _train_epoch(self, data: torch.Tensor) -> dict[str, float]:
        if self._dp is not None:
            return self._private_steps(self._dp)
        losses, _ = self._minibatch_steps(self._train_rows, None)
        return losses

    def _train_buffer(self, data: torch.Tensor, steps: int | None) -> tuple[dict[str, float], int]:
        return self._minibatch_steps(self._training_rows(data), steps)

    def _minibatch_steps(
        self, train_rows: tuple[torch.Tensor, ...], limit: int | None
    ) -> tuple[dict[str, float], int]:
        """One shuffled pass over `train_rows` (`_training_rows`) in minibatches, at most
        `limit` steps: the mean losses and the number of steps."""
        rows_in = len(train_rows[0])
        order = torch.randperm(rows_in, device=self.device_)
        total_recon = total_kl = torch.zeros((), device=self.device_)
        steps = 0
        with torch.no_grad():
            for start in range(0, rows_in - self._batch + 1, self._batch):
                if limit is not None and steps >= limit:
                    break
                rows = order[start : start + self._batch]
                recon, kl = self._step(*(t.index_select(0, rows) for t in train_rows))
                total_recon = total_recon + recon
                total_kl = total_kl + kl
                steps += 1
        taken = max(steps, 1)
        losses = {"reconstruction_loss": float(total_recon) / taken, "kl": float(total_kl) / taken}
        return losses, steps

    def _generate(self, n: int, conditions: Conditions, rng: np.random.Generator) -> np.ndarray:
        gen = torch_generator(rng, self.device_)
        z = torch.randn((n, self.embedding_dim), device=self.device_, generator=gen)
        logits = self.decoder_(z)
        sigma = self.decoder_.sigma[: self.padded_.n_scalar]
        encoded = self.padded_.sample(logits, sigma, gen)
        return encoded.detach().cpu().numpy().astype(np.float64)

    def _extra_state(self) -> dict[str, Any]:
        return {"network_layout": NETWORK_LAYOUT}

    def _set_extra_state(self, state: dict[str, Any]) -> None:
        if state.get("network_layout") != NETWORK_LAYOUT:
            raise ValueError(
                "this TVAE was saved by an earlier simulacra whose networks have another "
                "layout; fit it again"
            )

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "latent_dim": self.embedding_dim}
