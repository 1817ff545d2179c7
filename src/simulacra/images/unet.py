"""A small U-Net for image diffusion: two resolutions, GroupNorm, SiLU, a sinusoidal timestep
embedding and, for class-conditional models, a class embedding with one extra "null" class
(its index is `n_classes`) for classifier-free guidance.

    full resolution:  conv_in -> res(w) -> res(w) ---------------------- skip ----+
    half resolution:                 down -> res(2w) -> res(2w) -> mid -> up -> cat -> res(w)
                                                                                   -> res(w) -> out

Every residual block adds the embedding (time + class) to its features. The last convolution
starts at zero, so an untrained network predicts zero noise.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional

from ..errors import ParameterError


def check_unet_shape(shape: tuple[int, int]) -> None:
    """The U-Net halves the image once: both sides must be even."""
    if shape[0] % 2 or shape[1] % 2:
        raise ParameterError(f"diffusion needs even image sides, not {shape}; pass a size")


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding `(n, dim)` of integer timesteps `t` (as in the Transformer):
    [sin(t * f_k), cos(t * f_k)] with f_k = 10000^(-k / (dim/2))."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, channels), channels)


class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv twice, the embedding added in between, a residual connection."""

    def __init__(self, channels_in: int, channels_out: int, emb_dim: int):
        super().__init__()
        self.norm1 = _norm(channels_in)
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, channels_out)
        self.norm2 = _norm(channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, padding=1)
        self.skip = (
            nn.Identity()
            if channels_in == channels_out
            else nn.Conv2d(channels_in, channels_out, 1)
        )

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(functional.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(functional.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """Predicts the noise in `x` at timesteps `t` (and classes `y`, `n_classes` meaning none)."""

    def __init__(self, channels: int, n_classes: int, width: int = 32, emb_dim: int = 128):
        super().__init__()
        self.width = width
        self.n_classes = n_classes
        self.time = nn.Sequential(nn.Linear(width, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.classes = nn.Embedding(n_classes + 1, emb_dim) if n_classes else None
        self.conv_in = nn.Conv2d(channels, width, 3, padding=1)
        self.down1 = nn.ModuleList(
            [ResBlock(width, width, emb_dim), ResBlock(width, width, emb_dim)]
        )
        self.downsample = nn.Conv2d(width, width, 3, stride=2, padding=1)
        self.down2 = nn.ModuleList(
            [ResBlock(width, 2 * width, emb_dim), ResBlock(2 * width, 2 * width, emb_dim)]
        )
        self.mid = ResBlock(2 * width, 2 * width, emb_dim)
        self.upsample = nn.Conv2d(2 * width, width, 3, padding=1)
        self.up1 = nn.ModuleList(
            [ResBlock(2 * width, width, emb_dim), ResBlock(width, width, emb_dim)]
        )
        self.norm_out = _norm(width)
        self.conv_out = nn.Conv2d(width, channels, 3, padding=1)
        for parameter in self.conv_out.parameters():
            nn.init.zeros_(parameter)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        emb = self.time(timestep_embedding(t, self.width))
        if self.classes is not None:
            if y is None:
                y = torch.full((len(x),), self.n_classes, dtype=torch.long, device=x.device)
            emb = emb + self.classes(y)
        emb = functional.silu(emb)
        h = self.conv_in(x)
        for block in self.down1:
            h = block(h, emb)
        skip = h
        h = self.downsample(h)
        for block in self.down2:
            h = block(h, emb)
        h = self.mid(h, emb)
        h = self.upsample(functional.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = torch.cat([h, skip], dim=1)
        for block in self.up1:
            h = block(h, emb)
        return self.conv_out(functional.silu(self.norm_out(h)))
