"""A TabDDPM-style diffusion synthesizer (`Synthesizer("ddpm")`, after Kotelnikov et al. 2023).

The shared TableTransformer turns numbers and datetimes into standard-normal scores (the
quantile encoder) and categories and null indicators into codes. One MLP denoises both:

- numbers: Gaussian diffusion with the cosine schedule; the network predicts v (see
  diffusion_net.py), trained with squared error;
- tokens: masked (absorbing-state) diffusion rather than TabDDPM's multinomial diffusion:
  a token is either its clean value or its column's mask token, the network predicts the
  clean value of masked tokens (cross-entropy), and a token unmasked while sampling keeps its
  value. It is simpler (no transition matrices, no uniform-noise posteriors), trains the
  network on "some columns known, predict the others", which is exactly what conditions and
  imputation ask of it, and lets known categories be shown as they are at every step.

Training draws a time from a grid of `diffusion_steps` (1,000) values; sampling walks
`sampling_steps` (20) strided steps of that grid with DPM-Solver++(2M) updates for the numbers
(`sampler="dpm"`; `"ddim"` with `eta` 0: deterministic, 1: ancestral, DDPM) and the matching
unmasking for the tokens (diffusion_sample.py). The network
that samples is an exponential moving average of the trained weights (`ema_decay`), and the
learning rate decays linearly to zero over the run.

Conditions and imputation are inpainting: the known cells are fixed in every row and at every
step, and only the others are denoised. Known tokens are shown unmasked. Known numbers are,
by default (`inpainting="clean"`), shown clean beside a flag that says so: a quarter of the
training rows show a random subset of their columns that way (cells the loss skips), so the
network learns p(other columns | known ones) directly. `inpainting="renoise"` is the
classic replacement method instead (RePaint without resampling): the known numbers are
re-noised from their value to the current noise level at every step. It needs no such
training but under-conditions: on the tests' table, rows conditioned on y = 3 had the
matching group in 40% of rows against 98% in the data (94% with "clean"), because tokens
revealed early are drawn while y is still mostly noise. A range on a
number is first turned into a value: a draw of its score (a standard normal by construction
of the quantile encoder) truncated to the range, given the other conditioned numbers through
the scores' learned correlation (a Gibbs sweep when several ranges are asked at once); that
value is then inpainted, so every row meets the range and within it the column keeps its
marginal shape. `sample(n, conditions)` therefore returns exactly n rows without rejection.

Training (the loss, the minibatch loop, local or on buffers streamed from Dask, the decay and
the moving average) is in diffusion_train.py; the network and schedules in diffusion_net.py.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch

from ..errors import DataError, ParameterError
from ..params import Interval, Kind, OneOf, Param
from ..transforms.conditions import Conditions
from .diffusion_net import Denoiser
from .diffusion_sample import DiffusionSampling
from .neural import NeuralSynthesizer
from .truncated import gibbs_in_intervals

GIBBS_SWEEPS = 20
CORRELATION_RIDGE = 1e-3
NETWORK_LAYOUT = 1


class Diffusion(DiffusionSampling):
    """Gaussian diffusion on number scores and masked diffusion on category codes."""

    name = "ddpm"
    _transformer: ClassVar[dict[str, str]] = {"continuous": "quantile", "discrete": "codes"}
    _networks: ClassVar[tuple[str, ...]] = ("net_",)
    tags = frozenset({"impute"})
    _transfers = True  # fit_from: diffusion_transfer.py
    epochs = NeuralSynthesizer.epochs.replace(default=200)
    batch_size = NeuralSynthesizer.batch_size.replace(default=512)
    learning_rate = NeuralSynthesizer.learning_rate.replace(default=2e-3)
    weight_decay = NeuralSynthesizer.weight_decay.replace(default=0.0)
    hidden_dims = Param[tuple[int, ...] | list[int]](
        (256, 256, 256), Kind((list, tuple)), "widths of the denoising network's layers"
    )
    diffusion_steps = Param(
        1_000, Interval(2, 100_000, integer=True), "noise levels the network is trained on"
    )
    # 20 DPM-Solver++(2M) steps: C2ST within 0.01 of 50 DDIM steps on diamonds and wa_churn
    # at 2.5x the rows/s (benchmarks/results/diffusion_steps)
    sampling_steps = Param(20, Interval(1, 100_000, integer=True), "denoising steps of a sample")
    sampler = Param(
        "dpm",
        OneOf(("dpm", "ddim")),
        "steps of the numbers: DPM-Solver++(2M) (second order, deterministic) or DDIM",
    )
    eta = Param(
        0.0, Interval(0, 1), "DDIM noise (sampler ddim): 0 deterministic steps, 1 ancestral (DDPM)"
    )
    inpainting = Param(
        "clean",
        OneOf(("clean", "renoise")),
        "known cells shown clean (trained for) or re-noised at each step (RePaint)",
    )
    ema_decay = Param(0.999, Interval(0, 1), "decay of the moving average of the weights")

    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        return {
            "epochs": [100, 300, 600],
            "batch_size": [256, 512, 1024],
            "learning_rate": [1e-3, 2e-3, 4e-3],
            "hidden_dims": [[256, 256], [256, 256, 256], [512, 512, 512]],
            "sampling_steps": [20, 50, 200],
            "sampler": ["dpm", "ddim"],
            "eta": [0.0, 0.5, 1.0],
        }

    def _check_params(self) -> None:
        super()._check_params()
        self._check_steps()

    def _check_steps(self) -> None:
        if self.sampling_steps > self.diffusion_steps:
            raise ParameterError(
                f"ddpm: sampling_steps ({self.sampling_steps}) must be at most "
                f"diffusion_steps ({self.diffusion_steps})"
            )

    # training ----------------------------------------------------------------------------
    def _make_networks(self, width: int) -> None:
        numbers = len(self._number_columns())
        self.net_ = Denoiser(numbers, self.sizes_, list(self.hidden_dims)).to(self.device_)
        self._sizes = torch.tensor(self.sizes_, dtype=torch.long, device=self.device_)

    # sampling ----------------------------------------------------------------------------
    def _sample_encoded(
        self, n: int, conditions: Conditions, rng: np.random.Generator
    ) -> np.ndarray:
        """Exact conditional sampling by inpainting: numbers and tokens fixed by the
        conditions (ranges turned into values first) are known in every row."""
        self._check_steps()
        numbers, tokens = self._known_from(conditions, n, rng)
        return self._inpaint(numbers, tokens, rng)

    def _known_from(
        self, conditions: Conditions, n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Known number scores (NaN: unknown) and tokens (-1: unknown), one row per sample."""
        number_at = {start: j for j, start in enumerate(self._number_columns())}
        token_at = {start: j for j, start in enumerate(self._token_columns())}
        numbers = np.full((n, len(number_at)), np.nan)
        tokens = np.full((n, len(token_at)), -1, dtype=np.int64)
        fixed: dict[int, float] = {}
        ranges: dict[int, tuple[float, float]] = {}
        for cond in conditions:
            if cond.start in token_at:
                tokens[:, token_at[cond.start]] = int(cond.code or 0)
            elif cond.bounds is None:
                raise DataError(f"ddpm: condition on '{cond.column}' has no score interval")
            elif cond.bounds[0] == cond.bounds[1]:
                fixed[number_at[cond.start]] = cond.bounds[0]
            else:  # a range, or a value held by many rows (an interval of scores)
                ranges[number_at[cond.start]] = cond.bounds
            for block in self.transformer_.blocks_:
                if block.column == cond.column and block.role == "null":
                    tokens[:, token_at[block.start]] = 0  # conditioned: not null
        for j, score in fixed.items():
            numbers[:, j] = score
        if ranges:
            drawn = self._scores_in_ranges(fixed, ranges, n, rng)
            for k, j in enumerate(ranges):
                numbers[:, j] = drawn[:, k]
        return numbers, tokens

    def _scores_in_ranges(
        self,
        fixed: dict[int, float],
        ranges: dict[int, tuple[float, float]],
        n: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Scores of the ranged numbers, each inside its interval, drawn from the scores'
        Gaussian approximation (unit variances, learned correlation) given the fixed ones;
        exact for one range, Gibbs sweeps over the ranged columns for several."""
        columns = [*fixed, *ranges]
        corr = self.score_corr_[np.ix_(columns, columns)]
        precision = np.linalg.inv(corr + CORRELATION_RIDGE * np.eye(len(columns)))
        values = np.zeros((n, len(columns)))
        values[:, : len(fixed)] = list(fixed.values())
        first = len(fixed)
        intervals = dict(enumerate(ranges.values(), start=first))
        gibbs_in_intervals(values, precision, intervals, GIBBS_SWEEPS, rng)
        return values[:, first:]

    # imputation --------------------------------------------------------------------------
    def impute(self, table: pd.DataFrame, seed: int | None = None) -> pd.DataFrame:
        """`table` with its missing cells of modelled columns filled by inpainting, given the
        rest of each row; cells that are present stay as they are. Same seed, same values."""
        self._check_fitted()
        self._check_steps()
        blocks = self.transformer_.blocks_
        missing = self._missing_cells(table)
        encoded = self.transformer_.encode(table)
        numbers = encoded[:, self._number_columns()].copy()
        tokens = encoded[:, self._token_columns()].round().astype(np.int64)
        tokens[(tokens < 0) | (tokens >= np.array(self.sizes_))] = -1  # unseen: unknown
        number_at = {start: j for j, start in enumerate(self._number_columns())}
        token_at = {start: j for j, start in enumerate(self._token_columns())}
        forbid: dict[int, int] = {}
        for block in blocks:
            rows = missing.get(block.column)
            if rows is None or not rows.any():
                continue
            if block.start in number_at:
                numbers[rows, number_at[block.start]] = np.nan
            elif block.role == "null":
                tokens[rows, token_at[block.start]] = 0  # the filled cell is not null
            else:
                tokens[rows, token_at[block.start]] = -1
                null = self.transformer_.columns_[block.column].null_token(block.role)
                if null is not None:
                    forbid[token_at[block.start]] = null
        rng = self._impute_rng(seed)
        decoded = self.transformer_.decode(self._inpaint(numbers, tokens, rng, forbid), rng)
        return self._filled(table, decoded, missing)

    # state -------------------------------------------------------------------------------
    def _extra_state(self) -> dict[str, Any]:
        return {
            "network_layout": NETWORK_LAYOUT,
            "sizes": list(self.sizes_),
            "score_corr": self.score_corr_,
        }

    def _set_extra_state(self, state: dict[str, Any]) -> None:
        if state.get("network_layout") != NETWORK_LAYOUT:
            raise ValueError("this ddpm model was saved with another network layout; fit again")
        self.sizes_ = [int(k) for k in state["sizes"]]
        self.score_corr_ = np.asarray(state["score_corr"], dtype=np.float64)

    def _describe(self) -> dict[str, Any]:
        description = super()._describe()
        description.pop("one_hot", None)
        return {
            **description,
            "numbers": f"{len(self._number_columns())} columns as quantile-normal scores, "
            "Gaussian diffusion (cosine schedule, v-prediction)",
            "tokens": f"{len(self.sizes_)} columns of category codes and null indicators, "
            "masked (absorbing) diffusion (linear masking schedule)",
            "diffusion_steps": self.diffusion_steps,
            "sampling_steps": self.sampling_steps,
            "sampler": "DPM-Solver++(2M)"
            if self.sampler == "dpm"
            else ("DDIM" if self.eta == 0 else f"DDIM with eta={self.eta}"),
            "averaging": f"sampling network: moving average of the weights ({self.ema_decay})",
            "conditions": "inpainting: known tokens shown unmasked, known numbers "
            + (
                "re-noised at every step"
                if self.inpainting == "renoise"
                else "shown clean and flagged (trained on 25% of rows)"
            )
            + "; ranges become truncated-normal scores first",
        }
