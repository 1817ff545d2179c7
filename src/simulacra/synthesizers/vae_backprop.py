"""The TVAE training step written out by hand: forward and backward of the encoder and decoder
MLPs, the Gaussian latent and the reconstruction loss, without autograd.

For networks this small on a CPU, autograd's bookkeeping (a graph node per operation, a cast
per weight and bias, a fresh batch-sized tensor per element-wise step) costs as much as the
matrix products themselves. Written out, a step is the matrix products, a few element-wise
passes over the batch, and one cast of the gradient vector. tests/synthesizers/
test_vae_backprop.py checks every gradient against autograd of the plain formulas.

- Latent: encoder output (mean | log-variance) -> z = mean + noise * std, and the KL divergence
  to the standard normal, averaged over rows.
- Reconstruction: decoder logits in PaddedLayout order -> Gaussian negative log-likelihood of the
  scalar columns (around tanh or identity of the logits, one learned scale per column) plus the
  cross-entropy of every one-hot group, averaged over rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from .output_layout import PaddedLayout

Layer = tuple[torch.Tensor, torch.Tensor]  # weight (out x in), bias

# The cross-entropy reads log(max(p, PROB_FLOOR)) of the true class from the softmax kept for
# the backward pass (one pass over the logits, not log-softmax and then exp). The floor only
# caps the reported loss of a group at 69 where p underflows; the gradient, softmax minus
# one-hot, is exact.
PROB_FLOOR = 1e-30


def widened(t: torch.Tensor) -> torch.Tensor:
    """bfloat16 / float16 as float32; float32 and float64 as they are."""
    return t.float() if t.dtype in (torch.bfloat16, torch.float16) else t


# MLP ---------------------------------------------------------------------------------------
ThresholdBackward = Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]


def relu_threshold_backward(
    grad: torch.Tensor, output: torch.Tensor, threshold: float
) -> torch.Tensor:
    """`grad` where `output` > `threshold`, else 0, for the output of a ReLU (never below the
    threshold): the values of `aten.threshold_backward` there, with public operations.

    sign(output - threshold) is then 1 or 0: a float multiply, which runs several times faster
    on CPUs than a boolean mask (`masked_fill`, `where`). A cut entry of a negative gradient
    is -0.0 rather than 0.0 (equal as numbers)."""
    shifted = output if threshold == 0 else output - threshold
    return torch.sign(shifted).mul_(grad)


def pick_threshold_backward() -> ThresholdBackward:
    """PyTorch's own kernel, `torch.ops.aten.threshold_backward` (what autograd runs for a
    ReLU), where it is registered and gives `relu_threshold_backward`'s values on a probe;
    `relu_threshold_backward` otherwise (the op is internal to PyTorch)."""
    grad = torch.tensor([[1.5, -2.0, 3.0], [-0.5, 4.0, 0.25]])
    output = torch.tensor([[0.0, 1.0, 2.0], [3.0, 0.0, 0.5]])
    expected = relu_threshold_backward(grad, output, 0)
    try:
        op = torch.ops.aten.threshold_backward
        works = torch.equal(op(grad, output, 0), expected)
    except (AttributeError, RuntimeError, TypeError):  # missing, not registered, other schema
        return relu_threshold_backward
    return op if works else relu_threshold_backward


threshold_backward: ThresholdBackward = pick_threshold_backward()


def mlp_forward(x: torch.Tensor, layers: list[Layer]) -> list[torch.Tensor]:
    """The input of every layer, then the output; ReLU after every layer but the last."""
    values = [x]
    for i, (weight, bias) in enumerate(layers):
        out = torch.addmm(bias, values[-1], weight.t())
        values.append(out.relu_() if i < len(layers) - 1 else out)
    return values


def mlp_backward(
    grad: torch.Tensor,
    values: list[torch.Tensor],
    layers: list[Layer],
    grads: list[Layer],
    input_grad: bool = True,
) -> torch.Tensor | None:
    """Write d loss / d weight and bias of every layer into `grads` (from d loss / d output and
    the `values` of mlp_forward); return d loss / d input, if `input_grad`."""
    for i in reversed(range(len(layers))):
        grad_weight, grad_bias = grads[i]
        torch.mm(grad.t(), values[i], out=grad_weight)
        torch.sum(grad, dim=0, out=grad_bias)
        if i == 0 and not input_grad:
            return None
        grad = grad @ layers[i][0]
        if i > 0:  # through the ReLU whose output is values[i]
            grad = threshold_backward(grad, values[i], 0)
    return grad


# latent ------------------------------------------------------------------------------------
@dataclass
class Latent:
    mean: torch.Tensor
    std: torch.Tensor
    noise: torch.Tensor


def latent_forward(
    stats: torch.Tensor, noise: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, Latent]:
    """(z, KL averaged over rows, what the backward pass needs)."""
    latent = noise.shape[1]
    mean = widened(stats[:, :latent]).contiguous()
    logvar = widened(stats[:, latent:]).contiguous()
    std = logvar.mul(0.5).exp_()
    z = torch.addcmul(mean, noise, std)
    flat_mean, flat_std = mean.view(-1), std.view(-1)
    squares = torch.dot(flat_mean, flat_mean) + torch.dot(flat_std, flat_std)
    kl = 0.5 * (squares - logvar.sum()) / len(stats) - 0.5 * latent
    return z, kl, Latent(mean, std, noise)


def latent_backward(saved: Latent, grad_z: torch.Tensor, grad_kl: float) -> torch.Tensor:
    """d loss / d (mean | log-variance) from d loss / d z and d loss / d KL."""
    mean, std = saved.mean, saved.std
    k = grad_kl / len(mean)
    grad_mean = torch.add(grad_z, mean, alpha=k)
    # d/d logvar = 0.5 * std * (grad_z * noise + k * std) - 0.5 * k
    grad_logvar = (grad_z * saved.noise).add_(std, alpha=k).mul_(std).sub_(k).mul_(0.5)
    return torch.cat([grad_mean, grad_logvar], dim=1)


# reconstruction ----------------------------------------------------------------------------
@dataclass
class Fit:
    tanh: torch.Tensor
    diff: torch.Tensor
    inv_var: torch.Tensor
    sigma: torch.Tensor
    classes: torch.Tensor
    probs: list[torch.Tensor]
    layout: PaddedLayout


def reconstruction_forward(
    logits: torch.Tensor,
    sigma: torch.Tensor,
    scalars: torch.Tensor,
    classes: torch.Tensor,
    layout: PaddedLayout,
) -> tuple[torch.Tensor, Fit]:
    """(loss averaged over rows, what the backward pass needs)."""
    values = widened(logits)
    rows, n_tanh, n_scalar = len(values), layout.n_tanh, layout.n_scalar
    tanh = torch.tanh(values[:, :n_tanh])
    centre = values[:, :n_scalar].clone()
    centre[:, :n_tanh] = tanh
    diff = centre.sub_(scalars)
    inv_var = sigma.square().reciprocal()
    total = 0.5 * torch.dot(diff.square().sum(dim=0), inv_var) + rows * sigma.log().sum()
    probs = []
    first = 0
    for slab in layout.slabs:
        prob = torch.softmax(slab.view(values) + slab.bias, dim=slab.axis)
        index = slab.index(classes[:, first : first + slab.groups])
        total = total - prob.gather(slab.axis, index).clamp_min(PROB_FLOOR).log().sum()
        probs.append(prob)
        first += slab.groups
    return total / rows, Fit(tanh, diff, inv_var, sigma, classes, probs, layout)


def reconstruction_backward(saved: Fit, grad: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(d loss / d logits, d loss / d sigma) for d loss / d reconstruction = `grad`."""
    diff, inv_var, sigma, layout = saved.diff, saved.inv_var, saved.sigma, saved.layout
    rows = len(diff)
    k = grad / rows
    grad_scalar = diff * (inv_var * k)
    grad_scalar[:, : layout.n_tanh].mul_(1 - saved.tanh.square())
    grad_sigma = (rows - diff.square().sum(dim=0) * inv_var) * k / sigma
    parts = [grad_scalar]
    first = 0
    for slab, prob in zip(layout.slabs, saved.probs, strict=True):
        # (softmax - one-hot) * k, in place: the softmax is not needed again
        index = slab.index(saved.classes[:, first : first + slab.groups])
        prob.scatter_add_(slab.axis, index, prob.new_full(index.shape, -1.0)).mul_(k)
        parts.append(prob.view(rows, -1))
        first += slab.groups
    return torch.cat(parts, dim=1), grad_sigma
