"""The hand-written TVAE step: every forward value and gradient against autograd of the plain
formulas, in float64."""

from __future__ import annotations

import torch

from simulacra.synthesizers.output_layout import PaddedLayout
from simulacra.synthesizers.vae_backprop import (
    latent_backward,
    latent_forward,
    mlp_backward,
    mlp_forward,
    reconstruction_backward,
    reconstruction_forward,
)

from .test_output_layout import BLOCKS, CPU

ROWS = 12
F64 = torch.float64


def plain_reconstruction(
    logits: torch.Tensor, sigma: torch.Tensor, encoded: torch.Tensor, layout: PaddedLayout
) -> torch.Tensor:
    """The loss written directly: Gaussian NLL of scalars, cross-entropy of one-hot groups."""
    scalars, classes = layout.targets(encoded)
    centre = torch.cat(
        [torch.tanh(logits[:, : layout.n_tanh]), logits[:, layout.n_tanh : layout.n_scalar]], 1
    )
    total = ((scalars - centre) ** 2 / (2 * sigma**2)).sum() + len(logits) * sigma.log().sum()
    first = 0
    for k, (_, groups, _, bias) in enumerate(layout.slabs):
        log_p = torch.log_softmax(layout.slab(logits, k) + bias, dim=-1)
        target = classes[:, first : first + groups]
        total = total - log_p.gather(-1, target.unsqueeze(-1)).sum()
        first += groups
    return total / len(logits)


def encoded_rows(generator: torch.Generator) -> torch.Tensor:
    encoded = torch.zeros(ROWS, 19, dtype=F64)
    for block in BLOCKS:
        if block.activation == "softmax":
            pick = torch.randint(block.start, block.stop, (ROWS,), generator=generator)
            encoded[torch.arange(ROWS), pick] = 1.0
        else:
            encoded[:, block.start] = torch.rand(ROWS, generator=generator, dtype=F64)
    return encoded


def test_reconstruction_value_and_gradients_match_autograd() -> None:
    layout = PaddedLayout(BLOCKS, CPU)
    gen = torch.Generator().manual_seed(0)
    encoded = encoded_rows(gen)
    logits = (torch.randn(ROWS, layout.width, generator=gen, dtype=F64) * 2).requires_grad_()
    sigma = (0.05 + torch.rand(layout.n_scalar, generator=gen, dtype=F64)).requires_grad_()
    scalars, classes = layout.targets(encoded)
    assert classes.shape == (ROWS, 3) and scalars.shape == (ROWS, 2)

    loss, saved = reconstruction_forward(logits.detach(), sigma.detach(), scalars, classes, layout)
    grad_logits, grad_sigma = reconstruction_backward(saved, 3.0)
    plain = plain_reconstruction(logits, sigma, encoded, layout)
    expected = torch.autograd.grad(plain * 3.0, (logits, sigma))
    assert torch.allclose(loss, plain)
    assert torch.allclose(grad_logits, expected[0], atol=1e-12)
    assert torch.allclose(grad_sigma, expected[1], atol=1e-12)


def test_latent_value_and_gradients_match_autograd() -> None:
    gen = torch.Generator().manual_seed(1)
    stats = torch.randn(ROWS, 6, generator=gen, dtype=F64, requires_grad=True)
    noise = torch.randn(ROWS, 3, generator=gen, dtype=F64)
    z, kl, saved = latent_forward(stats.detach(), noise)
    mean, logvar = stats[:, :3], stats[:, 3:]
    plain_z = mean + noise * torch.exp(0.5 * logvar)
    plain_kl = -0.5 * torch.sum(1 + logvar - mean**2 - logvar.exp()) / ROWS
    assert torch.allclose(z, plain_z) and torch.allclose(kl, plain_kl)
    weights = torch.randn(ROWS, 3, generator=gen, dtype=F64)
    expected = torch.autograd.grad((plain_z * weights).sum() + 2 * plain_kl, stats)[0]
    assert torch.allclose(latent_backward(saved, weights, 2.0), expected, atol=1e-12)


def test_mlp_values_and_gradients_match_autograd() -> None:
    torch.manual_seed(2)
    net = torch.nn.Sequential(
        torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 4), torch.nn.ReLU(),
        torch.nn.Linear(4, 3),
    ).double()  # fmt: skip
    x = torch.randn(ROWS, 5, dtype=F64, requires_grad=True)
    weight_out = torch.randn(ROWS, 3, dtype=F64)
    (net(x) * weight_out).sum().backward()
    layers = [(m.weight.detach(), m.bias.detach()) for m in net if isinstance(m, torch.nn.Linear)]
    grads = [(torch.empty_like(w), torch.empty_like(b)) for w, b in layers]
    values = mlp_forward(x.detach(), layers)
    assert torch.allclose(values[-1], net(x))
    grad_x = mlp_backward(weight_out, values, layers, grads)
    assert grad_x is not None and torch.allclose(grad_x, x.grad)  # type: ignore[arg-type]
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    for (grad_w, grad_b), m in zip(grads, linears, strict=True):
        assert torch.allclose(grad_w, m.weight.grad) and torch.allclose(grad_b, m.bias.grad)  # type: ignore[arg-type]
    assert mlp_backward(weight_out, values, layers, grads, input_grad=False) is None


def test_padding_has_zero_probability_and_narrow_groups_are_widened() -> None:
    layout = PaddedLayout(BLOCKS, CPU)
    assert all(width >= 16 for _, _, width, _ in layout.slabs)
    logits = torch.zeros(4, layout.width)
    encoded = layout.sample(logits, torch.ones(2), torch.Generator().manual_seed(0))
    for block in BLOCKS:
        if block.activation == "softmax":
            assert set(encoded[:, block.start : block.stop].sum(dim=1).tolist()) == {1.0}
