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


def padded_groups(blocks: list[Block], floor: int = 1) -> list[Groups]:
    """Bucket softmax blocks by width (next power of two, at least `floor`) and pad each."""
    buckets: dict[int, list[Block]] = {}
    for block in blocks:
        size = max(1 << max(block.width - 1, 0).bit_length(), floor)
        buckets.setdefault(size, []).append(block)
    return [pad(buckets[size], size) for size in sorted(buckets)]


def pad(blocks: list[Block], width: int) -> Groups:
    """Softmax blocks as groups padded to `width` entries."""
    index = np.zeros((len(blocks), width), dtype=np.int64)
    mask = np.zeros((len(blocks), width), dtype=bool)
    for i, block in enumerate(blocks):
        index[i, : block.width] = np.arange(block.start, block.stop)
        index[i, block.width :] = block.start
        mask[i, : block.width] = True
    return Groups(torch.from_numpy(index), torch.from_numpy(mask))


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
        self.groups = [g.to(device) for g in padded_groups(soft)]
        order = tanh + normal + [int(i) for g in self.groups for i in g.index[g.mask].tolist()]
        self.inverse = torch.from_numpy(np.argsort(np.array(order, dtype=np.int64))).to(device)

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
        self, logits: torch.Tensor, generator: torch.Generator | None
    ) -> torch.Tensor:
        """A concrete encoded row: tanh / identity scalars and sampled one-hot groups."""
        tanh = torch.tanh(logits[:, self.tanh])
        return self._assemble(tanh, logits[:, self.normal], self.sample_onehot(logits, generator))


VECTOR = 16  # float32 lanes of one AVX-512 register


@dataclass
class Slab:
    """Softmax groups stored side by side in the padded order, from column `start`: group-major
    (rows, groups, width) when `axis` is 2, entry-major (rows, width, groups) when it is 1;
    `axis` is the softmax axis of `view`. `bias` (shaped like a row of `view`) is -1e4 on
    padding entries, so their probability is exactly zero."""

    start: int
    groups: int
    width: int
    bias: torch.Tensor
    axis: int

    @property
    def stop(self) -> int:
        return self.start + self.groups * self.width

    def view(self, x: torch.Tensor) -> torch.Tensor:
        inner = (self.groups, self.width) if self.axis == 2 else (self.width, self.groups)
        return x[:, self.start : self.stop].reshape(-1, *inner)

    def index(self, classes: torch.Tensor) -> torch.Tensor:
        """Class index per (row, group), shaped to gather along `axis` of `view`."""
        return classes.unsqueeze(self.axis)

    def one_hot(self, choice: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """(rows, groups) category indices as one-hot rows in this slab's column order."""
        hot = F.one_hot(choice, self.width).to(dtype)
        return (hot if self.axis == 2 else hot.transpose(1, 2)).reshape(len(choice), -1)


def slabs_of(blocks: list[Block]) -> list[tuple[Groups, int]]:
    """(padded groups, softmax axis) per slab.

    PyTorch's CPU softmax vectorises along one axis that has at least VECTOR contiguous entries;
    along a shorter one it runs a scalar loop about 8x slower (measured: softmax of 2,500 x 8
    takes 200 us, of 2,500 x 16 25 us). So groups at least VECTOR wide go group-major in
    power-of-two width buckets. Of the narrower groups, the k narrowest (k >= VECTOR) go
    entry-major into one slab as wide as the widest of them, where the softmax runs along the
    groups, and the rest are padded to VECTOR wide; k (or none) is chosen for the fewest padded
    columns (wa_churn: 18 groups of width 2-4 entry-major, three of width 10 padded to 16)."""
    narrow = sorted((b for b in blocks if b.width < VECTOR), key=lambda b: b.width)
    cost = {k: k * narrow[k - 1].width + VECTOR * (len(narrow) - k) for k in
            range(VECTOR, len(narrow) + 1)}  # fmt: skip
    k = min(cost, key=cost.__getitem__, default=0)
    if not cost or cost[k] >= VECTOR * len(narrow):
        return [(g, 2) for g in padded_groups(blocks, floor=VECTOR)]
    entry = narrow[:k]
    rest = [b for b in blocks if b not in entry]
    return [(pad(entry, entry[-1].width), 1)] + [(g, 2) for g in padded_groups(rest, VECTOR)]


class PaddedLayout:
    """The TVAE decoder's output order: scalars first (tanh, then normal), then the one-hot
    groups in slabs (see `Slab` and `slabs_of`), each slab one masked softmax with no gathers.

    Training targets are not padded: `targets` turns encoded rows into the scalar columns and
    one class index per group (the position of the one in its one-hot block)."""

    def __init__(self, blocks: list[Block], device: torch.device):
        tanh = [i for b in blocks if b.activation == "tanh" for i in range(b.start, b.stop)]
        normal = [i for b in blocks if b.activation == "normal" for i in range(b.start, b.stop)]
        source = tanh + normal  # encoded column of each padded column, -1 for padding
        self.slabs: list[Slab] = []
        self._groups: list[tuple[int, int]] = []  # (first encoded column, width), slab order
        for g, axis in slabs_of([b for b in blocks if b.activation == "softmax"]):
            index, mask = g.index, g.mask
            if axis == 1:
                index, mask = index.T, mask.T
            bias = torch.zeros(mask.shape).masked_fill(~mask, -1e4).to(device)
            groups, width = g.index.shape
            self.slabs.append(Slab(len(source), groups, width, bias, axis))
            source += index.masked_fill(~mask, -1).reshape(-1).tolist()
            self._groups += [(int(g.index[i, 0]), int(g.mask[i].sum())) for i in range(groups)]
        self.n_tanh, self.n_scalar, self.width = len(tanh), len(tanh) + len(normal), len(source)
        self._scalars = torch.tensor(tanh + normal, dtype=torch.long, device=device)
        src = np.array(source, dtype=np.int64)
        position = np.zeros(max(int(src.max(initial=-1)) + 1, 0), dtype=np.int64)
        position[src[src >= 0]] = np.flatnonzero(src >= 0)
        self._position = torch.from_numpy(position).to(device)

    def targets(self, encoded: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(scalar columns, class index of every group) of encoded rows, in slab order."""
        classes = encoded.new_zeros((encoded.shape[0], len(self._groups)), dtype=torch.long)
        for i, (start, width) in enumerate(self._groups):
            classes[:, i] = encoded[:, start : start + width].argmax(dim=1)
        return encoded[:, self._scalars], classes

    def to_encoded(self, padded: torch.Tensor) -> torch.Tensor:
        return padded[:, self._position]

    def sample(
        self, logits: torch.Tensor, sigma: torch.Tensor, generator: torch.Generator | None
    ) -> torch.Tensor:
        """Encoded rows: tanh (or identity) scalars plus noise of scale `sigma` (one per
        scalar), one-hot categories drawn from each group's softmax (Gumbel-max)."""
        scalars = logits[:, : self.n_scalar]
        noise = torch.randn(
            scalars.shape, device=logits.device, dtype=logits.dtype, generator=generator
        )
        tanh = (
            torch.tanh(scalars[:, : self.n_tanh]) + noise[:, : self.n_tanh] * sigma[: self.n_tanh]
        )
        parts = [
            tanh.clamp(-1.0, 1.0),
            scalars[:, self.n_tanh :] + noise[:, self.n_tanh :] * sigma[self.n_tanh :],
        ]
        for slab in self.slabs:
            padded = slab.view(logits) + slab.bias
            choice = (padded + _gumbel(padded.shape, padded, generator)).argmax(dim=slab.axis)
            parts.append(slab.one_hot(choice, logits.dtype))
        return self.to_encoded(torch.cat(parts, dim=1))
