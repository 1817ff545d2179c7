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
import torch.nn.functional as F
from torch import nn

COSINE_OFFSET = 0.008
TIME_FREQUENCIES = 32
# clean scores lie within the quantile encoder's clip (|z| < 4.3 for a million rows)
SCORE_LIMIT = 5.0
# the sampling pass (SamplingPass): rows per block, token values up to which one-hot columns
# beat the embedding's bag
BLOCK_ROWS = 1_024
ONE_HOT_LIMIT = 128


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
            # one bag per row: 25x faster than summing the looked-up (rows, columns, width)
            # tensor on 18 columns (wa_churn: the network pass 89 -> 24 ms for 8,192 rows)
            bags = F.embedding_bag(tokens + self.offsets, self.token_in.weight, mode="sum")
            first = first + bags
        out = self.head(self.trunk(first))
        return out[:, : self.numbers], out[:, self.numbers :]


class SamplingPass:
    """The denoiser's pass prepared for the reverse process, once per sample.

    - the first layer as one matrix product: the numbers' inputs beside the tokens' one-hot
      columns (what the embedding's bag sums), the time's vector folded into the bias, when
      the tokens have at most `ONE_HOT_LIMIT` values in all (else the bag, as in training);
    - the weights cast to `dtype` once (autocast casts them on every pass);
    - rows in blocks of `BLOCK_ROWS`, whose activations stay in the CPU's cache and reuse
      memory: on 8,192 rows at once each pass's new 8 MiB tensors cost page faults.
    With the draw of revealed tokens only (`diffusion_sample`), 100,000 rows of wa_churn at
    10 steps, one thread, bfloat16: 17,700 -> 30,000 rows/s (20 steps: 9,100 -> 17,200).
    """

    def __init__(self, net: Denoiser, dtype: torch.dtype):
        self.net, self.dtype, self.numbers = net, dtype, net.numbers
        vocabulary = 0 if net.token_in is None else net.token_in.num_embeddings
        self.one_hot = 0 < vocabulary <= ONE_HOT_LIMIT
        self.width = 3 * net.numbers + (vocabulary if self.one_hot else 0)  # first layer's inputs
        parts = [net.number_in.weight] if net.number_in is not None else []
        if self.one_hot:
            parts.append(net.token_in.weight.T)  # type: ignore[union-attr]
        self.first = torch.cat(parts, dim=1).to(dtype).T if parts else None
        self.layers = [
            (m.weight.to(dtype).T, m.bias.to(dtype)) for m in net.trunk if isinstance(m, nn.Linear)
        ]
        self.head = (net.head.weight.to(dtype).T, net.head.bias.to(dtype))

    def __call__(
        self, numbers: torch.Tensor, known: torch.Tensor, tokens: torch.Tensor, t: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """As `Denoiser.forward` with one time `t` for every row; outputs in float32."""
        net = self.net
        bias = net.time_in(time_features(t))[0]
        if net.number_in is not None:
            bias = bias + net.number_in.bias
        bias = bias.to(self.dtype)
        out = torch.empty((len(numbers), net.head.out_features), device=numbers.device)
        for start in range(0, len(numbers), BLOCK_ROWS):
            rows = slice(start, start + BLOCK_ROWS)
            first = self._first(numbers[rows], known[rows], tokens[rows], bias)
            h = F.silu(first, inplace=True)
            for weight, b in self.layers:
                h = F.silu(torch.addmm(b, h, weight), inplace=True)
            out[rows] = torch.addmm(self.head[1], h, self.head[0])
        return out[:, : self.numbers], out[:, self.numbers :]

    def _first(
        self, numbers: torch.Tensor, known: torch.Tensor, tokens: torch.Tensor, bias: torch.Tensor
    ) -> torch.Tensor:
        net, n = self.net, self.numbers
        if self.first is None:
            first = bias.expand(len(tokens), -1).clone()
        else:
            shape = (len(numbers), self.width)
            inputs = torch.zeros(shape, dtype=self.dtype, device=numbers.device)
            inputs[:, :n] = numbers * (1 - known)
            inputs[:, n : 2 * n] = numbers * known
            inputs[:, 2 * n : 3 * n] = known
            if self.one_hot:
                inputs[:, 3 * n :].scatter_(1, tokens + net.offsets, 1.0)
            first = torch.addmm(bias, inputs, self.first)
        if net.token_in is not None and not self.one_hot:
            bags = F.embedding_bag(tokens + net.offsets, net.token_in.weight, mode="sum")
            first += bags.to(self.dtype)
        return first


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


def log_snr(t: float) -> float:
    """lambda(t) = log(sqrt(a) / sqrt(1 - a)), -inf at t = 1 (pure noise)."""
    a = float(signal_level(torch.tensor([t], dtype=torch.float64)))
    if a <= 0:
        return -math.inf
    return 0.5 * math.log(a / max(1 - a, 1e-300))


def dpm_step(
    x: torch.Tensor,
    x0: torch.Tensor,
    previous: tuple[torch.Tensor, float] | None,
    t: float,
    s: float,
) -> torch.Tensor:
    """One DPM-Solver++(2M) step of the numbers from t to s < t (Lu et al. 2022): the exact
    solution of the probability-flow ODE with the clean estimate extrapolated linearly in
    lambda from this step's `x0` and the one before (`previous`: that estimate and its
    time); without one, or at s = 0, the first-order step, which is the DDIM step."""
    if s <= 0:
        return x0
    a_t, a_s = (float(signal_level(torch.tensor([u], dtype=torch.float64))) for u in (t, s))
    lam_t, lam_s = log_snr(t), log_snr(s)
    estimate = x0
    if previous is not None and math.isfinite(lam_t):
        before, u = previous
        lam_u = log_snr(u)
        if math.isfinite(lam_u):
            r = (lam_t - lam_u) / (lam_s - lam_t)
            estimate = (1 + 0.5 / r) * x0 - (0.5 / r) * before
            estimate = estimate.clamp(-SCORE_LIMIT, SCORE_LIMIT)
    # x_s = sigma_s / sigma_t x_t + alpha_s (1 - e^-h) D, rewritten so that sigma_t = 1 at
    # t = 1 needs no special case: alpha_s e^-h = sigma_s alpha_t / sigma_t
    sigma_t, sigma_s = math.sqrt(1 - a_t), math.sqrt(1 - a_s)
    alpha_t, alpha_s = math.sqrt(a_t), math.sqrt(a_s)
    return sigma_s / sigma_t * (x - alpha_t * estimate) + alpha_s * estimate


def clean_estimate(x: torch.Tensor, v: torch.Tensor, t: float) -> torch.Tensor:
    """x_0 implied by the network's v at time t, clipped to the scores' range."""
    a_t = float(signal_level(torch.tensor([t], dtype=torch.float64)))
    return (math.sqrt(a_t) * x - math.sqrt(1 - a_t) * v).clamp(-SCORE_LIMIT, SCORE_LIMIT)


def noised(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """x_t of clean scores `x0` (t: one time per row, or one shared time)."""
    level = signal_level(t).reshape(-1, 1)
    return level.sqrt() * x0 + (1 - level).sqrt() * noise
