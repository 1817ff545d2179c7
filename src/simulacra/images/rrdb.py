"""The RRDB network of ESRGAN / Real-ESRGAN (Wang et al. 2018, 2021), written from the paper
with the parameter names of the published weights (`RealESRGAN_x4plus.pth` and the like), so
weights users downloaded themselves load as they are.

    conv_first -> body (num_block x RRDB) -> conv_body, + conv_first's features
               -> nearest x2 -> conv_up1 -> nearest x2 -> conv_up2 -> conv_hr -> conv_last

An RRDB is three residual dense blocks (rdb1..rdb3; conv1..conv5 each, dense connections),
residuals scaled by 0.2. Scale 2 (and 1) weights first pixel-unshuffle the input by 2 (by 4),
so their conv_first takes 4x (16x) the channels; the upsampling path is always x4.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn import functional

from ..errors import DataError


class ResidualDenseBlock(nn.Module):
    """Five 3x3 convolutions, each seeing the input and every earlier output."""

    def __init__(self, num_feat: int = 64, num_grow_ch: int = 32):
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_grow_ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [x]
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            outs.append(functional.leaky_relu(conv(torch.cat(outs, 1)), 0.2))
        return self.conv5(torch.cat(outs, 1)) * 0.2 + x


class RRDB(nn.Module):
    """Residual in residual dense block: three dense blocks, residual scaled by 0.2."""

    def __init__(self, num_feat: int, num_grow_ch: int = 32):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    """ESRGAN's generator for `scale` 1, 2 or 4 (Real-ESRGAN x4plus: the defaults)."""

    def __init__(
        self,
        num_in_ch: int = 3,
        num_out_ch: int = 3,
        scale: int = 4,
        num_feat: int = 64,
        num_block: int = 23,
        num_grow_ch: int = 32,
    ):
        super().__init__()
        self.scale = scale
        unshuffled = num_in_ch * {1: 16, 2: 4, 4: 1}[scale]
        self.conv_first = nn.Conv2d(unshuffled, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*(RRDB(num_feat, num_grow_ch) for _ in range(num_block)))
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.scale < 4:
            x = functional.pixel_unshuffle(x, 4 // self.scale)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        for conv in (self.conv_up1, self.conv_up2):
            up = functional.interpolate(feat, scale_factor=2.0, mode="nearest")
            feat = functional.leaky_relu(conv(up), 0.2)
        return self.conv_last(functional.leaky_relu(self.conv_hr(feat), 0.2))


def read_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """Tensors of a `.safetensors` file or a `.pth` read with `torch.load(weights_only=True)`
    (no pickled code runs); a `params_ema` or `params` wrapper is unwrapped."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such weights file")
    try:
        if path.suffix.lower() == ".safetensors":
            from safetensors.torch import load_file

            state: object = load_file(str(path), device="cpu")
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling refusals, corrupt files: one line for users
        raise DataError(f"{path}: cannot be read as weights ({exc})") from exc
    if isinstance(state, dict):
        for key in ("params_ema", "params"):
            if isinstance(state.get(key), dict):
                state = state[key]
                break
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise DataError(f"{path}: holds no mapping of parameter names to tensors")
    return {str(k): v for k, v in state.items()}


def rrdb_from_weights(path: str | Path) -> RRDBNet:
    """An RRDBNet shaped by (and loaded with) the weights in `path`; a DataError naming the
    file lists missing, unexpected or mis-shaped parameters."""
    weights = read_weights(path)
    need = ("conv_first.weight", "body.0.rdb1.conv1.weight", "conv_last.weight")
    missing = [k for k in need if k not in weights]
    if missing:
        raise DataError(
            f"{path}: not Real-ESRGAN RRDBNet weights (no {', '.join(missing)}; "
            f"found e.g. {', '.join(list(weights)[:3])})"
        )
    first = weights["conv_first.weight"]
    num_out_ch = int(weights["conv_last.weight"].shape[0])
    scale = {num_out_ch: 4, 4 * num_out_ch: 2, 16 * num_out_ch: 1}.get(int(first.shape[1]))
    if scale is None:
        raise DataError(
            f"{path}: conv_first takes {first.shape[1]} channels, not 1x, 4x or 16x "
            f"the {num_out_ch} output channels"
        )
    blocks = {int(k.split(".")[1]) for k in weights if k.startswith("body.")}
    net = RRDBNet(
        num_out_ch,
        num_out_ch,
        scale,
        num_feat=int(first.shape[0]),
        num_block=max(blocks) + 1,
        num_grow_ch=int(weights["body.0.rdb1.conv1.weight"].shape[0]),
    )
    expected = net.state_dict()
    wrong = [k for k, v in weights.items() if k in expected and v.shape != expected[k].shape]
    extra = sorted(set(weights) - set(expected))
    absent = sorted(set(expected) - set(weights))
    if wrong or extra or absent:
        parts = [
            f"{name}: {', '.join(keys[:4])}"
            for name, keys in (("mis-shaped", wrong), ("unexpected", extra), ("missing", absent))
            if keys
        ]
        raise DataError(f"{path}: weights do not fit RRDBNet ({'; '.join(parts)})")
    net.load_state_dict({k: v.float() for k, v in weights.items()})
    return net.eval()
