"""How the autoregressive model samples: column after column, each token given the known ones
(one pass through the trunk per column, the first layer updated by one addition), conditioned
columns fixed or drawn first, ranges honoured inside bins, and imputation of missing cells.
A mixin of `AutoRegressive` (it reads the fitted network, sizes and transformer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
import torch

from .._torch import sampling_dtype, torch_generator, torch_threads
from ..errors import DataError
from ..transforms.conditions import Conditions
from .token_draw import TokenDraw

SAMPLE_ROWS = 65_536  # rows drawn together (shared prefixes are found among them)
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
    precision: str
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
            tokens = torch.full((n, len(self.sizes_)), -1, dtype=torch.long)
            for j, token in fixed.items():
                tokens[:, j] = token
            encoded = self._complete(tokens.to(self.device_), rng, allowed=allowed)
        return self._inside_ranges(encoded, conditions, rng)

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
        and are drawn first. Rows go `SAMPLE_ROWS` at a time through `token_draw.TokenDraw`."""
        gen = torch_generator(rng, self.device_)
        shifts = self._logit_shifts(forbid, allowed)
        dtype = sampling_dtype(self.precision, self.device_)
        draw = TokenDraw(self.net_, self.temperature, shifts, dtype)
        allowed = allowed or {}
        order = [*allowed, *(j for j in range(len(self.sizes_)) if j not in allowed)]
        uniform = self._uniform_columns()
        out = np.zeros((len(tokens), self.transformer_.width_))
        for start in range(0, len(tokens), SAMPLE_ROWS):
            part = tokens[start : start + SAMPLE_ROWS]
            unknown = part < 0
            inputs = torch.where(unknown, self._sizes.expand_as(part), part)
            # (0, 1]: a uniform of exactly 0 could pick a token of probability 0
            uniforms = 1.0 - torch.rand(inputs.shape, generator=gen, device=self.device_)
            draw.fill(inputs, unknown, order, uniforms)
            rows = slice(start, start + len(part))
            out[rows, self._token_columns()] = inputs.cpu().numpy()
            if uniform:
                shape = (len(part), len(uniform))
                positions = torch.rand(shape, generator=gen, device=self.device_)
                out[rows, uniform] = positions.cpu().numpy()
        return out

    def _logit_shifts(
        self, forbid: dict[int, list[int]] | None, allowed: dict[int, dict[int, float]] | None
    ) -> dict[int, torch.Tensor]:
        """Per column, what is added to its logits: minus infinity for a forbidden token and
        for a token outside a range, the log of its share inside the range otherwise."""
        shifts: dict[int, torch.Tensor] = {}
        for j, banned in (forbid or {}).items():
            shift = torch.zeros(self.sizes_[j], device=self.device_)
            shift[[b for b in banned if b < self.sizes_[j]]] = float("-inf")
            shifts[j] = shift
        for j, shares in (allowed or {}).items():
            keep = torch.full((self.sizes_[j],), float("-inf"), device=self.device_)
            for token, share in shares.items():
                if token < self.sizes_[j] and share > 0:
                    keep[token] = float(np.log(share))
            shifts[j] = shifts[j] + keep if j in shifts else keep
        return shifts

    # imputation --------------------------------------------------------------------------
    def impute(
        self, table: pd.DataFrame, seed: int | None = None, *, nulls: bool = False
    ) -> pd.DataFrame:
        """`table` with its missing cells of modelled columns filled, each drawn given the
        rest of its row; cells that are present stay as they are. Same seed, same values.
        A filled cell is never empty unless `nulls`: then the cells are unknown rather than
        missing, drawn as sampling would, empty as often as the model says, and the empty
        cells of columns the network does not model (constants, generated PII) are filled
        as sampling fills them (a dataset's child rows drawn given their parent's columns)."""
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
            if null is not None and not nulls:
                forbid[j] = [null]
        rng = self._impute_rng(seed)
        with torch.inference_mode(), torch_threads(self.threads):
            filled = self._complete(tokens.to(self.device_), rng, forbid)
        decoded = self.transformer_.decode(filled, rng)
        if nulls:
            missing |= {
                str(c): table[c].isna().to_numpy()
                for c in decoded.columns
                if c in table.columns and c not in missing
            }
        return self._filled(table, decoded, missing)
