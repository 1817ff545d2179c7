"""CTGAN's conditional vector and training-by-sampling, vectorised.

The conditional vector is the concatenation of the one-hot groups of the categorical columns.
In training, each row picks a categorical column uniformly and a category of it with
probability proportional to log(1 + count), and is paired with a real row of that category.
The real rows of every (column, category) are pre-sorted into one index array, so drawing a
batch is a few tensor operations and no per-row Python.

Under differential privacy the counts are the DP transformer's noisy category counts and no
row is indexed: DP-SGD's batches of real rows are Poisson samples, which picking rows by
category would break (a row of a rare category would be picked far more often than the sample
rate). So each real row gets its own category of a random column (`of_rows`), and generated
rows draw categories by their noisy frequency (`sample_train(frequency=True)`), which is the
same distribution.
"""

from __future__ import annotations

import numpy as np
import torch

from ..transforms.base import Block


class ConditionalSampler:
    """Draw conditional vectors (and matching real rows) for the categorical groups `blocks`."""

    def __init__(self, blocks: list[Block], counts: np.ndarray, device: torch.device):
        self.blocks = blocks
        self.device = device
        widths = np.array([b.width for b in blocks], dtype=np.int64)
        self.width = int(widths.sum())
        self.offsets = torch.from_numpy(np.concatenate([[0], np.cumsum(widths)[:-1]])).to(device)
        self.counts = counts  # (groups, widest) padded with zeros
        self.n_groups = len(blocks)
        freq = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        logf = np.log1p(counts)
        logf = logf / np.maximum(logf.sum(axis=1, keepdims=True), 1e-12)
        self._cum_freq = torch.tensor(np.cumsum(freq, axis=1), dtype=torch.float32, device=device)
        self._cum_log = torch.tensor(np.cumsum(logf, axis=1), dtype=torch.float32, device=device)
        index = np.zeros((max(len(blocks), 1), max(counts.shape[1], 1)), dtype=np.int64)
        mask = np.zeros_like(index, dtype=bool)
        for j, block in enumerate(blocks):
            index[j, : block.width] = np.arange(block.start, block.stop)
            index[j, block.width :] = block.start
            mask[j, : block.width] = True
        self.index = torch.from_numpy(index).to(device)
        self.mask = torch.from_numpy(mask).to(device)

    @classmethod
    def from_data(cls, blocks: list[Block], data: torch.Tensor) -> ConditionalSampler:
        """Count categories in the encoded `data` and index its rows by category."""
        widest = max((b.width for b in blocks), default=0)
        counts = np.zeros((len(blocks), widest))
        codes = []
        for j, block in enumerate(blocks):
            code = data[:, block.start : block.stop].argmax(dim=1)
            counts[j, : block.width] = torch.bincount(code, minlength=block.width).cpu().numpy()
            codes.append(code)
        self = cls(blocks, counts, data.device)
        self._index_rows(codes, len(data))
        return self

    def of_rows(self, data: torch.Tensor) -> torch.Tensor:
        """Conditional vectors of encoded real rows: each row's own category of a random
        column (DP training, see the module docstring)."""
        if not self.n_groups:
            return torch.zeros((len(data), 0), device=self.device)
        group = torch.randint(self.n_groups, (len(data),), device=self.device)
        own = data.gather(1, self.index[group]) * self.mask[group]
        return self.onehot(self.offsets[group] + own.argmax(dim=1))

    def _index_rows(self, codes: list[torch.Tensor], n: int) -> None:
        groups = [self.counts[j, : b.width] for j, b in enumerate(self.blocks)]
        flat_counts = np.concatenate(groups) if groups else np.zeros(0)
        starts = []
        for j, block in enumerate(self.blocks):
            within = np.concatenate([[0], np.cumsum(self.counts[j, : block.width])[:-1]])
            starts.append(j * n + within)
        self._rows = (
            torch.cat([torch.argsort(c, stable=True) for c in codes])
            if codes
            else torch.zeros(0, dtype=torch.long, device=self.device)
        )
        self._starts = torch.tensor(
            np.concatenate(starts) if starts else [], dtype=torch.long, device=self.device
        )
        self._counts = torch.tensor(flat_counts, dtype=torch.long, device=self.device)
        self._n = n

    def _draw(self, rows: int, cum: torch.Tensor, gen: torch.Generator | None) -> torch.Tensor:
        """Global category index (position in the conditional vector) of each row."""
        group = torch.randint(self.n_groups, (rows,), device=self.device, generator=gen)
        u = torch.rand((rows, 1), device=self.device, generator=gen)
        cat = (u > cum[group]).sum(dim=1)
        widths = self.mask.sum(dim=1)
        cat = torch.minimum(cat, widths[group] - 1)
        return self.offsets[group] + cat

    def onehot(self, position: torch.Tensor) -> torch.Tensor:
        cond = torch.zeros((len(position), self.width), device=self.device)
        cond[torch.arange(len(position), device=self.device), position] = 1.0
        return cond

    def sample_train(
        self, rows: int, gen: torch.Generator | None = None, frequency: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(conditional vectors, global category index) with log-frequency category draws
        (`frequency`: draws by frequency, as real rows have them under DP)."""
        if not self.n_groups:
            return torch.zeros((rows, 0), device=self.device), torch.zeros(
                rows, dtype=torch.long, device=self.device
            )
        position = self._draw(rows, self._cum_freq if frequency else self._cum_log, gen)
        return self.onehot(position), position

    def sample_original(self, rows: int, gen: torch.Generator | None = None) -> torch.Tensor:
        """Conditional vectors with categories drawn by their real frequencies (for sampling)."""
        if not self.n_groups:
            return torch.zeros((rows, 0), device=self.device)
        return self.onehot(self._draw(rows, self._cum_freq, gen))

    def real_rows(self, position: torch.Tensor, gen: torch.Generator | None = None) -> torch.Tensor:
        """Index of a random real row of each requested category (any row without groups)."""
        if not self.n_groups:
            return torch.randint(self._n, (len(position),), device=self.device, generator=gen)
        u = torch.rand(len(position), device=self.device, generator=gen)
        count = self._counts[position]
        pick = (u * count).long().clamp(max=count - 1)
        return self._rows[self._starts[position] + pick]

    def group_of(self, position: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(group, category within the group) of global category indices."""
        group = torch.searchsorted(self.offsets, position, right=True) - 1
        return group, position - self.offsets[group]

    def cross_entropy(self, logits: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of the generator's logits for each row's conditioned group."""
        group, cat = self.group_of(position)
        chosen = logits.gather(1, self.index[group]).masked_fill(~self.mask[group], float("-inf"))
        return torch.nn.functional.cross_entropy(chosen, cat)
