"""The autoregressive model's network: every column's token (or its 'hidden' marker) becomes a
learned vector, their sum goes through an MLP to every column's logits; and its DP-SGD step by
ghost clipping."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ..privacy.ghost import LinearRecorder, linear_clipped, linear_norms2
from ..privacy.sgd import clip_factors


class TokenNet(nn.Module):
    """Every column's token (or its 'hidden' marker) -> a vector; their sum -> MLP -> logits.

    The first layer is a sum of per-token vectors (what a linear layer over concatenated
    one-hot columns computes), so when sampling fills one column, the layer is updated by
    adding that token's vector instead of being recomputed.
    """

    def __init__(self, sizes: list[int], hidden: list[int], dropout: float = 0.0):
        super().__init__()
        self.sizes = list(sizes)
        width_in = [k + 1 for k in sizes]  # token k of column j is its 'hidden' marker
        self.embedding = nn.Embedding(sum(width_in), hidden[0])
        self.bias = nn.Parameter(torch.zeros(hidden[0]))
        offsets = np.concatenate([[0], np.cumsum(width_in)[:-1]]).astype(np.int64)
        self.offsets: torch.Tensor
        self.register_buffer("offsets", torch.from_numpy(offsets), persistent=False)
        layers: list[nn.Module] = [nn.ReLU(), nn.Dropout(dropout)]
        width = hidden[0]
        for h in hidden[1:]:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Linear(width, sum(sizes))

    def first_layer(self, tokens: torch.Tensor) -> torch.Tensor:
        """The sum of the tokens' vectors. Training keeps the gather-then-sum: an embedding
        bag computes the same to 1e-7 but its fits stopped earlier (wa_churn, 7 seeds: 72
        epochs and C2ST 0.599 against 85 and 0.574); sampling uses the bag (`token_draw`).
        It holds one vector per cell, so callers pass rows in blocks (`VALIDATION_ROWS`)."""
        return self.embedding(tokens + self.offsets).sum(dim=1) + self.bias

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(self.first_layer(tokens)))


def ghost_sums(
    net: TokenNet,
    tokens: torch.Tensor,
    hidden: torch.Tensor,
    row_losses: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
    max_grad_norm: float,
) -> dict[torch.Tensor, torch.Tensor]:
    """The clipped per-row gradient sums of a batch for DP-SGD, by ghost clipping
    (`privacy/ghost.py`): per-row norms from one backward pass to the layers' outputs.
    `row_losses(logits, tokens, hidden)` gives each row's loss. The first layer sums one
    embedding row per column (distinct rows, thanks to the offsets) and a bias, so its per-row
    squared norm is (columns + 1) |g|^2."""
    sizes = torch.tensor(net.sizes, device=tokens.device)
    index = torch.where(hidden, sizes.expand_as(tokens), tokens) + net.offsets
    with LinearRecorder(net) as linear:
        first = net.embedding(index).sum(dim=1) + net.bias
        losses = row_losses(net.head(net.trunk(first)), tokens, hidden)
    grads = torch.autograd.grad(losses.sum(), [first, *(c.output for c in linear.calls)])
    norms2 = grads[0].float().pow(2).sum(dim=1) * (tokens.shape[1] + 1)
    for call, grad in zip(linear.calls, grads[1:], strict=True):
        norms2 = norms2 + linear_norms2(call, grad)
    scale = clip_factors(norms2, max_grad_norm).unsqueeze(1)
    first_grad = grads[0].float() * scale
    embedding = torch.zeros_like(net.embedding.weight).index_add_(
        0, index.reshape(-1), first_grad.repeat_interleave(tokens.shape[1], dim=0)
    )
    sums: dict[torch.Tensor, torch.Tensor] = {
        net.embedding.weight: embedding,
        net.bias: first_grad.sum(dim=0),
    }
    for call, grad in zip(linear.calls, grads[1:], strict=True):
        sums.update(linear_clipped(call, grad * scale))
    return sums
