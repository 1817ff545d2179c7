"""Per-row gradient norms without per-row gradients ("ghost clipping": Goodfellow 2015, Li et
al. 2022, Bu et al. 2023), for DP-SGD on networks of linear layers.

For a linear layer y = W a + b applied to one vector per row, row i's gradient of W is the outer
product g_i a_i^T (g_i: the gradient of row i's loss with respect to y_i), so its squared norm
is |a_i|^2 |g_i|^2 and its bias gradient's is |g_i|^2. One ordinary backward pass to the layers'
outputs gives every g_i; the clipped sum over rows is then (c * g)^T a with the clipping
factors c, the same matrix product a normal backward pass does. DP-SGD then costs about twice a
normal step instead of materialising a gradient per row (`DPSGD.gradients`, vmap).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

import torch
from torch import nn


@dataclass
class LinearCall:
    """One call of a linear layer: its input rows and output rows."""

    layer: nn.Linear
    inputs: torch.Tensor
    output: torch.Tensor


class LinearRecorder:
    """Records every call of the module's linear layers while in the `with` block."""

    def __init__(self, module: nn.Module) -> None:
        self.module = module
        self.calls: list[LinearCall] = []
        self._handles: list[Any] = []

    def __enter__(self) -> LinearRecorder:
        for layer in self.module.modules():
            if isinstance(layer, nn.Linear):
                self._handles.append(layer.register_forward_hook(self._record))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _record(self, layer: nn.Module, inputs: tuple[torch.Tensor, ...], output: Any) -> None:
        assert isinstance(layer, nn.Linear)
        if inputs[0].dim() != 2:
            raise ValueError("ghost clipping takes linear layers applied to one vector per row")
        self.calls.append(LinearCall(layer, inputs[0], output))


def linear_norms2(call: LinearCall, grad: torch.Tensor) -> torch.Tensor:
    """Per row, the squared norm of the layer's parameter gradients (weight and bias), in
    float32 whatever the training precision (the clipping bound must hold as released)."""
    g2 = grad.float().pow(2).sum(dim=1)
    norms = call.inputs.float().pow(2).sum(dim=1) * g2
    return norms + g2 if call.layer.bias is not None else norms


def linear_clipped(call: LinearCall, scaled: torch.Tensor) -> dict[torch.Tensor, torch.Tensor]:
    """The sum over rows of the layer's parameter gradients, row i's scaled by its clipping
    factor (`scaled` = the output gradients times the factors), in float32."""
    with torch.autocast(scaled.device.type, enabled=False):
        out = {call.layer.weight: scaled.float().t() @ call.inputs.float()}
    if call.layer.bias is not None:
        out[call.layer.bias] = scaled.float().sum(dim=0)
    return out
