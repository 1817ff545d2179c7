"""An any-order autoregressive network over tokenised columns (`Synthesizer("autoregressive")`).

Every column becomes tokens through the shared TableTransformer ("bins" for numbers and
datetimes: point masses and quantile bins; "codes" for categories and null indicators). One
network predicts the distribution of each column's token from whichever other columns are
known: in training, every row hides a random subset of its columns (a random order cut at a
random place, as in orderless NADE, Uria et al. 2014) and the loss is the cross-entropy of the
hidden columns. So the same network gives p(column | any set of columns):

- sampling draws the columns one after the other (table order), each given those before;
- conditions fix their columns' tokens first (a range: its column is drawn first among the
  tokens the range allows): exact conditional sampling, no rejection;
- `impute` hides a row's missing cells and draws only those, given the rest of the row.

Protections (defaults in parentheses, all documented in README):
- `min_count` (5): categories seen in fewer rows are pooled and never stored or emitted;
  a number needs that many rows to be a point mass; the outer bin edges sit between the
  `min_count`-th and next values from each end, so extremes are never stored or emitted
  (inferred metadata keeps no minimum or maximum either).
- a number is drawn uniformly inside its bin, so real values are not copied on purpose;
- `validation` (0.1) of the rows are held out; after a warm-up of `WARMUP_EPOCHS` (40) or
  `WARMUP_STEPS` (2,000; `SEQUENCE_WARMUP_STEPS`, 10,000, for sequences) optimiser steps,
  whichever ends first, the learning rate halves whenever their loss stalls for 3 epochs and
  training stops when it has not improved for `patience` (10) epochs; the best epoch's weights
  (after the warm-up) are kept, so the network is stopped before it memorises rows. `dropout`
  (0) is available as a further regulariser.
- `temperature` (1.0) divides the logits: below 1 sharper (more typical rows), above 1 more
  diverse rows.

Differential privacy: with `epsilon` set (and `delta`, default 1e-8), the transformer
learns its bins and categories from public metadata or Gaussian histograms (`transforms/dp.py`,
`metadata_share` of the budget), and the network trains with DP-SGD (`privacy/sgd.py`:
Poisson batches of `batch_size` rows on average, per-row gradients clipped to `max_grad_norm`,
Gaussian noise calibrated by the RDP accountant) on every row for `epochs` passes' worth of
steps, or fewer when they would not fit DP-SGD's time budget; there is no validation split and
no early stopping (both would read rows outside the mechanism), and training stops when the
budget is spent. Per-row gradient norms come by ghost clipping (`privacy/ghost.py`), and
`epochs`, `batch_size`, `hidden_dims`, `bins` and `learning_rate` default (None) to DP-sized
values (their `auto` values).

The network (embeddings, linear layers, ReLU) has only layers that DP-SGD can train.
Its first layer sums one learned vector per column token, so sampling a column updates it by
one addition; each sampled column then costs one pass through the rest of the network.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch

from .._torch import FusedAdam
from ..errors import DataError, ParameterError
from ..metadata import Metadata
from ..params import Interval, Kind, Param
from ..privacy.sgd import DPSGD
from .dp import MAX_GRAD_NORM, PrivateFit
from .neural import NeuralSynthesizer
from .sequences import Sequences
from .token_net import TokenNet, ghost_sums
from .token_rows import encode_tokens, held_out_order, token_rows
from .token_sampling import TokenSampling
from .transfer import Transfer

TABLE_ORDER_SHARE = 0.75
LR_PATIENCE = 3
VALIDATION_ROWS = 2_048  # held-out rows scored together (the first layer: rows x cells x width)
WARMUP_EPOCHS = 40
# ... or this many optimiser steps, whichever comes first: the 40 epochs were measured where an
# epoch is about 50 steps (batches shrink on small tables to keep it so); a large table's epoch
# holds up to rows/500 steps. A sequence fit's held-out step rows score best well before its
# samples do (baseball's 70,000 step rows: best at epoch 16 after 2,000 steps; 40 epochs took
# rows C2ST 0.897 -> 0.814, entity C2ST 0.950 -> 0.938): it warms up for up to 10,000 steps
WARMUP_STEPS, SEQUENCE_WARMUP_STEPS = 2_000, 10_000
NULL_TOKEN = 1  # the null indicator's token of an empty cell (`ContinuousTransform`)
LR_DECAY = 0.5
# a fit from a base model (`fit_from`) steps at this share of the learning rate: the small
# table's few held-out rows tell a better epoch from noise poorly, so smaller steps keep more
# of the base (wa_churn, 4 subsets of 50 rows from a base of 5,032 others: C2ST 0.71 at the
# full rate, 0.61 at a tenth; 200 rows: 0.67, 0.61)
FINE_TUNE_LR = 0.1


class AutoRegressive(Sequences, TokenSampling, PrivateFit, NeuralSynthesizer):
    """Any-order autoregressive network over binned numbers and category codes."""

    name = "autoregressive"
    _transformer: ClassVar[dict[str, str]] = {"continuous": "bins", "discrete": "codes"}
    _networks: ClassVar[tuple[str, ...]] = ("net_",)
    _training_state: ClassVar[tuple[str, ...]] = (
        "_train",
        "_valid_rows",
        "_valid_hidden",
        "_best",
        "_steps_done",
        "_index",
        "_token_mask",
        "_dp",
    )
    _transfers = True
    _base_params = ("hidden_dims",)
    _epochs_read_encoded = False  # epochs read the token tensors `_build` made
    # None picks the `auto` values: without DP, long training stopped early by the held-out
    # loss, a wide network and fine bins; under DP-SGD (every step costs budget, the noise
    # grows with the number of weights), 20 passes in large Poisson batches through a small
    # network with 16 bins per number and a larger step (at epsilon 1 on diamonds, TSTR/TRTR
    # 0.72 instead of about 0 with the non-DP settings; benchmarks/results/privacy/privacy.md)
    epochs = NeuralSynthesizer.epochs.auto_default(300, 20)  # type: ignore[assignment]
    batch_size = NeuralSynthesizer.batch_size.auto_default(500, 1_000)  # type: ignore[assignment]
    learning_rate = NeuralSynthesizer.learning_rate.auto_default(2e-3, 1e-2)  # type: ignore[assignment]
    hidden_dims = Param[tuple[int, ...] | list[int] | None](
        None,
        Kind((list, tuple), optional=True),
        "widths of the network's layers",
        auto=((512, 256), (128, 128)),
    )
    dropout = Param(0.0, Interval(0, 0.9), "dropout after each hidden layer")
    bins = Param[int | None](
        None, Interval(2, 10_000, integer=True, optional=True), "bins per number", auto=(64, 16)
    )
    temperature = Param(
        1.0, Interval(1e-3, 100), "divides the logits: below 1 more typical rows, above more varied"
    )
    validation = Param(0.1, Interval(0, 0.5), "share of rows held out to stop training early")
    patience = Param(
        10, Interval(1, None, integer=True), "epochs without a better held-out loss before stopping"
    )
    max_grad_norm = MAX_GRAD_NORM

    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        return {
            "epochs": [50, 100, 200],
            "batch_size": [250, 500, 1000],
            "learning_rate": [1e-3, 2e-3, 5e-3],
            "hidden_dims": [[256, 256], [512, 256], [1024, 512]],
            "bins": [32, 64, 128],
            "temperature": [0.8, 1.0],
        }

    def infer_metadata(self, table: pd.DataFrame) -> Metadata:
        """Inferred metadata without the columns' observed minimum and maximum: the bins keep
        the extremes private, and the model file must not hold them either. Bounds a user
        writes into the metadata are public knowledge and are kept."""
        inferred = Metadata.infer(table, verbose=bool(self.verbose))
        return Metadata(
            {name: replace(col, min=None, max=None) for name, col in inferred.columns.items()}
        )

    def _transformer_params(self) -> dict[str, Any]:
        bins = self._setting("bins")
        return {**super()._transformer_params(), "min_count": self.min_count, "bins": bins}

    # training ----------------------------------------------------------------------------
    def _make_networks(self, width: int) -> None:
        net = TokenNet(self.sizes_, list(self._setting("hidden_dims")), self.dropout)
        self.net_ = net.to(self.device_)
        self._sizes = torch.tensor(self.sizes_, dtype=torch.long, device=self.device_)
        self._starts = torch.tensor(np.cumsum([0, *self.sizes_]), device=self.device_)

    def _build(self, data: torch.Tensor) -> None:
        columns = self._token_columns()
        if not columns:
            raise DataError("autoregressive: the table has no modelled columns")
        # tokens as the transformer defines them, not the largest one present in the rows (a
        # DP model's network size must not depend on them; streamed rows may hold more)
        self.sizes_ = self._token_counts()
        self._make_networks(data.shape[1])
        self._group_logits()
        self._opt = FusedAdam(
            self.net_.parameters(),
            lr=self._setting("learning_rate"),
            weight_decay=self.weight_decay,
        )
        self._best: tuple[float, dict[str, torch.Tensor], int] | None = None
        self._dp: DPSGD | None = None
        if self.transformer_.privacy is not None:  # DP-SGD on every row: no held-out rows
            tokens = token_rows(data, columns, None)
            self._train, self._valid_rows = tokens, tokens[:0]
            self._valid_hidden = self._random_hidden(0)
            self._dp = self._dpsgd(self.net_, self._ghost_probe)
            self._waited, self._epoch = 0, 0
            return
        if getattr(self, "_streaming", False):  # no held-out rows: every pass sees new rows
            self._train = self._valid_rows = token_rows(data[:0], columns, None)
            self._batch, self._waited, self._epoch = self._setting("batch_size"), 0, 0
            self._known_later = self._later_known_columns()  # streamed step rows
            return
        # a sequence fit holds out whole entities: their events never sit on both sides
        entities = getattr(self, "_row_entities", None)
        order, held = held_out_order(len(data), self.validation, entities, self.device_)
        tokens = token_rows(data, columns, order)  # held-out rows first: two views, no copies
        self._valid_rows, self._train = tokens[:held], tokens[held:]
        self._known_later = self._later_known_columns()
        self._later: tuple[torch.Tensor, torch.Tensor] | None = None
        if self._known_later is not None:
            later = torch.from_numpy(self._row_later).to(self.device_)
            self._later = (later[order[held:]], later[order[:held]])
        # fixed hidden sets for the validation loss, so epochs compare like with like
        valid_later = self._later[1] if self._later is not None else None
        self._valid_hidden = self._random_hidden(len(self._valid_rows), valid_later)
        # at most batch_size rows, fewer on small tables so that an epoch has about 50 steps
        batch = self._setting("batch_size")
        self._batch = max(min(batch, len(self._train) // 50), min(32, len(self._train)))
        self._waited = 0
        self._epoch = 0
        self._steps_done = 0

    def _start_from(self, start: Transfer) -> None:
        """The base's weights (`transfer.py`): its trunk, and for each token column it shares
        (same column, role and tokens) its embedding rows and output rows; a column it lacks
        starts with zero embeddings, so the base's function is kept until training moves
        them. Steps at `FINE_TUNE_LR` of the learning rate; the base's weights, before any
        step, are the first best epoch, compared after the usual warm-up (the small table's
        5-20 held-out rows cannot stop fine-tuning after its first epochs of one step or
        a few: on wa_churn subsets of one- and two-year contracts from a base of month-to-month
        ones, the warm-up took column shapes from 0.77 to 0.82 with 50 rows and 0.85 to 0.90
        with 200, C2ST 0.93 to 0.91 and 0.89 to 0.87; from a base of the same population C2ST
        went from 0.62 to 0.64)."""
        base = start.base
        assert isinstance(base, AutoRegressive)
        dims, base_dims = list(self._setting("hidden_dims")), list(base._setting("hidden_dims"))
        if dims != base_dims:
            raise ParameterError(
                f"init: {start.source} has layers {base_dims}, this fit {dims}: leave "
                "hidden_dims unset or give the base's"
            )
        net, old = self.net_, base.net_.to(self.device_)
        theirs = {key: j for j, key in enumerate(base._token_keys())}
        shared = set(start.shared)
        with torch.no_grad():
            net.bias.copy_(old.bias)
            net.trunk.load_state_dict(old.trunk.state_dict())
            for j, key in enumerate(self._token_keys()):
                i = theirs.get(key)
                size = self.sizes_[j]
                rows = slice(int(net.offsets[j]), int(net.offsets[j]) + size + 1)
                if key[0] not in shared or i is None or base.sizes_[i] != size:
                    net.embedding.weight[rows] = 0.0
                    continue
                net.embedding.weight[rows] = old.embedding.weight[
                    int(old.offsets[i]) : int(old.offsets[i]) + size + 1
                ]
                out, base_out = int(self._starts[j]), int(base._starts[i])
                net.head.weight[out : out + size] = old.head.weight[base_out : base_out + size]
                net.head.bias[out : out + size] = old.head.bias[base_out : base_out + size]
        self._opt.lr *= FINE_TUNE_LR
        if len(self._valid_rows):
            net.eval()
            loss = self._validation_loss()
            state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            self._best = (loss, state, 0)

    def _encode_rows(self, table: pd.DataFrame) -> np.ndarray:
        """The token columns of the encoded rows, small integers made in parts (`token_rows`)."""
        return encode_tokens(self.transformer_, table, self._token_columns(), self._token_counts())

    def _token_keys(self) -> list[tuple[str, str]]:
        """(column, role) of each token column, in the network's order."""
        return [(b.column, b.role) for b in self.transformer_.blocks_ if b.activation == "token"]

    def _group_logits(self) -> None:
        """For the loss: where each column's logits sit in a (columns x widest) grid."""
        widest = max(self.sizes_, default=1)
        index = np.zeros((len(self.sizes_), widest), dtype=np.int64)
        valid = np.zeros_like(index, dtype=bool)
        for j, size in enumerate(self.sizes_):
            start = int(self._starts[j])
            index[j, :size] = np.arange(start, start + size)
            valid[j, :size] = True
        self._index = torch.from_numpy(index).to(self.device_)
        self._token_mask = torch.from_numpy(valid).to(self.device_)
        # each token column's null indicator column (itself when it has none): the value
        # token of an empty cell is filler (`ContinuousTransform.encode`), never a target
        keys = self._token_keys()
        null_of = {column: j for j, (column, role) in enumerate(keys) if role == "null"}
        self._null_of = torch.tensor(
            [null_of.get(c, j) if r != "null" else j for j, (c, r) in enumerate(keys)],
            device=self.device_,
        )
        self._has_null = self._null_of != torch.arange(len(keys), device=self.device_)

    def _random_hidden(self, rows: int, later: torch.Tensor | None = None) -> torch.Tensor:
        """Per row, the columns after a random cut of a column order (at least one hidden).
        A share `TABLE_ORDER_SHARE` of rows use the table order, the one sampling follows;
        the others a random order, so any set of columns can be conditioned on. In a
        sequence fit, the step rows after an entity's first (`later`) never hide the columns
        sampling knows at those steps (`_later_known_columns`)."""
        d = len(self.sizes_)
        cut = torch.randint(0, d, (rows, 1), device=self.device_)
        rank = torch.rand((rows, d), device=self.device_).argsort(dim=1).argsort(dim=1)
        table = torch.rand((rows, 1), device=self.device_) < TABLE_ORDER_SHARE
        rank = torch.where(table, torch.arange(d, device=self.device_).expand(rows, d), rank)
        hidden = rank >= cut
        if later is not None and self._known_later is not None:
            hidden &= ~(later.unsqueeze(1) & self._known_later.unsqueeze(0))
        return hidden

    def _later_known_columns(self) -> torch.Tensor | None:
        """In a sequence fit, the token columns sampling knows at every step after an
        entity's first (the entity's context, length, static columns and start, the
        position and the previous event): never a target at those steps. Learning to
        predict them there from the previous event would teach the network each entity's
        values (validation loss rises from the first epochs) instead of how events follow
        the entity. None for a table fit."""
        targets = getattr(self, "_later_targets", None)
        if targets is None:
            return None
        known = [column not in targets for column, _ in self._token_keys()]
        return torch.tensor(known, dtype=torch.bool, device=self.device_)

    def _validation_loss(self) -> float:
        """`_loss` of the held-out rows with their fixed hidden sets, `VALIDATION_ROWS` rows
        at a time (one pass over 123,000 held-out rows of a 1.2M-event fit took 17 GB)."""
        rows, hidden = self._valid_rows, self._valid_hidden
        total = 0.0
        with torch.no_grad():
            for start in range(0, len(rows), VALIDATION_ROWS):
                part = slice(start, start + VALIDATION_ROWS)
                total += float(self._loss(rows[part], hidden[part])) * len(rows[part])
        return total / max(len(rows), 1)

    def _loss(self, tokens: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        """Mean over rows of the average cross-entropy of each row's hidden columns."""
        tokens = tokens.long()  # kept as small integers (`token_rows`)
        inputs = torch.where(hidden, self._sizes.expand_as(tokens), tokens)
        return self._row_losses(self.net_(inputs), tokens, hidden).mean()

    def _row_losses(
        self, logits: torch.Tensor, tokens: torch.Tensor, hidden: torch.Tensor
    ) -> torch.Tensor:
        """Per row, the average cross-entropy of its hidden columns under `logits`, the
        filler value tokens of empty cells left out."""
        grouped = logits.float()[:, self._index].masked_fill(~self._token_mask, float("-inf"))
        logp = torch.log_softmax(grouped, dim=-1)
        nll = -logp.gather(2, tokens.unsqueeze(2)).squeeze(2)
        empty = self._has_null & (tokens[:, self._null_of] == NULL_TOKEN)
        counted = hidden & ~empty
        return (nll * counted).sum(dim=1) / counted.sum(dim=1).clamp(min=1)

    def _ghost_gradients(self, dp: DPSGD, tokens: torch.Tensor, hidden: torch.Tensor) -> None:
        """DP-SGD's noisy clipped gradient for a batch of rows (`_ghost_sums`)."""
        dp.release(self._ghost_sums(tokens, hidden, dp.max_grad_norm))

    def _ghost_probe(self, rows: int) -> object:
        """One step's clipped sums for `rows` random rows (to time a step; nothing kept)."""
        sizes = torch.tensor(self.sizes_, device=self.device_)
        tokens = (torch.rand((rows, len(sizes)), device=self.device_) * sizes).long()
        return self._ghost_sums(tokens, self._random_hidden(rows), 1.0)

    def _ghost_sums(
        self, tokens: torch.Tensor, hidden: torch.Tensor, max_grad_norm: float
    ) -> dict[torch.Tensor, torch.Tensor]:
        """The clipped per-row gradient sums of a batch (`token_net.ghost_sums`)."""
        return ghost_sums(self.net_, tokens, hidden, self._row_losses, max_grad_norm)

    def _train_epoch(self, data: torch.Tensor) -> dict[str, float]:
        self.net_.train()
        if self._dp is not None:
            dp = self._dp
            return self._private_epoch(
                dp,
                (self._train,),
                lambda rows: self._ghost_gradients(dp, rows.long(), self._random_hidden(len(rows))),
            )
        pairs = getattr(self, "_later", None)
        later = pairs[0] if pairs is not None else None
        total, steps = self._minibatch_steps(self._train, None, later)
        self._steps_done = getattr(self, "_steps_done", 0) + steps
        losses = {"loss": float(total) / max(steps, 1)}
        if len(self._valid_rows):
            self.net_.eval()
            losses["validation_loss"] = self._validation_loss()
            self._track_best(losses["validation_loss"])
        return losses

    def _minibatch_steps(
        self, tokens: torch.Tensor, limit: int | None, later: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, int]:
        """One shuffled pass over `tokens` in minibatches (at most `limit` steps): the summed
        loss and the number of steps. `later`: which rows are later steps of a sequence."""
        order = torch.randperm(len(tokens), device=self.device_)
        total = torch.zeros((), device=self.device_)
        steps = 0
        for start in range(0, len(order) - self._batch + 1, self._batch):
            if limit is not None and steps >= limit:
                break
            batch = order[start : start + self._batch]
            rows = tokens[batch]
            loss = self._loss(
                rows, self._random_hidden(len(rows), later[batch] if later is not None else None)
            )
            self._opt.zero_grad()
            loss.backward()
            self._opt.step()
            total += loss.detach()
            steps += 1
        return total, steps

    def _train_buffer(self, data: torch.Tensor, steps: int | None) -> tuple[dict[str, float], int]:
        self.net_.train()
        tokens = token_rows(data, self._token_columns(), None)
        later = None
        if self._known_later is not None:  # streamed step rows: later steps by their position
            first = self._first_step_token()
            later = tokens[:, first[0]] != first[1] if first is not None else None
        total, taken = self._minibatch_steps(tokens, steps, later)
        return {"loss": float(total) / max(taken, 1)}, taken

    def _track_best(self, loss: float) -> None:
        self._epoch += 1
        steps = SEQUENCE_WARMUP_STEPS if self.sequence_key is not None else WARMUP_STEPS
        if self._epoch <= WARMUP_EPOCHS and getattr(self, "_steps_done", 0) < steps:
            # a relation between a few columns (a label and two features among twenty) can take
            # tens of epochs to learn while the loss of the others stalls or creeps up: no
            # decay, no stop and no best epoch before the warm-up is over
            return
        if self._best is None or loss < self._best[0] - 1e-4:
            state = {k: v.detach().clone() for k, v in self.net_.state_dict().items()}
            self._best = (loss, state, self._epoch)
            self._waited = 0
        else:
            self._waited += 1
            if self._waited % LR_PATIENCE == 0:  # a plateau: smaller steps before stopping
                self._opt.lr *= LR_DECAY

    def _stops_early(self) -> bool:
        return getattr(self, "_dp", None) is None and len(getattr(self, "_valid_rows", ())) > 0

    def _converged(self) -> bool:
        if getattr(self, "_dp", None) is not None:
            return super()._converged()
        return self._waited >= self.patience

    def _eval(self) -> None:
        best = getattr(self, "_best", None)
        if best is not None:
            self.net_.load_state_dict(best[1])
            self.best_epoch_ = best[2]
        super()._eval()

    # state -------------------------------------------------------------------------------
    def _extra_state(self) -> dict[str, Any]:
        return {"sizes": list(self.sizes_), "best_epoch": getattr(self, "best_epoch_", None)}

    def _set_extra_state(self, state: dict[str, Any]) -> None:
        self.sizes_ = [int(k) for k in state["sizes"]]
        if state.get("best_epoch") is not None:
            self.best_epoch_ = int(state["best_epoch"])

    def _describe_stopping(self) -> str:
        if self.transformer_.privacy is not None:
            return "none: DP-SGD trains on every row and stops when the budget is spent"
        if self.streamed_:
            return "none: streamed from Dask, every row trains and none is held out"
        return (
            f"{self.validation:.0%} of rows held out; stops after {self.patience} epochs "
            "without improvement, keeps the best epoch"
        )

    def _protections(self) -> dict[str, Any]:
        """What keeps training rows out of samples (the DP ones under `epsilon`)."""
        if self.transformer_.privacy is not None:
            return {
                "differential_privacy": "bins, categories, null shares and the row count are "
                "noisy statistics and every training step is DP-SGD, all paid from the budget "
                "(see privacy); no min_count or extreme-value rule is needed or applied",
                "values": "numbers drawn uniformly inside DP quantile bins",
                "temperature": self.temperature,
            }
        return {
            "min_count": f"categories and point masses need {self.min_count} rows; rarer "
            "categories are pooled, never stored or emitted",
            "extremes": "outer bin edges between the min_count-th and next values from "
            "each end: training minimum and maximum never stored or emitted",
            "values": f"numbers drawn uniformly inside one of up to {self._setting('bins')} "
            "quantile bins, or exactly at a point mass",
            "early_stopping": self._describe_stopping(),
            "temperature": self.temperature,
        }

    def _describe(self) -> dict[str, Any]:
        described = super()._describe()
        described.pop("one_hot", None)  # tokens, not one-hot columns
        return {
            **described,
            "columns_modelled": len(self.sizes_),
            "tokens_per_column": {
                column + ("" if role == "value" else f"[{role}]"): size
                for (column, role), size in zip(self._token_keys(), self.sizes_, strict=True)
            },
            "order": "trained over random column orders; samples in table order with "
            "conditioned columns fixed first",
            "best_epoch": getattr(self, "best_epoch_", None),
            "protections": self._protections(),
        }
