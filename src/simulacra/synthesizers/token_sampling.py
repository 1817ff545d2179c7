"""How the autoregressive model samples: column after column, each token given the known ones
(one pass through the trunk per column, the first layer updated by one addition), conditioned
columns fixed or drawn first, ranges honoured inside bins, and imputation of missing cells.
A mixin of `AutoRegressive` (it reads the fitted network, sizes and transformer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
import torch

from .._torch import torch_generator, torch_threads
from ..errors import DataError
from ..transforms.conditions import Conditions

SAMPLE_ROWS = 4_096  # rows drawn together: their activations stay in the CPU's cache
RANGE_REDRAWS = 50


class TokenSampling:
    """Sampling, conditions and imputation of the autoregressive model."""

    tags: ClassVar[frozenset[str]] = frozenset({"impute"})
    net_: Any
    sizes_: list[int]
    _sizes: torch.Tensor
    _starts: torch.Tensor
    transformer_: Any
    temperature: float
    threads: int | None
    device_: torch.device
    seed: int

    def _token_columns(self) -> list[int]:
        """Encoded columns that hold tokens, in table order (the sampling order)."""
        return [b.start for b in self.transformer_.blocks_ if b.activation == "token"]

    def _uniform_columns(self) -> list[int]:
        return [b.start for b in self.transformer_.blocks_ if b.activation == "uniform"]

    if TYPE_CHECKING:  # from Synthesizer, which the model also derives from

        def _check_fitted(self) -> None: ...

        def _missing_cells(self, table: pd.DataFrame) -> dict[str, np.ndarray]: ...

        def _impute_rng(self, seed: int | None) -> np.random.Generator: ...

        @staticmethod
        def _filled(
            table: pd.DataFrame, decoded: pd.DataFrame, missing: dict[str, np.ndarray]
        ) -> pd.DataFrame: ...

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
        missing = self._missing_cells(table)
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
        rng = self._impute_rng(seed)
        with torch.inference_mode(), torch_threads(self.threads):
            filled = self._complete(tokens.to(self.device_), rng, forbid)
        return self._filled(table, self.transformer_.decode(filled, rng), missing)
