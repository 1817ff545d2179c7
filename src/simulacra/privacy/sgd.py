"""DP-SGD (Abadi et al. 2016) for any PyTorch module: Poisson-sampled batches, per-sample
gradients clipped to `max_grad_norm`, Gaussian noise of `noise_multiplier * max_grad_norm` on
their sum, and the RDP accountant (`budget.epsilon_spent`, Opacus's analysis).

Per-sample gradients come from `torch.func` (vmap over grad), in chunks of `CHUNK_ROWS`
rows so memory stays bounded: Opacus's hook-based GradSampleModule refuses modules with their
own parameters and buffers (the autoregressive TokenNet), while vmap handles any module. The
clipping and the noise are those of Opacus's `DPOptimizer` (tests/synthesizers/test_dp.py
checks the clipped sum against it); the update is then the model's own optimiser.

The number of steps is fixed before training from the budget: `steps` = epochs / sample
rate (or given), and the noise multiplier is the smallest that keeps those steps (composed
with what the fit's ledger has already spent, the transformer's statistics) within (epsilon,
delta). `exhausted` turns true when they are taken: training stops there.

The sample rate is batch_size over the noisy row count (the true count is private), the
batches are Poisson samples and the noise is Gaussian, both from the operating system's
secure generator (`randomness.py`), never from the seed; each step is written to the ledger.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from . import randomness
from .budget import SGDSteps, noise_multiplier_for
from .ledger import PrivacyLedger

CHUNK_ROWS = 64


def seconds_per_step(probe: Callable[[], object], repeats: int = 2) -> float:
    """Wall seconds of one call of `probe` (the least of `repeats`): a gradient computation on
    data-independent input of a batch's shape, to plan how many steps fit a time budget."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        probe()
        times.append(time.perf_counter() - started)
    return min(times)


def clip_factors(squared_norms: torch.Tensor, max_grad_norm: float) -> torch.Tensor:
    """Per row, the factor that clips its gradient (squared norm given) to max_grad_norm."""
    return (max_grad_norm / (torch.sqrt(squared_norms) + 1e-6)).clamp(max=1.0)


def clipped_sums(
    module: nn.Module,
    loss_of_row: Callable[..., torch.Tensor],
    inputs: tuple[torch.Tensor, ...],
    max_grad_norm: float,
) -> dict[torch.Tensor, torch.Tensor]:
    """Per parameter, the sum over rows of the per-row gradients of
    `loss_of_row(module_call, *row_inputs)`, each clipped to `max_grad_norm` (one vmapped
    gradient per row: any module; `ghost.py` is the fast path for linear layers)."""
    from torch.func import functional_call, grad, vmap

    params = dict(module.named_parameters())
    names = [k for k, p in params.items() if p.requires_grad]
    frozen = {k: params[k].detach() for k in names}
    buffers = dict(module.named_buffers())

    def one(weights: dict[str, torch.Tensor], *row: torch.Tensor) -> torch.Tensor:
        call = lambda *args: functional_call(module, {**weights, **buffers}, args)  # noqa: E731
        return loss_of_row(call, *row)

    per_row = vmap(grad(one), in_dims=(None, *([0] * len(inputs))), randomness="different")
    total = {k: torch.zeros_like(frozen[k]) for k in names}
    for start in range(0, len(inputs[0]), CHUNK_ROWS):
        chunk = tuple(t[start : start + CHUNK_ROWS] for t in inputs)
        grads = per_row(frozen, *chunk)
        norms2 = sum(g.reshape(len(g), -1).float().pow(2).sum(1) for g in grads.values())
        scale = clip_factors(norms2, max_grad_norm)
        for k in names:
            total[k] += torch.einsum("i,i...->...", scale, grads[k])
    return {params[k]: total[k] for k in names}


class DPSGD:
    """The DP-SGD state of one training run (see the module docstring)."""

    def __init__(
        self,
        module: nn.Module,
        ledger: PrivacyLedger,
        *,
        rows: int,
        batch_size: int,
        epochs: int,
        max_grad_norm: float,
        seconds_per_step: float | None = None,
        time_budget: float | None = None,
    ):
        budget = ledger.budget
        self.module = module
        self.ledger = ledger
        self.sample_rate = min(batch_size / max(rows, 1), 1.0)
        self.steps_per_epoch = max(round(1 / self.sample_rate), 1)
        self.steps = self.steps_per_epoch * epochs
        self.planned_by = f"{epochs} epochs"
        if seconds_per_step and time_budget and self.steps * seconds_per_step > time_budget:
            self.steps = max(int(time_budget / seconds_per_step), 1)
            self.planned_by = (
                f"a time budget of {time_budget:.0f} s ({seconds_per_step:.3f} s/step)"
            )
        self.max_grad_norm = max_grad_norm
        self.rho_before = ledger.rho_spent
        self.noise_multiplier = noise_multiplier_for(
            budget.epsilon, budget.accountant_delta, self.rho_before, self.sample_rate, self.steps
        )
        self.expected_batch = self.sample_rate * rows
        self.taken = 0
        ledger.sgd = SGDSteps(self.sample_rate, self.noise_multiplier, 0)

    @property
    def exhausted(self) -> bool:
        return self.taken >= self.steps

    @property
    def epochs_planned(self) -> int:
        return -(-self.steps // self.steps_per_epoch)

    def batch(self, rows: int, device: torch.device) -> torch.Tensor:
        """Indices of one Poisson sample of `rows` rows (each in with the sample rate)."""
        chosen = np.flatnonzero(randomness.uniform(rows) < self.sample_rate)
        return torch.from_numpy(chosen).to(device)

    def skip(self) -> None:
        """Count a step whose Poisson batch was empty: nothing released, the step counts."""
        self._count_step()

    def _count_step(self) -> None:
        self.taken += 1
        self.ledger.sgd = SGDSteps(self.sample_rate, self.noise_multiplier, self.taken)

    def gradients(
        self, loss_of_row: Callable[..., torch.Tensor], inputs: tuple[torch.Tensor, ...]
    ) -> None:
        """Set each parameter's `.grad` to the noisy mean of the clipped per-row gradients of
        `loss_of_row(module_call, *row_inputs)` (`clipped_sums`), and count one step."""
        self.release(clipped_sums(self.module, loss_of_row, inputs, self.max_grad_norm))

    def release(self, clipped_sums: dict[torch.Tensor, torch.Tensor]) -> None:
        """Set each parameter's `.grad` to its clipped per-row gradient sum plus Gaussian noise,
        over the expected batch size, and count one step. Every trainable parameter of the
        module must be in `clipped_sums` (a parameter left out would train without noise)."""
        trainable = [p for p in self.module.parameters() if p.requires_grad]
        if len(clipped_sums) != len(trainable) or any(p not in clipped_sums for p in trainable):
            raise ValueError("DP-SGD: every trainable parameter needs its clipped gradient")
        std = self.noise_multiplier * self.max_grad_norm
        for param, total in clipped_sums.items():
            noise = torch.from_numpy(randomness.normal(tuple(total.shape), std))
            noise = noise.to(dtype=param.dtype, device=total.device)
            param.grad = (total.to(param.dtype) + noise) / self.expected_batch
        self._count_step()

    def spent(self) -> float:
        """The epsilon spent so far (everything on the ledger, the steps taken included)."""
        return self.ledger.epsilon_spent()

    def record(self) -> dict[str, Any]:
        """What a model file keeps about the run (shown by `describe()` and `inspect`)."""
        return {
            **self.ledger.record(),
            "mechanism": "DP-SGD: Poisson sampling, per-sample clipping, Gaussian noise",
            "noise_multiplier": round(self.noise_multiplier, 6),
            "max_grad_norm": self.max_grad_norm,
            "sample_rate": self.sample_rate,
            "steps": self.taken,
            "steps_planned": self.steps,
            "steps_planned_from": self.planned_by,
            "metadata_share": self.ledger.budget.metadata_share,
        }
