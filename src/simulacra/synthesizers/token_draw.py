"""Drawing the unknown tokens of many rows at once from the autoregressive network
(`token_net.TokenNet`), column after column, each given the tokens known so far.

What keeps it fast (one thread: about 0.13 million multiply-adds per row and column in the
default 512 x 256 network, so the work saved is network passes, not Python):
- shared prefixes: rows that start alike (every row of an unconditioned sample, or one with
  fixed conditions) have one distribution for their first column, one per token of that column
  for the second, and so on; while such prefix groups are at most `GROUP_SHARE` of the rows,
  the network runs once per group, not once per row;
- after that, blocks of `BLOCK_ROWS` rows whose activations stay in the CPU's cache, the first
  layer updated by adding the drawn token's vector (the hidden marker's subtracted once, in
  `deltas`), the trunk run by matrix products into the layers' weights and only the column's
  slice of the head;
- the trunk's products in `dtype` (the model's `precision`: bfloat16 where the CPU has
  bfloat16 units, 2-3x faster than float32 there; logits and first layer stay float32);
- inverse-CDF draws from one uniform per row and column, all drawn up front: a row's token
  depends on its own uniform and its distribution only, not on how rows were grouped or
  blocked.

One thread, 100,000 rows of models fitted at their defaults, whole `sample` calls, best of 3
on the shared development machine: diamonds (10 columns) 37,000 -> 124,000 rows/s, wa_churn
(21 columns) 15,000 -> 80,000 rows/s (bfloat16; in float32 72,000 and 31,000).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .token_net import TokenNet

GROUP_SHARE = 0.5  # share of the rows up to which prefix groups are worth computing per group
BLOCK_ROWS = 2_048  # rows whose activations (2,048 x 512 floats) stay in the CPU's cache
PAD_ROWS = 128  # rows in varying numbers are computed in multiples of this (`logits`)


class TokenDraw:
    """A fitted network prepared for drawing: trunk layers (in `dtype`), per-column head
    slices, token vectors minus the hidden marker's, and each column's logit shift (forbidden
    tokens at minus infinity; a range condition's allowed tokens at the log of their share)."""

    def __init__(
        self,
        net: TokenNet,
        temperature: float,
        shifts: dict[int, torch.Tensor] | None = None,
        dtype: torch.dtype = torch.float32,
    ):
        self.net = net
        self.sizes = list(net.sizes)
        self.dtype = dtype
        self.layers = [
            (m.weight.to(dtype).T, m.bias.to(dtype)) for m in net.trunk if isinstance(m, nn.Linear)
        ]
        self.head = (net.head.weight, net.head.bias)
        self.temperature = temperature
        self.shifts = shifts or {}
        starts = [0]
        for size in self.sizes:
            starts.append(starts[-1] + size)
        self.starts = starts
        table = net.embedding.weight
        self.deltas = []  # per column: (size + 1) x width, the last row (hidden) zero
        for j, size in enumerate(self.sizes):
            offset = int(net.offsets[j])
            rows = table[offset : offset + size + 1]
            self.deltas.append(rows - rows[size])

    def logits(self, first: torch.Tensor, j: int) -> torch.Tensor:
        """Column j's logits (temperature and shift applied) for first-layer sums `first`,
        whose number of rows may change from call to call (prefix groups, a sample's last
        block, the rows of a block that still miss column j, a sequence's entities still
        running): the network runs on the rows padded (with copies of the first) to a
        multiple of `PAD_ROWS` (`BLOCK_ROWS` is one), since bfloat16 products on the CPU
        (oneDNN) keep memory for every row count they meet: a sample's resident memory grew
        by about 2 MiB a chunk of 100,000 rows (10,000,000 diamonds rows: 594 MiB largest in
        the first half, 661 in the second; now 480 and 495)."""
        count = len(first)
        padded = -(-count // PAD_ROWS) * PAD_ROWS
        if padded > count:
            first = torch.cat([first, first[:1].expand(padded - count, -1)])
        return self._network_logits(first, j)[:count]

    def _network_logits(self, first: torch.Tensor, j: int) -> torch.Tensor:
        """`logits` of exactly the rows of `first`: the trunk, column j's head slice."""
        h = relu(first.to(self.dtype)) if self.dtype != first.dtype else torch.relu(first)
        for weight, bias in self.layers:
            h = relu(torch.addmm(bias, h, weight))
        start, end = self.starts[j], self.starts[j + 1]
        weight, bias = self.head
        logits = torch.addmm(bias[start:end], h.float(), weight[start:end].T)
        if self.temperature != 1.0:
            logits /= self.temperature
        shift = self.shifts.get(j)
        return logits if shift is None else logits + shift

    def fill(
        self, inputs: torch.Tensor, unknown: torch.Tensor, order: list[int], uniforms: torch.Tensor
    ) -> None:
        """Draw, in place, every `unknown` token of `inputs` (which hold each unknown
        column's hidden marker), column by column in `order`; `uniforms` (rows x columns, in
        (0, 1]) pick each token by inverse CDF."""
        done = 0
        if len(inputs) and bool((inputs == inputs[0]).all()):
            done = self._fill_groups(inputs, unknown, order, uniforms)
        rest = order[done:]
        if not rest:
            return
        for start in range(0, len(inputs), BLOCK_ROWS):
            block = slice(start, start + BLOCK_ROWS)
            first = self.first_layer(inputs[block])
            self._fill_rows(first, inputs[block], unknown[block], rest, uniforms[block])

    def _fill_groups(
        self, inputs: torch.Tensor, unknown: torch.Tensor, order: list[int], uniforms: torch.Tensor
    ) -> int:
        """Draw the first columns of `order` for rows that all start alike, once per prefix
        group while the groups are at most `GROUP_SHARE` of the rows; how many columns of
        `order` were drawn. A group is kept as its tokens (small), not its first layer."""
        rows = len(inputs)
        group = torch.zeros(rows, dtype=torch.long, device=inputs.device)
        prefixes = inputs[:1].clone()
        for done, j in enumerate(order):
            if len(prefixes) > GROUP_SHARE * rows:
                return done
            if not bool(unknown[0, j]):  # known in every row (rows start alike)
                continue
            size = self.sizes[j]
            cdf = torch.cat(
                [
                    cumulative(self.logits(self.first_layer(prefixes[b : b + BLOCK_ROWS]), j))
                    for b in range(0, len(prefixes), BLOCK_ROWS)
                ]
            )
            # each group's CDF scaled to (0, 1] and moved up by its number, so that one sorted
            # search finds every row's token: group g's row with uniform u looks for g + u
            cdf = cdf / cdf[:, -1:] + torch.arange(len(cdf), device=cdf.device).unsqueeze(1)
            place = torch.searchsorted(cdf.reshape(-1), group + uniforms[:, j].double())
            drawn = (place - group * size).clamp_(0, size - 1)
            inputs[:, j] = drawn
            keys, group = torch.unique(group * size + drawn, return_inverse=True)
            prefixes = prefixes.index_select(0, keys // size)
            prefixes[:, j] = keys % size
        return len(order)

    def first_layer(self, inputs: torch.Tensor) -> torch.Tensor:
        """The network's first layer (the sum of the tokens' vectors), without materialising
        one vector per cell."""
        net = self.net
        return F.embedding_bag(inputs + net.offsets, net.embedding.weight, mode="sum") + net.bias

    def _fill_rows(
        self,
        first: torch.Tensor,
        inputs: torch.Tensor,
        unknown: torch.Tensor,
        order: list[int],
        uniforms: torch.Tensor,
    ) -> None:
        """Draw the columns of `order` row by row for one block (`first`: its rows' first-layer
        sums, updated; the rest views, filled in place)."""
        for j in order:
            todo = unknown[:, j]
            every = bool(todo.all())  # the usual case: no gather and scatter of rows
            if not every and not bool(todo.any()):
                continue
            rows = slice(None) if every else todo.nonzero().squeeze(1)
            cdf = cumulative(self.logits(first if every else first[rows], j))
            spot = uniforms[rows, j].double().unsqueeze(1) * cdf[:, -1:]
            drawn = torch.searchsorted(cdf, spot).squeeze(1).clamp_(0, self.sizes[j] - 1)
            inputs[rows, j] = drawn
            change = self.deltas[j].index_select(0, drawn)
            if every:
                first += change
            else:
                first[rows] += change


def relu(x: torch.Tensor) -> torch.Tensor:
    """`x` with its negative entries set to zero, in place. A bfloat16 number's sign is its
    bit pattern's, read as a 16-bit integer: clamping those integers is the same ReLU and runs
    about 1.7x faster on the CPU than PyTorch's bfloat16 ReLU (measured on 2,048 x 512)."""
    if x.dtype == torch.bfloat16:
        x.view(torch.int16).clamp_min_(0)
        return x
    return x.relu_()


def cumulative(logits: torch.Tensor) -> torch.Tensor:
    """Per row, the running sums of exp(logits - max) in double precision (unnormalised)."""
    weights = torch.exp(logits - logits.max(dim=1, keepdim=True).values)
    return torch.cumsum(weights, dim=1, dtype=torch.float64)
