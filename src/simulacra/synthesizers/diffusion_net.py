"""The pieces of the diffusion synthesizer that know nothing of tables: the noise schedules,
the denoising network, and one reverse step.

Time runs from 0 (clean data) to 1 (pure noise); training draws t from a grid of
`diffusion_steps` values, sampling walks a coarser grid of `sampling_steps` values.

- Numbers (standard-normal scores) follow a Gaussian diffusion with the cosine schedule of
  Nichol & Dhariwal (2021): x_t = sqrt(a(t)) x_0 + sqrt(1 - a(t)) eps, a(1) = 0.
- Tokens (category codes, null indicators) follow a masked (absorbing-state) diffusion: each
  token is replaced by its column's mask token with probability t, independently (the linear
  schedule of MDLM, Sahoo et al. 2024). Reversing it from t to s < t unmasks each masked token
  with probability (t - s) / t, drawn from the network's prediction of its clean value.
- The network predicts v = sqrt(a) eps - sqrt(1 - a) x_0 for the numbers (Salimans & Ho
  2022: well scaled at every noise level, so a few large DDIM steps stay stable) and the
  logits of every token's clean value.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

COSINE_OFFSET = 0.008
TIME_FREQUENCIES = 32
# clean scores lie within the quantile encoder's clip (|z| < 4.3 for a million rows)
SCORE_LIMIT = 5.0


def signal_level(t: torch.Tensor) -> torch.Tensor:
    """a(t) of the cosine schedule: the share of the clean signal's variance left at time t."""
    s = COSINE_OFFSET
    start = math.cos(s / (1 + s) * math.pi / 2) ** 2
    return (torch.cos((t + s) / (1 + s) * (math.pi / 2)) ** 2 / start).clamp(0.0, 1.0)


def time_grid(steps: int, of: int) -> list[float]:
    """`steps` + 1 times from 1 down to 0 on the training grid of `of` steps (strided)."""
    ticks = np.unique(np.round(np.linspace(0, of, steps + 1)).astype(np.int64))[::-1]
    return [float(k) / of for k in ticks]


def time_features(t: torch.Tensor) -> torch.Tensor:
    """Sinusoidal features of t in [0, 1] (as in transformers, on a 0-1000 scale)."""
    freqs = torch.exp(
        -math.log(10_000.0) * torch.arange(TIME_FREQUENCIES, device=t.device) / TIME_FREQUENCIES
    )
    angle = 1000.0 * t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.sin(angle), torch.cos(angle)], dim=1)


class Denoiser(nn.Module):
    """(numbers, which numbers are known, partly masked tokens, t) -> (v of the numbers,
    logits of every token).

    A known number is given clean (a condition, a present cell) and flagged as such; the
    others are noisy at time t. The first layer sums a linear map of the noisy numbers, the
    known ones and the flags, one learned vector per token (what a linear layer over one-hot
    columns computes; mask tokens have vectors of their own) and a linear map of the time's
    sinusoidal features; SiLU layers follow, then one linear head.
    """

    def __init__(self, numbers: int, sizes: list[int], hidden: list[int]):
        super().__init__()
        self.numbers = numbers
        self.sizes = list(sizes)
        width = hidden[0]
        self.number_in = nn.Linear(3 * numbers, width) if numbers else None
        # token k of column j: row offsets[j] + k; the mask token is k = sizes[j]
        self.token_in = nn.Embedding(sum(k + 1 for k in sizes), width) if sizes else None
        offsets = np.concatenate([[0], np.cumsum([k + 1 for k in sizes])[:-1]]).astype(np.int64)
        self.offsets: torch.Tensor
        self.register_buffer("offsets", torch.from_numpy(offsets), persistent=False)
        # one linear map of the time's features: the SiLU after the sum makes it nonlinear,
        # at a quarter of the cost of TabDDPM's two-layer time MLP
        self.time_in = nn.Linear(2 * TIME_FREQUENCIES, width)
        layers: list[nn.Module] = [nn.SiLU()]
        for h in hidden[1:]:
            layers += [nn.Linear(width, h), nn.SiLU()]
            width = h
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Linear(width, numbers + sum(sizes))

    def forward(
        self, numbers: torch.Tensor, known: torch.Tensor, tokens: torch.Tensor, t: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`known` flags (0/1, like `numbers`) the clean numbers; `t` holds one time per row,
        or a single time shared by every row."""
        first = self.time_in(time_features(t))
        if self.number_in is not None:
            # noisy and clean numbers in separate inputs: a known value acts on the first layer
            # through weights of its own, with no interaction with its flag to learn
            split = torch.cat([numbers * (1 - known), numbers * known, known], dim=1)
            first = first + self.number_in(split)
        if self.token_in is not None:
            first = first + self.token_in(tokens + self.offsets).sum(dim=1)
        out = self.head(self.trunk(first))
        return out[:, : self.numbers], out[:, self.numbers :]


def ddim_step(
    x: torch.Tensor,
    v: torch.Tensor,
    t: float,
    s: float,
    eta: float,
    noise: torch.Tensor,
) -> torch.Tensor:
    """One reverse step of the numbers from time t to s < t (Song et al. 2021): the clean
    estimate (clipped to the scores' range) and the implied noise, recombined at level s;
    `eta` 0 is the deterministic DDIM step, 1 the ancestral (DDPM) one."""
    a_t, a_s = (float(signal_level(torch.tensor([u], dtype=torch.float64))) for u in (t, s))
    x0 = (math.sqrt(a_t) * x - math.sqrt(1 - a_t) * v).clamp(-SCORE_LIMIT, SCORE_LIMIT)
    if s <= 0:
        return x0
    eps = (x - math.sqrt(a_t) * x0) / math.sqrt(1 - a_t)
    sigma = eta * math.sqrt((1 - a_s) / (1 - a_t) * max(1 - a_t / a_s, 0.0))
    keep = math.sqrt(max(1 - a_s - sigma**2, 0.0))
    return math.sqrt(a_s) * x0 + keep * eps + sigma * noise


def noised(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """x_t of clean scores `x0` (t: one time per row, or one shared time)."""
    level = signal_level(t).reshape(-1, 1)
    return level.sqrt() * x0 + (1 - level).sqrt() * noise
