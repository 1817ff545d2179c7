"""The training half of the diffusion synthesizer (`diffusion.py`): the loss on number scores
and tokens, the minibatch loop, the learning-rate decay and the moving average of the weights.

A local fit trains on the whole encoded table; a fit on Dask (`scale.streaming`) builds the
networks from the pilot sample and trains on each streamed buffer with the same minibatch loop
(`_train_buffer`): the token counts come from the transformer (the pilot may lack some), the
score correlation (for range conditions) from the pilot, and the learning rate decays over the
table's rows times `epochs` (or the step limit).
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import numpy as np
import torch

from .._torch import FusedAdam
from ..errors import DataError
from . import diffusion_transfer
from .diffusion_net import noised, signal_level
from .neural import NeuralSynthesizer
from .transfer import Transfer

# share of training rows that show some columns clean, as conditions and imputation do
KNOWN_ROWS = 0.25
STEPS_PER_EPOCH = 30


class DiffusionTraining(NeuralSynthesizer):
    """Training of `Diffusion` (its columns, loss and minibatch loop); not registered."""

    _training_state: ClassVar[tuple[str, ...]] = ("_live", "_numbers", "_tokens", "_lr_scale")

    diffusion_steps: int
    ema_decay: float
    _lr_scale: float = 1.0  # of the learning rate: fine-tuning from a base steps smaller
    net_: Any
    sizes_: list[int]
    score_corr_: np.ndarray
    _sizes: torch.Tensor

    # columns -----------------------------------------------------------------------------
    def _number_columns(self) -> list[int]:
        return [b.start for b in self.transformer_.blocks_ if b.activation == "normal"]

    def _token_columns(self) -> list[int]:
        return [b.start for b in self.transformer_.blocks_ if b.activation == "token"]

    def _build(self, data: torch.Tensor) -> None:
        numbers, tokens = self._number_columns(), self._token_columns()
        if not numbers and not tokens:
            raise DataError("ddpm: the table has no modelled columns")
        self._numbers = data[:, numbers]
        self._tokens = data[:, tokens].round().long()
        self.sizes_ = [int(k) + 1 for k in self._tokens.max(dim=0).values.tolist()]
        streaming = getattr(self, "_streaming", False)
        if streaming or getattr(self, "_transfer", None) is not None:
            # streamed rows may hold tokens the pilot sample lacks; a fit from a base keeps
            # its shared columns' tokens, those the small table lacks included
            counts = self._token_counts()
            self.sizes_ = [max(a, b) for a, b in zip(self.sizes_, counts, strict=True)]
        scores = self._numbers.double().cpu().numpy()
        self.score_corr_ = (
            np.corrcoef(scores, rowvar=False).reshape(len(numbers), len(numbers))
            if len(scores) > 1 and numbers
            else np.eye(len(numbers))
        )
        self.score_corr_ = np.nan_to_num(self.score_corr_, nan=0.0)
        self._make_networks(data.shape[1])
        self._live = copy.deepcopy(self.net_)
        self._live.train()
        self._opt = FusedAdam(
            self._live.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        self._index, self._valid = self._grouped_index()
        # at most batch_size rows, fewer on small tables so that an epoch has about
        # STEPS_PER_EPOCH steps: a diffusion model needs thousands of steps on any table
        self._batch = max(min(self.batch_size, len(data) // STEPS_PER_EPOCH), min(32, len(data)))
        # streamed: `data` is the pilot sample; the decay spans the table's rows, or the
        # step limit when it comes first
        rows = self._stream_rows if streaming else len(data)
        self._total_steps = max(self.epochs * (rows // self._batch), 1)
        if streaming and self._stream_steps_left is not None:
            self._total_steps = min(self._total_steps, self._stream_steps_left)
        self._done_steps = 0

    def _start_from(self, start: Transfer) -> None:
        diffusion_transfer.start_from(self, start)

    def _grouped_index(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Where each token column's logits sit in a (columns x widest) grid, and which
        entries of the grid are real."""
        widest = max(self.sizes_, default=1)
        starts = np.cumsum([0, *self.sizes_])
        index = np.zeros((len(self.sizes_), widest), dtype=np.int64)
        valid = np.zeros_like(index, dtype=bool)
        for j, size in enumerate(self.sizes_):
            index[j, :size] = np.arange(starts[j], starts[j] + size)
            valid[j, :size] = True
        return torch.from_numpy(index).to(self.device_), torch.from_numpy(valid).to(self.device_)

    def _token_grid(self) -> tuple[torch.Tensor, torch.Tensor]:
        """`_grouped_index`, built once (a loaded model builds it when it first samples)."""
        if not hasattr(self, "_index"):
            self._index, self._valid = self._grouped_index()
        return self._index, self._valid

    def _grouped(self, logits: torch.Tensor) -> torch.Tensor:
        index, valid = self._token_grid()
        return logits[:, index].masked_fill(~valid, float("-inf"))

    def _loss(self, x0: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Squared error of v on every number and cross-entropy of every masked token, each
        column counting once: (total, number part, token part) per column."""
        rows = len(x0)
        step = torch.randint(1, self.diffusion_steps + 1, (rows,), device=self.device_)
        t = step.float() / self.diffusion_steps
        noise = torch.randn_like(x0)
        level = signal_level(t)[:, None]
        target = level.sqrt() * noise - (1 - level).sqrt() * x0
        known_numbers, known_tokens = self._random_known(x0.shape, tokens.shape)
        masked = (torch.rand(tokens.shape, device=self.device_) < t[:, None]) & ~known_tokens
        shown = torch.where(masked, self._sizes.expand_as(tokens), tokens)
        x_t = torch.where(known_numbers, x0, noised(x0, t, noise))
        v, logits = self._live(x_t, known_numbers.float(), shown, t)
        number_error = (((v.float() - target) ** 2) * ~known_numbers).sum()
        token_error = torch.zeros((), device=self.device_)
        if tokens.shape[1]:
            logp = torch.log_softmax(self._grouped(logits.float()), dim=-1)
            nll = -logp.gather(2, tokens.unsqueeze(2)).squeeze(2)
            token_error = (nll * masked).sum()
        columns = x0.shape[1] + tokens.shape[1]
        total = (number_error + token_error) / (rows * columns)
        per_number = number_error.detach() / max(rows * x0.shape[1], 1)
        per_token = token_error.detach() / max(rows * tokens.shape[1], 1)
        return total, per_number, per_token

    def _random_known(
        self, numbers: torch.Size, tokens: torch.Size
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Which cells a training row shows clean: in a share `KNOWN_ROWS` of the rows, each
        column with a probability drawn per row (any number of known columns), as conditions
        and imputation show them; none in the other rows."""
        rows = numbers[0]
        chosen = torch.rand((rows, 1), device=self.device_) < KNOWN_ROWS
        share = torch.rand((rows, 1), device=self.device_) * chosen
        return (
            torch.rand(numbers, device=self.device_) < share,
            torch.rand(tokens, device=self.device_) < share,
        )

    def _train_epoch(self, data: torch.Tensor) -> dict[str, float]:
        return self._minibatch_steps(self._numbers, self._tokens, None)[0]

    def _train_buffer(self, data: torch.Tensor, steps: int | None) -> tuple[dict[str, float], int]:
        numbers = data[:, self._number_columns()]
        tokens = data[:, self._token_columns()].round().long()
        return self._minibatch_steps(numbers, tokens, steps)

    def _minibatch_steps(
        self, numbers: torch.Tensor, tokens: torch.Tensor, limit: int | None
    ) -> tuple[dict[str, float], int]:
        """One shuffled pass over the rows (number scores, tokens) in minibatches, at most
        `limit` steps: the mean losses and the number of steps."""
        order = torch.randperm(len(numbers), device=self.device_)
        sums = torch.zeros(3, device=self.device_)
        steps = 0
        for start in range(0, len(order) - self._batch + 1, self._batch):
            if limit is not None and steps >= limit:
                break
            rows = order[start : start + self._batch]
            losses = self._loss(numbers[rows], tokens[rows])
            self._opt.zero_grad()
            losses[0].backward()
            # linear decay of the learning rate to zero over the whole run
            progress = 1 - self._done_steps / self._total_steps
            self._opt.lr = self.learning_rate * self._lr_scale * max(progress, 0)
            self._opt.step()
            self._update_average()
            sums += torch.stack([loss.detach() for loss in losses])
            steps += 1
        total, number_loss, token_loss = (float(v) / max(steps, 1) for v in sums)
        out = {"loss": total}
        if numbers.shape[1]:
            out["number_loss"] = number_loss
        if tokens.shape[1]:
            out["token_loss"] = token_loss
        return out, steps

    @torch.no_grad()
    def _update_average(self) -> None:
        """The sampling network follows the trained one as an exponential moving average (a
        shorter memory over the first steps, so short runs are not stuck near the start)."""
        self._done_steps += 1
        decay = min(self.ema_decay, (1 + self._done_steps) / (10 + self._done_steps))
        for average, live in zip(self.net_.parameters(), self._live.parameters(), strict=True):
            average.lerp_(live, 1 - decay)
