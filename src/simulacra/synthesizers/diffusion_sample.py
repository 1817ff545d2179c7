"""The sampling half of the diffusion synthesizer (`diffusion.py`): the reverse process from
pure noise (every token masked) to clean rows, in batches, completing the known cells.

Numbers follow DPM-Solver++(2M) steps (`sampler="dpm"`, the default) or DDIM steps
(`sampler="ddim"`, with `eta` noise) over `sampling_steps` strided times of the training grid.
Tokens are unmasked on the same times. Each unknown token of a row gets a reveal time, stratified
over the row's unknown tokens (the k-th of U in a random order is revealed at a time drawn
inside [k / U, (k + 1) / U)), so that each step reveals its share of them, give or take one:
each token is still masked at time t with probability t, as in training, but no step reveals
many tokens at once by chance. A revealed token is drawn from the network's prediction of its
clean value and keeps it. The network's products run in the model's `precision` (bfloat16
where the CPU or GPU has fast bfloat16 units), as training did; the steps themselves in
float32.
"""

from __future__ import annotations

import numpy as np
import torch

from .._torch import sampling_dtype, torch_generator, torch_threads
from .diffusion_net import SamplingPass, clean_estimate, ddim_step, dpm_step, noised, time_grid
from .diffusion_train import DiffusionTraining

SAMPLE_ROWS = 8_192


class DiffusionSampling(DiffusionTraining):
    """Training (`DiffusionTraining`) and sampling of `Diffusion`; not registered."""

    precision: str
    sampler: str
    sampling_steps: int
    eta: float
    inpainting: str

    def _inpaint(
        self,
        known_numbers: np.ndarray,
        known_tokens: np.ndarray,
        rng: np.random.Generator,
        forbid: dict[int, int] | None = None,
    ) -> np.ndarray:
        """Encoded rows completing the known cells (NaN / -1 elsewhere), in batches; columns
        in `forbid` never take the given token (imputation never draws 'null')."""
        gen = torch_generator(rng, self.device_)
        out = np.zeros((len(known_numbers), self.transformer_.width_))
        net = SamplingPass(self.net_, sampling_dtype(self.precision, self.device_))
        with torch.inference_mode(), torch_threads(self.threads):
            for start in range(0, len(known_numbers), SAMPLE_ROWS):
                part = slice(start, start + SAMPLE_ROWS)
                numbers, tokens = self._reverse(
                    net,
                    torch.as_tensor(known_numbers[part], dtype=torch.float32, device=self.device_),
                    torch.as_tensor(known_tokens[part], device=self.device_),
                    gen,
                    forbid or {},
                )
                out[part, self._number_columns()] = numbers.cpu().numpy()
                out[part, self._token_columns()] = tokens.cpu().numpy()
        return out

    def _reverse(
        self,
        net: SamplingPass,
        known_numbers: torch.Tensor,
        known_tokens: torch.Tensor,
        gen: torch.Generator,
        forbid: dict[int, int],
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The reverse process from pure noise (all tokens masked) to clean rows."""
        rows = len(known_numbers)
        has_number = ~torch.isnan(known_numbers)
        clean = torch.nan_to_num(known_numbers)
        any_number = bool(has_number.any())
        x = torch.randn(known_numbers.shape, generator=gen, device=self.device_)
        mask = self._sizes.expand(rows, -1)
        tokens = torch.where(known_tokens >= 0, known_tokens, mask)
        reveal_at = self._reveal_times(known_tokens < 0, gen)
        banned = self._banned(forbid)
        times = time_grid(self.sampling_steps, self.diffusion_steps)
        renoise = self.inpainting == "renoise"
        flags = torch.zeros_like(clean) if renoise else has_number.float()
        previous: tuple[torch.Tensor, float] | None = None
        for t, s in zip(times[:-1], times[1:], strict=True):
            now = torch.full((1,), t, device=self.device_)
            if any_number and renoise:
                noise = torch.randn(x.shape, generator=gen, device=self.device_)
                x = torch.where(has_number, noised(clean, now, noise), x)
            elif any_number:
                x = torch.where(has_number, clean, x)
            v, logits = net(x, flags, tokens, now)
            x0 = clean_estimate(x, v.float(), t)
            if self.sampler == "dpm":
                x, previous = dpm_step(x, x0, previous, t, s), (x0, t)
            else:
                noise = (
                    torch.randn(x.shape, generator=gen, device=self.device_)
                    if self.eta > 0 and s > 0
                    else torch.zeros_like(x)
                )
                x = ddim_step(x, v.float(), t, s, self.eta, noise)
            hidden = tokens == mask
            reveal = hidden & (reveal_at >= s)
            if bool(reveal.any()):
                row, column = reveal.nonzero(as_tuple=True)
                tokens[row, column] = self._draw(logits, row, column, banned, gen)
        return torch.where(has_number, clean, x), tokens

    def _draw(
        self,
        logits: torch.Tensor,
        row: torch.Tensor,
        column: torch.Tensor,
        banned: torch.Tensor,
        gen: torch.Generator,
    ) -> torch.Tensor:
        """A token for each (row, column) pair from its logits (Gumbel-max), only for the
        tokens revealed at this step: drawing all of them and keeping a few cost 28% of a
        10-step sample on wa_churn."""
        index, valid = self._token_grid()
        allowed = valid[column] & ~banned[column]
        chosen = logits[row[:, None], index[column]].masked_fill(~allowed, float("-inf"))
        u = torch.rand(chosen.shape, generator=gen, device=self.device_)
        return (chosen - torch.log(-torch.log(u.clamp(1e-10, 1.0)))).argmax(dim=1)

    def _reveal_times(self, unknown: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Each unknown token's reveal time in [0, 1), stratified within its row (the k-th of
        the row's U unknown tokens in a random order: k / U plus a uniform share of 1 / U);
        known tokens get 1 (never revealed: they are shown from the start)."""
        keys = torch.rand(unknown.shape, generator=gen, device=self.device_)
        keys = keys.masked_fill(~unknown, 2.0)
        rank = keys.argsort(dim=1).argsort(dim=1).float()
        count = unknown.sum(dim=1, keepdim=True).clamp(min=1).float()
        offset = torch.rand(unknown.shape, generator=gen, device=self.device_)
        return torch.where(unknown, (rank + offset) / count, torch.ones_like(keys))

    def _banned(self, forbid: dict[int, int]) -> torch.Tensor:
        """A (columns x widest) mask of tokens that may not be drawn."""
        widest = max(self.sizes_, default=1)
        banned = torch.zeros((len(self.sizes_), widest), dtype=torch.bool, device=self.device_)
        for j, token in forbid.items():
            if token < self.sizes_[j]:
                banned[j, token] = True
        return banned
