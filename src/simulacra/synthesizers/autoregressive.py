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
- `validation` (0.1) of the rows are held out; after a warm-up of `WARMUP_EPOCHS` (40) the
  learning rate halves whenever their loss stalls for 3 epochs and training stops when it has
  not improved for `patience` (10) epochs; the best epoch's weights (after the warm-up) are
  kept, so the network is stopped before it memorises rows. `dropout` (0) is available as a
  further regulariser.
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
`epochs`, `batch_size` and `hidden_dims` default (None) to DP-sized values (`_auto`).

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
from torch import nn

from .. import seeding
from ..errors import DataError
from ..metadata import Metadata
from ..params import Constraint, Interval
from ..privacy.budget import METADATA_SHARE
from ..privacy.ghost import LinearRecorder, linear_clipped, linear_norms2
from ..privacy.sgd import DPSGD, clip_factors
from ..transforms.conditions import Conditions
from .dp import PrivateFit
from .neural import NeuralSynthesizer
from .torch_utils import FusedAdam, torch_generator, torch_threads

SAMPLE_ROWS = 4_096  # rows drawn together: their activations stay in the CPU's cache
TABLE_ORDER_SHARE = 0.75
LR_PATIENCE = 3
WARMUP_EPOCHS = 40
RANGE_REDRAWS = 50
LR_DECAY = 0.5


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
        return self.embedding(tokens + self.offsets).sum(dim=1) + self.bias

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(self.first_layer(tokens)))


class AutoRegressive(PrivateFit, NeuralSynthesizer):
    """Any-order autoregressive network over binned numbers and category codes."""

    name = "autoregressive"
    _transformer: ClassVar[dict[str, str]] = {"continuous": "bins", "discrete": "codes"}
    _networks: ClassVar[tuple[str, ...]] = ("net_",)
    _training_state: ClassVar[tuple[str, ...]] = (
        "_train",
        "_valid_rows",
        "_valid_hidden",
        "_best",
        "_index",
        "_token_mask",
        "_dp",
    )
    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "min_count": Interval(1, None, integer=True),
        "bins": Interval(2, 10_000, integer=True),
        "temperature": Interval(1e-3, 100),
        "dropout": Interval(0, 0.9),
        "validation": Interval(0, 0.5),
        "patience": Interval(1, None, integer=True),
        "weight_decay": Interval(0, None),
        "max_grad_norm": Interval(1e-6, None),
        "epochs": Interval(1, None, integer=True, optional=True),
        "batch_size": Interval(2, None, integer=True, optional=True),
    }
    # None picks these: without DP, long training stopped early by the held-out loss and a
    # wide network; under DP-SGD (every step costs budget, noise grows with the network's
    # size), 20 passes in large Poisson batches through a small network
    epochs: int | None  # type: ignore[assignment]
    batch_size: int | None  # type: ignore[assignment]
    _auto: ClassVar[dict[str, tuple[Any, Any]]] = {
        "epochs": (300, 20),
        "batch_size": (500, 1_000),
        "hidden_dims": ((512, 256), (128, 128)),
    }

    def __init__(
        self,
        *,
        epochs: int | None = None,
        batch_size: int | None = None,
        learning_rate: float = 2e-3,
        hidden_dims: tuple[int, ...] | list[int] | None = None,
        dropout: float = 0.0,
        bins: int = 64,
        min_count: int = 5,
        temperature: float = 1.0,
        validation: float = 0.1,
        patience: int = 10,
        weight_decay: float = 1e-6,
        device: str = "auto",
        threads: int | None = None,
        precision: str = "auto",
        seed: int = 0,
        verbose: bool = True,
        max_categories: int = 1_000,
        epsilon: float | None = None,
        delta: float | None = None,
        max_grad_norm: float = 1.0,
        metadata_share: float = METADATA_SHARE,
        infer_schema: bool = False,
    ):
        super().__init__(
            seed=seed, verbose=verbose, max_categories=max_categories, min_count=min_count
        )
        self.epsilon = epsilon
        self.delta = delta
        self.max_grad_norm = max_grad_norm
        self.metadata_share = metadata_share
        self.infer_schema = infer_schema
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.hidden_dims = hidden_dims
        self.dropout = dropout
        self.bins = bins
        self.temperature = temperature
        self.validation = validation
        self.patience = patience
        self.weight_decay = weight_decay
        self.device = device
        self.threads = threads
        self.precision = precision

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

    def _infer_metadata(self, table: pd.DataFrame) -> Metadata:
        """Inferred metadata without the columns' observed minimum and maximum: the bins keep
        the extremes private, and the model file must not hold them either. Bounds a user
        writes into the metadata are public knowledge and are kept."""
        inferred = Metadata.infer(table)
        return Metadata(
            {name: replace(col, min=None, max=None) for name, col in inferred.columns.items()}
        )

    def _transformer_params(self) -> dict[str, Any]:
        return {**super()._transformer_params(), "min_count": self.min_count, "bins": self.bins}

    # columns -----------------------------------------------------------------------------
    def _token_columns(self) -> list[int]:
        """Encoded columns that hold tokens, in table order (the sampling order)."""
        return [b.start for b in self.transformer_.blocks_ if b.activation == "token"]

    def _uniform_columns(self) -> list[int]:
        return [b.start for b in self.transformer_.blocks_ if b.activation == "uniform"]

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
        tokens = data[:, columns].round().long()
        # tokens as the transformer defines them, not the largest one present in the rows (a
        # DP model's network size must not depend on them; streamed rows may hold more)
        self.sizes_ = self._token_counts()
        self._make_networks(data.shape[1])
        self._group_logits()
        self._opt = FusedAdam(
            self.net_.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        self._best: tuple[float, dict[str, torch.Tensor], int] | None = None
        self._dp: DPSGD | None = None
        if self.transformer_.privacy is not None:  # DP-SGD on every row: no held-out rows
            self._train, self._valid_rows = tokens, tokens[:0]
            self._valid_hidden = self._random_hidden(0)
            self._dp = self._dpsgd(self.net_, self._ghost_probe)
            self._waited, self._epoch = 0, 0
            return
        if getattr(self, "_streaming", False):  # no held-out rows: every pass sees new rows
            self._train = self._valid_rows = tokens[:0]
            self._batch, self._waited, self._epoch = self._setting("batch_size"), 0, 0
            return
        order = torch.randperm(len(tokens), device=self.device_)
        held = int(len(tokens) * self.validation) if len(tokens) >= 50 else 0
        self._valid_rows = tokens[order[:held]]
        self._train = tokens[order[held:]]
        # fixed hidden sets for the validation loss, so epochs compare like with like
        self._valid_hidden = self._random_hidden(len(self._valid_rows))
        # at most batch_size rows, fewer on small tables so that an epoch has about 50 steps
        batch = self._setting("batch_size")
        self._batch = max(min(batch, len(self._train) // 50), min(32, len(self._train)))
        self._waited = 0
        self._epoch = 0

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

    def _random_hidden(self, rows: int) -> torch.Tensor:
        """Per row, the columns after a random cut of a column order (at least one hidden).
        A share `TABLE_ORDER_SHARE` of rows use the table order, the one sampling follows;
        the others a random order, so any set of columns can be conditioned on."""
        d = len(self.sizes_)
        cut = torch.randint(0, d, (rows, 1), device=self.device_)
        rank = torch.rand((rows, d), device=self.device_).argsort(dim=1).argsort(dim=1)
        table = torch.rand((rows, 1), device=self.device_) < TABLE_ORDER_SHARE
        rank = torch.where(table, torch.arange(d, device=self.device_).expand(rows, d), rank)
        return rank >= cut

    def _loss(self, tokens: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        """Mean over rows of the average cross-entropy of each row's hidden columns."""
        inputs = torch.where(hidden, self._sizes.expand_as(tokens), tokens)
        return self._row_losses(self.net_(inputs), tokens, hidden).mean()

    def _row_losses(
        self, logits: torch.Tensor, tokens: torch.Tensor, hidden: torch.Tensor
    ) -> torch.Tensor:
        """Per row, the average cross-entropy of its hidden columns under `logits`."""
        grouped = logits.float()[:, self._index].masked_fill(~self._token_mask, float("-inf"))
        logp = torch.log_softmax(grouped, dim=-1)
        nll = -logp.gather(2, tokens.unsqueeze(2)).squeeze(2)
        return (nll * hidden).sum(dim=1) / hidden.sum(dim=1)

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
        """The clipped per-row gradient sums of a batch by ghost clipping (`privacy/ghost.py`):
        per-row norms from one backward pass to the layers' outputs. The first layer sums one
        embedding row per column (distinct rows, thanks to the offsets) and a bias, so its
        per-row squared norm is (columns + 1) |g|^2."""
        net = self.net_
        index = torch.where(hidden, self._sizes.expand_as(tokens), tokens) + net.offsets
        with LinearRecorder(net) as linear:
            first = net.embedding(index).sum(dim=1) + net.bias
            losses = self._row_losses(net.head(net.trunk(first)), tokens, hidden)
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

    def _train_epoch(self, data: torch.Tensor) -> dict[str, float]:
        self.net_.train()
        if self._dp is not None:
            dp = self._dp
            return self._private_epoch(
                dp,
                (self._train,),
                lambda rows: self._ghost_gradients(dp, rows, self._random_hidden(len(rows))),
            )
        total, steps = self._minibatch_steps(self._train, None)
        losses = {"loss": float(total) / max(steps, 1)}
        if len(self._valid_rows):
            self.net_.eval()
            with torch.no_grad():
                losses["validation_loss"] = float(self._loss(self._valid_rows, self._valid_hidden))
            self._track_best(losses["validation_loss"])
        return losses

    def _minibatch_steps(self, tokens: torch.Tensor, limit: int | None) -> tuple[torch.Tensor, int]:
        """One shuffled pass over `tokens` in minibatches (at most `limit` steps): the summed
        loss and the number of steps."""
        order = torch.randperm(len(tokens), device=self.device_)
        total = torch.zeros((), device=self.device_)
        steps = 0
        for start in range(0, len(order) - self._batch + 1, self._batch):
            if limit is not None and steps >= limit:
                break
            rows = tokens[order[start : start + self._batch]]
            loss = self._loss(rows, self._random_hidden(len(rows)))
            self._opt.zero_grad()
            loss.backward()
            self._opt.step()
            total += loss.detach()
            steps += 1
        return total, steps

    def _train_buffer(self, data: torch.Tensor, steps: int | None) -> tuple[dict[str, float], int]:
        self.net_.train()
        tokens = data[:, self._token_columns()].round().long()
        total, taken = self._minibatch_steps(tokens, steps)
        return {"loss": float(total) / max(taken, 1)}, taken

    def _track_best(self, loss: float) -> None:
        self._epoch += 1
        if self._epoch <= WARMUP_EPOCHS:
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

    # sampling ----------------------------------------------------------------------------
    def _sample_encoded(
        self, n: int, conditions: Conditions, rng: np.random.Generator
    ) -> np.ndarray:
        """Exact conditional sampling: conditioned columns are fixed (a value) or drawn among
        the tokens their range allows, before the others."""
        fixed, allowed = self._condition_tokens(conditions)
        with torch.inference_mode(), torch_threads(self.threads):
            parts = []
            for start in range(0, n, SAMPLE_ROWS):
                rows = min(SAMPLE_ROWS, n - start)
                tokens = torch.full((rows, len(self.sizes_)), -1, dtype=torch.long)
                for j, token in fixed.items():
                    tokens[:, j] = token
                encoded = self._complete(tokens.to(self.device_), rng, allowed=allowed)
                parts.append(self._inside_ranges(encoded, conditions, rng))
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _inside_ranges(
        self, encoded: np.ndarray, conditions: Conditions, rng: np.random.Generator
    ) -> np.ndarray:
        """Rows whose bin only partly overlaps a range condition redraw their position in the
        bin until the value is inside (a uniform draw restricted to the overlap)."""
        for cond in conditions:
            if cond.low is None:
                continue
            blocks = self.transformer_.blocks_
            spots = np.array(
                [b.start for b in blocks if b.column == cond.column and b.role == "position"],
                dtype=np.int64,
            )
            for _ in range(RANGE_REDRAWS):
                outside = np.flatnonzero(~cond.meets(encoded))
                if not len(outside) or not spots:
                    break
                encoded[np.ix_(outside, spots)] = rng.random((len(outside), len(spots)))
        return encoded

    def _condition_tokens(
        self, conditions: Conditions
    ) -> tuple[dict[int, int], dict[int, dict[int, float]]]:
        """Token column -> required token (values), and -> allowed tokens (ranges); the
        column's null indicator is fixed to 'not null' for both."""
        position = {start: j for j, start in enumerate(self._token_columns())}
        fixed: dict[int, int] = {}
        allowed: dict[int, dict[int, float]] = {}
        for cond in conditions:
            if cond.codes is not None:
                allowed[position[cond.start]] = cond.codes
            elif cond.code is not None:
                fixed[position[cond.start]] = int(cond.code)
            else:
                raise DataError(f"autoregressive: condition on '{cond.column}' has no token")
            for block in self.transformer_.blocks_:
                if block.column == cond.column and block.role == "null":
                    fixed[position[block.start]] = 0
        return fixed, allowed

    def _complete(
        self,
        tokens: torch.Tensor,
        rng: np.random.Generator,
        forbid: dict[int, list[int]] | None = None,
        allowed: dict[int, dict[int, float]] | None = None,
    ) -> np.ndarray:
        """Draw every token that is -1, column after column, given the known ones; return the
        encoded rows (tokens and uniform positions inside bins). `forbid` lists tokens a
        column may not take (imputation never draws 'null'); columns in `allowed` may take
        only the listed tokens, weighted by the share of each token's values inside the range,
        and are drawn first."""
        gen = torch_generator(rng, self.device_)
        unknown = tokens < 0
        inputs = torch.where(unknown, self._sizes.expand_as(tokens), tokens)
        net = self.net_
        table = net.embedding.weight
        # the first layer of an all-hidden row, plus the tokens that are already known
        hidden_rows = table[net.offsets + self._sizes].sum(dim=0) + net.bias
        first = hidden_rows.expand(len(tokens), -1).clone()
        for j in (~unknown).any(dim=0).nonzero().squeeze(1).tolist():
            known = ~unknown[:, j]
            offset = int(net.offsets[j])
            first[known] += table[offset + inputs[known, j]] - table[offset + self.sizes_[j]]
        weight, bias = net.head.weight, net.head.bias
        allowed = allowed or {}
        order = [*allowed, *(j for j in range(len(self.sizes_)) if j not in allowed)]
        for j in order:
            size = self.sizes_[j]
            todo = unknown[:, j]
            if not bool(todo.any()):
                continue
            every = bool(todo.all())  # the usual case: no gather and scatter of rows
            rows = slice(None) if every else todo.nonzero().squeeze(1)
            start = int(self._starts[j])
            features = net.trunk(first if every else first[rows])
            logits = features @ weight[start : start + size].T + bias[start : start + size]
            logits = logits.float() / self.temperature
            for banned in (forbid or {}).get(j, []):
                if banned < size:
                    logits[:, banned] = float("-inf")
            if j in allowed:
                keep = torch.full((size,), float("-inf"), device=logits.device)
                for token, share in allowed[j].items():
                    if token < size and share > 0:
                        keep[token] = float(np.log(share))
                logits = logits + keep
            u = torch.rand(logits.shape, generator=gen, device=self.device_).clamp(1e-10, 1.0)
            drawn = (logits - torch.log(-torch.log(u))).argmax(dim=1)
            inputs[rows, j] = drawn
            # the first layer sums token vectors: swap the hidden marker's for the drawn one's
            offset = int(net.offsets[j])
            if every:
                first += table[offset + drawn]
                first -= table[offset + size]
            else:
                first[rows] += table[offset + drawn] - table[offset + size]
        out = np.zeros((len(tokens), self.transformer_.width_))
        out[:, self._token_columns()] = inputs.cpu().numpy()
        uniform = self._uniform_columns()
        if uniform:
            out[:, uniform] = (
                torch.rand((len(tokens), len(uniform)), generator=gen, device=self.device_)
                .cpu()
                .numpy()
            )
        return out

    # imputation --------------------------------------------------------------------------
    def impute(self, table: pd.DataFrame, seed: int | None = None) -> pd.DataFrame:
        """`table` with its missing cells of modelled columns filled, each drawn given the
        rest of its row; cells that are present stay as they are. Same seed, same values."""
        self._check_fitted()
        missing = {
            name: table[name].isna().to_numpy()
            for name in self.transformer_.columns_
            if name in table and any(b.column == name for b in self.transformer_.blocks_)
        }
        encoded = self.transformer_.encode(table)
        tokens = torch.from_numpy(encoded[:, self._token_columns()].round().astype(np.int64))
        position = {start: j for j, start in enumerate(self._token_columns())}
        forbid: dict[int, list[int]] = {}
        for block in self.transformer_.blocks_:
            if block.activation != "token" or not missing.get(block.column, np.zeros(0)).any():
                continue
            j = position[block.start]
            tokens[torch.from_numpy(missing[block.column].copy()), j] = -1
            null = self.transformer_.columns_[block.column].null_token(block.role)
            if null is not None:
                forbid[j] = [null]
        key = (int(seed), 0) if seed is not None else (self.seed, self._next_call())
        rng = seeding.rng(key[0], "sample", key[1], 0)
        with torch.inference_mode(), torch_threads(self.threads):
            filled = self._complete(tokens.to(self.device_), rng, forbid)
        decoded = self.transformer_.decode(filled, rng)
        out = table.copy()
        for name, rows in missing.items():
            if rows.any():
                column = out[name].astype(decoded[name].dtype, errors="ignore")
                column[rows] = decoded[name][rows].to_numpy()
                out[name] = column
        return out

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
            "values": f"numbers drawn uniformly inside one of up to {self.bins} quantile "
            "bins, or exactly at a point mass",
            "early_stopping": self._describe_stopping(),
            "temperature": self.temperature,
        }

    def _describe(self) -> dict[str, Any]:
        described = super()._describe()
        described.pop("one_hot", None)  # tokens, not one-hot columns
        return {
            **described,
            "columns_modelled": len(self.sizes_),
            "tokens_per_column": dict(
                zip(
                    [
                        b.column + ("" if b.role == "value" else f"[{b.role}]")
                        for b in self.transformer_.blocks_
                        if b.activation == "token"
                    ],
                    self.sizes_,
                    strict=True,
                )
            ),
            "order": "trained over random column orders; samples in table order with "
            "conditioned columns fixed first",
            "best_epoch": getattr(self, "best_epoch_", None),
            "protections": self._protections(),
        }
