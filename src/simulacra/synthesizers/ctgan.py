"""CTGAN-style conditional tabular GAN (after Xu et al. 2019), in PyTorch.

- Input: mode-specific normalisation (Bayesian GMM, up to 10 modes) of numerical columns and
  one-hot categoricals, from the shared TableTransformer.
- Generator: residual blocks (linear, batch norm, ReLU, concatenated with their input), then a
  linear layer; tanh for scalars and Gumbel-softmax (tau 0.2) for one-hot groups.
- Discriminator: PacGAN packing (`pac` rows judged together), leaky ReLU and dropout, trained
  with the Wasserstein loss and a gradient penalty (WGAN-GP).
- Conditional vector with training-by-sampling (log-frequency) and a cross-entropy term that
  makes the generator honour it (see condvec.py).

Speed: the batch of real rows, the conditional vectors and the activations are built with a
few tensor operations (no per-row or per-column Python); one fake batch per step serves the
discriminator (detached) and then the generator; real, fake and interpolated rows go through the
discriminator in one pass; dropout masks come from torch.rand; Adam runs fused.

Conditional sampling: a categorical condition is put into the conditional vector, and rows are
then kept by vectorised rejection (conditions.py), so every returned row meets all conditions.

On Dask (`fit_dask`, `scale.streaming`) each streamed buffer is trained on as an epoch of its
own rows: its rows are indexed by category and its category counts draw the conditional
vectors while it trains; the sampler kept for sampling counts the pilot sample (a seeded
uniform sample of the table), as a local fit counts its table.

Differential privacy: with `epsilon` set (and `delta`, default 1e-8), the transformer
learns its modes and categories from public metadata or Gaussian histograms (`transforms/dp.py`,
`metadata_share` of the budget). Only the discriminator reads real rows, so only its updates
on them are DP-SGD (`privacy/sgd.py`); the generator learns through the discriminator
(post-processing). Each discriminator step takes a Poisson sample of real rows (`batch_size`
on average); the terms of the loss that read a real row, -D(row) and the WGAN-GP penalty at a
point between that row and a generated partner, form one per-row loss whose gradient (a
gradient of a gradient, by torch.func) is clipped to `max_grad_norm` and noised; the
generated rows' term -D(fake) adds its exact gradient. The discriminator judges single rows
(pac 1: with packs, removing one row would reshuffle every pack after it). The conditional
vector's category frequencies are the noisy category counts the DP transformer already
measured (post-processing, no budget of their own; see condvec.py). The steps, epochs x
rows / batch_size x discriminator_steps, are planned from the budget by the RDP accountant,
and training stops when they are taken. The history keeps the generator's loss and the
epsilon spent, never a loss on real rows.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from .._torch import FusedAdam, torch_generator
from ..errors import ParameterError
from ..params import Interval, Kind, Param
from ..privacy.sgd import DPSGD, clipped_sums
from ..transforms.conditions import Conditions
from .condvec import ConditionalSampler
from .dp import MAX_GRAD_NORM, PrivateFit
from .neural import NeuralSynthesizer

GUMBEL_TAU = 0.2
GP_WEIGHT = 10.0


class Residual(nn.Module):
    """Linear -> batch norm -> ReLU, concatenated with the block's input."""

    def __init__(self, width_in: int, width_out: int):
        super().__init__()
        self.fc = nn.Linear(width_in, width_out)
        self.bn = nn.BatchNorm1d(width_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)


def generator_net(width_in: int, dims: list[int], width_out: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for dim in dims:
        layers.append(Residual(width_in, dim))
        width_in += dim
    layers.append(nn.Linear(width_in, width_out))
    return nn.Sequential(*layers)


class Dropout(nn.Module):
    """Dropout whose mask comes from torch.rand: CPU bernoulli_ is several times slower."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        keep = torch.rand(x.shape, device=x.device) >= self.p
        return x * keep.to(x.dtype) * (1.0 / (1.0 - self.p))


def discriminator_net(width_in: int, dims: list[int], pac: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = width_in * pac
    for dim in dims:
        layers += [nn.Linear(width, dim), nn.LeakyReLU(0.2), Dropout(0.5)]
        width = dim
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


class CTGAN(PrivateFit, NeuralSynthesizer):
    """Conditional tabular GAN with mode-specific normalisation, PacGAN and WGAN-GP."""

    name = "ctgan"
    _training_state: ClassVar[tuple[str, ...]] = ("_dp", "_condition_noise", "_train_sampler")
    _networks: ClassVar[tuple[str, ...]] = ("generator_", "discriminator_")
    learning_rate = NeuralSynthesizer.learning_rate.replace(default=2e-4)
    embedding_dim = Param(128, Interval(1, None, integer=True), "size of the generator's noise")
    generator_dims = Param[tuple[int, ...] | list[int]](
        (256, 256), Kind((list, tuple)), "widths of the generator's residual blocks"
    )
    discriminator_dims = Param[tuple[int, ...] | list[int]](
        (256, 256), Kind((list, tuple)), "widths of the discriminator's layers"
    )
    pac = Param(10, Interval(1, None, integer=True), "rows the discriminator judges together")
    discriminator_steps = Param(
        1, Interval(1, None, integer=True), "discriminator steps per generator step"
    )
    max_grad_norm = MAX_GRAD_NORM

    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        return {
            "epochs": [100, 300, 500],
            "batch_size": [500, 1000],
            "learning_rate": [1e-4, 2e-4, 5e-4],
            "embedding_dim": [64, 128, 256],
            "generator_dims": [[256, 256], [512, 512]],
            "discriminator_dims": [[256, 256], [512, 512]],
            "pac": [1, 5, 10],
        }

    def _check_params(self) -> None:
        super()._check_params()
        if self.batch_size % self.pac:
            raise ParameterError(
                f"ctgan: batch_size ({self.batch_size}) must be a multiple of pac ({self.pac})"
            )

    # networks ----------------------------------------------------------------------------
    def _discrete_blocks(self) -> list[Any]:
        return [b for b in self.transformer_.blocks_ if b.discrete and b.activation == "softmax"]

    def _make_networks(self, width: int) -> None:
        cond = sum(b.width for b in self._discrete_blocks())
        gdims, ddims = list(self.generator_dims), list(self.discriminator_dims)
        self.generator_ = generator_net(self.embedding_dim + cond, gdims, width).to(self.device_)
        self.discriminator_ = discriminator_net(width + cond, ddims, self.pac_).to(self.device_)

    def _build(self, data: torch.Tensor) -> None:
        budget = self.transformer_.privacy
        self._dp: DPSGD | None = None
        self.pac_ = self.pac if budget is None else 1
        if budget is None:
            self.sampler_ = ConditionalSampler.from_data(self._discrete_blocks(), data)
        else:
            self.sampler_ = self._dp_sampler()
        # the sampler whose rows the discriminator reads: the training data's, or in a
        # streamed fit each buffer's (`_train_buffer`)
        self._train_sampler = self.sampler_
        self._make_networks(data.shape[1])
        adam = partial(
            FusedAdam, lr=self.learning_rate, betas=(0.5, 0.9), weight_decay=self.weight_decay
        )
        self._opt_g = adam(self.generator_.parameters())
        self._opt_d = adam(self.discriminator_.parameters())
        batch = min(self.batch_size, max(len(data), self.pac_))
        self._batch = max(self.pac_, batch - batch % self.pac_)
        self._steps = max(len(data) // self._batch, 1)
        if budget is not None:
            self._batch = self.batch_size  # the generated half of a step; real rows: Poisson
            self._dp = self._dpsgd(
                self.discriminator_, self._private_probe, self.discriminator_steps
            )
            self._steps = self._dp.steps_per_epoch

    def _dp_sampler(self) -> ConditionalSampler:
        """The conditional sampler from the noisy category counts the DP transformer measured
        (`code_counts_`): post-processing, no budget of its own."""
        blocks = self._discrete_blocks()
        counts = np.zeros((len(blocks), max((b.width for b in blocks), default=0)))
        for j, block in enumerate(blocks):
            kept = self.transformer_.columns_[block.column].code_counts_  # type: ignore[attr-defined]
            if len(kept) != block.width:
                raise ParameterError(f"ctgan: column '{block.column}' has no DP category counts")
            counts[j, : block.width] = kept
        return ConditionalSampler(blocks, counts, self.device_)

    # training ----------------------------------------------------------------------------
    def _fake(self, rows: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(generator logits, activated rows with their conditional vector, category index)."""
        noise = torch.randn((rows, self.embedding_dim), device=self.device_)
        cond, position = self._train_sampler.sample_train(rows, frequency=self._dp is not None)
        logits = self.generator_(torch.cat([noise, cond], dim=1))
        fake = torch.cat([self.layout_.gumbel_activate(logits, GUMBEL_TAU), cond], dim=1)
        return logits, fake, position

    def _discriminator_step(
        self, data: torch.Tensor, fake: torch.Tensor, position: torch.Tensor
    ) -> torch.Tensor:
        if self._dp is not None:
            return self._private_discriminator_step(self._dp, data, fake)
        rows, width = fake.shape
        packs = rows // self.pac
        with torch.no_grad():
            cond = fake[:, width - self.sampler_.width :]
            perm = torch.randperm(rows, device=self.device_)
            real_rows = self._train_sampler.real_rows(position[perm])
            real = torch.cat([data[real_rows], cond[perm]], dim=1)
            alpha = torch.rand((packs, 1, 1), device=self.device_).expand(packs, self.pac, width)
            alpha = alpha.reshape(rows, width)
            mixed = alpha * real + (1 - alpha) * fake
        mixed.requires_grad_(True)
        packed = torch.cat([real, fake, mixed], dim=0).reshape(3 * packs, self.pac * width)
        scores = self.discriminator_(packed)
        y_real, y_fake, y_mixed = scores[:packs], scores[packs : 2 * packs], scores[2 * packs :]
        (grad,) = torch.autograd.grad(y_mixed.sum(), mixed, create_graph=True)
        norm = grad.reshape(packs, self.pac * width).norm(2, dim=1)
        penalty = GP_WEIGHT * ((norm - 1) ** 2).mean()
        loss = y_fake.mean() - y_real.mean()
        self._opt_d.zero_grad()
        (loss + penalty).backward()
        self._opt_d.step()
        return loss.detach()

    def _private_discriminator_step(
        self, dp: DPSGD, data: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor:
        """A DP-SGD step: the noisy clipped mean of the real rows' per-row gradients
        (`_real_row_loss`) plus the exact gradient of the generated rows' mean score."""
        rows = data[dp.batch(len(data), self.device_)]
        if not len(rows):
            dp.skip()
            return torch.zeros((), device=self.device_)
        real = torch.cat([rows, self.sampler_.of_rows(rows)], dim=1)
        partner = fake[torch.arange(len(real), device=self.device_) % len(fake)]
        alpha = torch.rand((len(real), 1), device=self.device_)
        params = list(self.discriminator_.parameters())
        fake_score = self.discriminator_(fake).mean()
        fake_grads = torch.autograd.grad(fake_score, params)
        dp.gradients(self._real_row_loss, (real, partner, alpha))
        for param, extra in zip(params, fake_grads, strict=True):
            assert param.grad is not None
            param.grad += extra
        self._opt_d.step()
        return fake_score.detach()

    def _private_probe(self, rows: int) -> object:
        """One discriminator step's clipped sums on `rows` all-zero rows (to time a step)."""
        width = self.transformer_.width_ + self.sampler_.width
        zeros = torch.zeros((rows, width), device=self.device_)
        alpha = torch.rand((rows, 1), device=self.device_)
        return clipped_sums(
            self.discriminator_, self._real_row_loss, (zeros, zeros, alpha), self.max_grad_norm
        )

    @staticmethod
    def _real_row_loss(
        critic: Any, real: torch.Tensor, partner: torch.Tensor, alpha: torch.Tensor
    ) -> torch.Tensor:
        """What the discriminator's loss reads of one real row: -D(row), and the gradient
        penalty at the point `alpha` of the way from the generated partner to the row."""
        mixed = alpha * real + (1 - alpha) * partner
        slope = torch.func.grad(lambda x: critic(x[None]).sum())(mixed)
        norm = torch.sqrt(slope.square().sum() + 1e-12)
        return GP_WEIGHT * (norm - 1) ** 2 - critic(real[None]).sum()

    def _generator_step(
        self, logits: torch.Tensor, fake: torch.Tensor, position: torch.Tensor
    ) -> torch.Tensor:
        scores = self.discriminator_(fake.reshape(len(fake) // self.pac_, -1))
        cross = self.sampler_.cross_entropy(logits, position) if self.sampler_.width else 0.0
        loss = -scores.mean() + cross
        self._opt_g.zero_grad()
        loss.backward()
        self._opt_g.step()
        return loss.detach()

    def _train_epoch(self, data: torch.Tensor) -> dict[str, float]:
        """One pass of steps. As in the PyTorch DCGAN example, a step generates one fake batch:
        the discriminator learns on it (detached), then the generator learns through the updated
        discriminator; only extra discriminator steps generate their own batches."""
        self.generator_.train()
        self.discriminator_.train()
        loss_g, loss_d = self._adversarial_steps(data, self._steps)
        steps = self._steps
        if self._dp is not None:  # no loss on real rows: it would be released in the history
            return {"generator_loss": float(loss_g) / steps, "epsilon_spent": self._dp.spent()}
        return {
            "generator_loss": float(loss_g) / steps,
            "discriminator_loss": float(loss_d) / (steps * self.discriminator_steps),
        }

    def _adversarial_steps(
        self, data: torch.Tensor, steps: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`steps` steps on the real rows `data`: the summed generator and discriminator
        losses."""
        loss_g = loss_d = torch.zeros((), device=self.device_)
        for _ in range(steps):
            if self._dp is not None and self._dp.exhausted:
                break
            logits, fake, position = self._fake(self._batch)
            loss_d = loss_d + self._discriminator_step(data, fake.detach(), position)
            for _ in range(self.discriminator_steps - 1):
                with torch.no_grad():
                    _, extra, extra_position = self._fake(self._batch)
                loss_d = loss_d + self._discriminator_step(data, extra, extra_position)
            loss_g = loss_g + self._generator_step(logits, fake, position)
        return loss_g, loss_d

    def _train_buffer(self, data: torch.Tensor, steps: int | None) -> tuple[dict[str, float], int]:
        """A streamed buffer trained on as an epoch of its own rows: training-by-sampling
        pairs each conditional vector with a real row of the buffer, so the buffer's rows
        are indexed by category (and its log-frequencies draw the categories); `sampler_`,
        from the pilot sample, keeps the frequencies that sampling draws from."""
        self.generator_.train()
        self.discriminator_.train()
        self._train_sampler = ConditionalSampler.from_data(self._discrete_blocks(), data)
        taken = max(len(data) // self._batch, 1)
        taken = taken if steps is None else min(taken, steps)
        loss_g, loss_d = self._adversarial_steps(data, taken)
        losses = {
            "generator_loss": float(loss_g) / taken,
            "discriminator_loss": float(loss_d) / (taken * self.discriminator_steps),
        }
        return losses, taken

    def _privacy_notes(self) -> dict[str, str]:
        return {
            "conditional_vector": "DP: the transformer's noisy category counts of "
            f"{self.sampler_.n_groups} columns (no extra budget); real rows "
            "Poisson-sampled, each with its own category",
            "discriminator": "DP-SGD on real rows, gradient penalty per row inside the "
            "clipped loss; pac 1",
        }

    # sampling ----------------------------------------------------------------------------
    def _generate(self, n: int, conditions: Conditions, rng: np.random.Generator) -> np.ndarray:
        gen = torch_generator(rng, self.device_)
        noise = torch.randn((n, self.embedding_dim), device=self.device_, generator=gen)
        position = self._condition_position(conditions)
        if position is None:
            cond = self.sampler_.sample_original(n, gen)
        else:
            cond = self.sampler_.onehot(torch.full((n,), position, device=self.device_))
        logits = self.generator_(torch.cat([noise, cond], dim=1))
        encoded = self.layout_.decode_sample(logits, gen)
        return encoded.detach().cpu().numpy().astype(np.float64)

    def _condition_position(self, conditions: Conditions) -> int | None:
        """Position in the conditional vector of the first categorical condition, if any."""
        for j, block in enumerate(self.sampler_.blocks):
            code = conditions.category(block.column)
            if code is not None:
                return int(self.sampler_.offsets[j]) + int(code)
        return None

    # state -------------------------------------------------------------------------------
    def _extra_state(self) -> dict[str, Any]:
        pac = {"pac": self.pac_} if self.pac_ != self.pac else {}  # DP: single rows
        return {"category_counts": self.sampler_.counts, **pac}

    def _set_extra_state(self, state: dict[str, Any]) -> None:
        self.pac_ = int(state.get("pac", self.pac))
        counts = np.asarray(state["category_counts"], dtype=np.float64)
        self.sampler_ = ConditionalSampler(self._discrete_blocks(), counts, self.device_)

    def _describe(self) -> dict[str, Any]:
        return {
            **super()._describe(),
            "conditional_vector_width": self.sampler_.width,
            "pac": self.pac_,
        }
