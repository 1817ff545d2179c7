"""Vectorised output activations of the encoded matrix for the neural synthesizers.

The TableTransformer's blocks say which encoded columns are scalars (tanh or normal) and which
form one-hot groups (softmax). Looping over groups in Python costs one small kernel per group
per step; instead the groups are gathered into padded tensors (one per width bucket: widths are
rounded up to a power of two, so one 1,000-level column does not pad every 2-level column to
1,000) and activated with a single softmax each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..transforms.base import Block


@dataclass
class Groups:
    """Softmax groups of similar width, padded: `index` (groups x width) points into the
    encoded columns, `mask` marks real (not padding) entries."""

    index: torch.Tensor
    mask: torch.Tensor

    def gather(self, x: torch.Tensor, fill: float = float("-inf")) -> torch.Tensor:
        """(rows, groups, width) view of `x` with padding set to `fill`."""
        return x[:, self.index].masked_fill(~self.mask, fill)

    def flatten(self, padded: torch.Tensor) -> torch.Tensor:
        """Back to (rows, real entries), in the order of `index[mask]`."""
        return padded[:, self.mask]

    def to(self, device: torch.device) -> Groups:
        return Groups(self.index.to(device), self.mask.to(device))


def padded_groups(blocks: list[Block]) -> list[Groups]:
    """Bucket softmax blocks by width (next power of two) and pad each bucket."""
    buckets: dict[int, list[Block]] = {}
    for block in blocks:
        size = 1 << max(block.width - 1, 0).bit_length()
        buckets.setdefault(size, []).append(block)
    out = []
    for size in sorted(buckets):
        group = buckets[size]
        index = np.zeros((len(group), size), dtype=np.int64)
        mask = np.zeros((len(group), size), dtype=bool)
        for i, block in enumerate(group):
            index[i, : block.width] = np.arange(block.start, block.stop)
            index[i, block.width :] = block.start
            mask[i, : block.width] = True
        out.append(Groups(torch.from_numpy(index), torch.from_numpy(mask)))
    return out


def _gumbel(
    shape: torch.Size, like: torch.Tensor, generator: torch.Generator | None
) -> torch.Tensor:
    u = torch.rand(shape, device=like.device, dtype=like.dtype, generator=generator)
    return -torch.log(-torch.log(u.clamp(1e-10, 1.0 - 1e-7)))


class OutputLayout:
    """Where each kind of output sits in the encoded matrix, with vectorised activations."""

    def __init__(self, blocks: list[Block], device: torch.device):
        width = max((b.stop for b in blocks), default=0)
        self.width = width
        tanh = [i for b in blocks if b.activation == "tanh" for i in range(b.start, b.stop)]
        normal = [i for b in blocks if b.activation == "normal" for i in range(b.start, b.stop)]
        soft = [b for b in blocks if b.activation == "softmax"]
        self.tanh = torch.tensor(tanh, dtype=torch.long, device=device)
        self.normal = torch.tensor(normal, dtype=torch.long, device=device)
        self.scalar = torch.tensor(tanh + normal, dtype=torch.long, device=device)
        self.groups = [g.to(device) for g in padded_groups(soft)]
        order = tanh + normal + [int(i) for g in self.groups for i in g.index[g.mask].tolist()]
        self.inverse = torch.from_numpy(np.argsort(np.array(order, dtype=np.int64))).to(device)
        # numbers of tanh / normal columns, and whether the scalar parts are all tanh
        self.n_tanh, self.n_normal = len(tanh), len(normal)

    def _assemble(
        self, tanh: torch.Tensor, normal: torch.Tensor, soft: list[torch.Tensor]
    ) -> torch.Tensor:
        return torch.cat([tanh, normal, *soft], dim=1)[:, self.inverse]

    def gumbel_activate(
        self, logits: torch.Tensor, tau: float, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """tanh on tanh columns, identity on normal columns, Gumbel-softmax on each group."""
        soft = []
        for g in self.groups:
            padded = g.gather(logits)
            noisy = (padded + _gumbel(padded.shape, padded, generator)) / tau
            soft.append(g.flatten(torch.softmax(noisy, dim=-1)))
        return self._assemble(torch.tanh(logits[:, self.tanh]), logits[:, self.normal], soft)

    def sample_onehot(
        self, logits: torch.Tensor, generator: torch.Generator | None
    ) -> list[torch.Tensor]:
        """One-hot draws from softmax(logits) of each group (Gumbel-max), flattened."""
        out = []
        for g in self.groups:
            padded = g.gather(logits)
            choice = (padded + _gumbel(padded.shape, padded, generator)).argmax(dim=-1)
            out.append(g.flatten(F.one_hot(choice, padded.shape[-1]).to(logits.dtype)))
        return out

    def decode_sample(
        self,
        logits: torch.Tensor,
        generator: torch.Generator | None,
        sigma: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """A concrete encoded row: scalars (plus Gaussian noise of scale `sigma`, one per encoded
        column, when given) and sampled one-hot groups."""
        tanh = torch.tanh(logits[:, self.tanh])
        normal = logits[:, self.normal]
        if sigma is not None:
            noise = (
                torch.randn(
                    (logits.shape[0], len(self.scalar)),
                    device=logits.device,
                    dtype=logits.dtype,
                    generator=generator,
                )
                * sigma[self.scalar]
            )
            tanh = (tanh + noise[:, : self.n_tanh]).clamp(-1.0, 1.0)
            normal = normal + noise[:, self.n_tanh :]
        return self._assemble(tanh, normal, self.sample_onehot(logits, generator))

    def cross_entropy(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Sum over rows and groups of -log softmax(logits)[true category] (target is one-hot)."""
        total = logits.new_zeros(())
        for g in self.groups:
            logp = torch.log_softmax(g.gather(logits), dim=-1).masked_fill(~g.mask, 0.0)
            total = total - (logp * target[:, g.index].masked_fill(~g.mask, 0.0)).sum()
        return total
