"""The TVAE loss as two autograd functions with hand-derived gradients.

Written out by autograd, the loss is some forty small element-wise kernels per step, each
reading and writing a fresh batch-sized tensor; on a CPU those passes over memory cost as much
as the matrix products. Here each part is a few kernels forward and a few backward:

- `GaussianLatent`: encoder output (mean | log-variance) -> reparameterised z and the KL
  divergence to the standard normal, averaged over rows.
- `Reconstruction`: decoder logits in PaddedLayout order -> Gaussian negative log-likelihood of
  the scalar columns (around tanh or identity of the logits, one learned scale per column) plus
  the cross-entropy of every one-hot group, averaged over rows.

Both are checked against autograd of the plain formulas (tests/synthesizers/test_vae_loss.py).
"""

from __future__ import annotations

from typing import Any

import torch

from .output_layout import PaddedLayout

# The cross-entropy reads log(max(p, PROB_FLOOR)) of the true class from the softmax kept for
# the backward pass (one pass over the logits, not log-softmax and then exp). The floor only
# caps the reported loss of a group at 69 where p underflows; the gradient, softmax minus
# one-hot, is exact.
PROB_FLOOR = 1e-30


def widened(t: torch.Tensor) -> torch.Tensor:
    """bfloat16 / float16 (autocast outputs) as float32; float32 and float64 as they are."""
    return t.float() if t.dtype in (torch.bfloat16, torch.float16) else t


class GaussianLatent(torch.autograd.Function):
    """(mean | log-variance, standard normal noise) -> (z = mean + noise * std, KL)."""

    @staticmethod
    def forward(ctx: Any, stats: torch.Tensor, noise: torch.Tensor) -> Any:
        latent = noise.shape[1]
        mean = widened(stats[:, :latent]).contiguous()
        logvar = widened(stats[:, latent:]).contiguous()
        std = logvar.mul(0.5).exp_()
        z = torch.addcmul(mean, noise, std)
        rows = len(stats)
        flat_mean, flat_std = mean.view(-1), std.view(-1)
        squares = torch.dot(flat_mean, flat_mean) + torch.dot(flat_std, flat_std)
        kl = 0.5 * (squares - logvar.sum()) / rows - 0.5 * latent
        ctx.save_for_backward(mean, std, noise)
        return z, kl

    @staticmethod
    def backward(ctx: Any, grad_z: torch.Tensor, grad_kl: torch.Tensor) -> Any:
        mean, std, noise = ctx.saved_tensors
        k = grad_kl / len(mean)
        grad_mean = torch.addcmul(grad_z, mean, k)
        # d/d logvar = 0.5 * std * (grad_z * noise + k * std) - 0.5 * k
        grad_logvar = (grad_z * noise).addcmul_(std, k).mul_(std).sub_(k).mul_(0.5)
        return torch.cat([grad_mean, grad_logvar], dim=1), None


class Reconstruction(torch.autograd.Function):
    """(logits, sigma, scalar targets, class targets, layout) -> mean reconstruction loss."""

    @staticmethod
    def forward(
        ctx: Any,
        logits: torch.Tensor,
        sigma: torch.Tensor,
        scalars: torch.Tensor,
        classes: torch.Tensor,
        layout: PaddedLayout,
    ) -> torch.Tensor:
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
        for k, (_, groups, _, bias) in enumerate(layout.slabs):
            prob = torch.softmax(layout.slab(values, k) + bias, dim=-1)
            index = classes[:, first : first + groups].unsqueeze(-1)
            total = total - prob.gather(-1, index).clamp_min(PROB_FLOOR).log().sum()
            probs.append(prob)
            first += groups
        ctx.save_for_backward(tanh, diff, inv_var, sigma, classes, *probs)
        ctx.layout = layout
        return total / rows

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> Any:
        tanh, diff, inv_var, sigma, classes, *probs = ctx.saved_tensors
        layout: PaddedLayout = ctx.layout
        rows = len(diff)
        k = grad / rows
        grad_scalar = diff * (inv_var * k)
        grad_scalar[:, : layout.n_tanh].mul_(1 - tanh.square())
        grad_sigma = (rows - diff.square().sum(dim=0) * inv_var) * k / sigma
        parts = [grad_scalar]
        first = 0
        for (_, groups, _, _), prob in zip(layout.slabs, probs, strict=True):
            # (softmax - one-hot) * k, out of place: `prob` stays valid for a retained graph
            index = classes[:, first : first + groups].unsqueeze(-1)
            grad_prob = (prob * k).scatter_add_(-1, index, (-k).expand(index.shape))
            parts.append(grad_prob.view(rows, -1))
            first += groups
        return torch.cat(parts, dim=1), grad_sigma, None, None, None
