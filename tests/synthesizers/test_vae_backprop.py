"""The hand-written TVAE step: every forward value and gradient against autograd of the plain
formulas, in float64."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import torch

from simulacra.synthesizers import vae_backprop
from simulacra.synthesizers.output_layout import PaddedLayout
from simulacra.synthesizers.vae_backprop import (
    latent_backward,
    latent_forward,
    mlp_backward,
    mlp_forward,
    pick_threshold_backward,
    reconstruction_backward,
    reconstruction_forward,
    relu_threshold_backward,
)
from simulacra.transforms.base import Block

from .test_output_layout import BLOCKS, CPU

ROWS = 12
F64 = torch.float64


def many_groups() -> list[Block]:
    """A tanh scalar, 17 narrow groups (an entry-major slab) and a 20-wide one (group-major)."""
    blocks, start = [Block("x", "value", "tanh", 0, 1)], 1
    for k in range(17):
        width = 2 + k % 3
        blocks.append(Block(f"c{k}", "value", "softmax", start, width, discrete=True))
        start += width
    blocks.append(Block("w", "value", "softmax", start, 20, discrete=True))
    return blocks


LAYOUTS = {"few narrow groups": BLOCKS, "many narrow groups": many_groups()}


def plain_reconstruction(
    logits: torch.Tensor, sigma: torch.Tensor, encoded: torch.Tensor, blocks: list[Block]
) -> torch.Tensor:
    """The loss written per block of the encoded order, with no slabs: Gaussian NLL of
    scalars, cross-entropy of each one-hot block."""
    layout = PaddedLayout(blocks, CPU)
    values = layout.to_encoded(logits)
    total = len(logits) * sigma.log().sum()
    scale = iter(sigma)
    for block in sorted(blocks, key=lambda b: b.activation != "tanh"):  # tanh, normal, groups
        part, target = values[:, block.start : block.stop], encoded[:, block.start : block.stop]
        if block.activation == "softmax":
            total = total - (target * torch.log_softmax(part, dim=1)).sum()
        else:
            centre = torch.tanh(part) if block.activation == "tanh" else part
            total = total + ((target - centre) ** 2).sum() / (2 * next(scale) ** 2)
    return total / len(logits)


def encoded_rows(blocks: list[Block], generator: torch.Generator) -> torch.Tensor:
    encoded = torch.zeros(ROWS, max(b.stop for b in blocks), dtype=F64)
    for block in blocks:
        if block.activation == "softmax":
            pick = torch.randint(block.start, block.stop, (ROWS,), generator=generator)
            encoded[torch.arange(ROWS), pick] = 1.0
        else:
            encoded[:, block.start] = torch.rand(ROWS, generator=generator, dtype=F64)
    return encoded


@pytest.mark.parametrize("name", LAYOUTS)
def test_reconstruction_value_and_gradients_match_autograd(name: str) -> None:
    blocks = LAYOUTS[name]
    layout = PaddedLayout(blocks, CPU)
    assert {slab.axis for slab in layout.slabs} == ({2} if blocks is BLOCKS else {1, 2})
    gen = torch.Generator().manual_seed(0)
    encoded = encoded_rows(blocks, gen)
    logits = (torch.randn(ROWS, layout.width, generator=gen, dtype=F64) * 2).requires_grad_()
    sigma = (0.05 + torch.rand(layout.n_scalar, generator=gen, dtype=F64)).requires_grad_()
    scalars, classes = layout.targets(encoded)
    assert classes.shape == (ROWS, sum(b.activation == "softmax" for b in blocks))

    loss, saved = reconstruction_forward(logits.detach(), sigma.detach(), scalars, classes, layout)
    grad_logits, grad_sigma = reconstruction_backward(saved, 3.0)
    plain = plain_reconstruction(logits, sigma, encoded, blocks)
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


def mlp_gradients(dtype: torch.dtype) -> list[torch.Tensor]:
    """Every gradient of mlp_backward for a 3-layer ReLU net on a fixed batch in `dtype`."""
    gen = torch.Generator().manual_seed(3)

    def draw(*shape: int) -> torch.Tensor:
        return torch.randn(shape, generator=gen).to(dtype)

    layers = [(draw(n_out, n_in), draw(n_out)) for n_in, n_out in [(5, 6), (6, 6), (6, 3)]]
    x, grad_out = draw(64, 5), draw(64, 3)
    grads = [(torch.empty_like(w), torch.empty_like(b)) for w, b in layers]
    values = mlp_forward(x, layers)
    assert all((v == 0).any() for v in values[1:-1])  # the ReLUs do cut some units
    grad_x = mlp_backward(grad_out, values, layers, grads)
    assert grad_x is not None
    return [grad_x, *(g for pair in grads for g in pair)]


def test_the_aten_relu_gradient_is_taken_where_pytorch_registers_it() -> None:
    assert pick_threshold_backward() is torch.ops.aten.threshold_backward
    assert vae_backprop.threshold_backward is torch.ops.aten.threshold_backward


def test_the_public_relu_gradient_equals_aten_threshold_backward() -> None:
    gen = torch.Generator().manual_seed(4)
    grad = torch.randn(40, 30, generator=gen)
    output = torch.randn(40, 30, generator=gen).relu()  # about half the units cut
    for threshold in (0.0, 0.5):
        output = output.clamp_min(threshold)  # a ReLU's output never lies below its threshold
        for dtype in (F64, torch.float32, torch.bfloat16):
            ours = relu_threshold_backward(grad.to(dtype), output.to(dtype), threshold)
            expected = torch.ops.aten.threshold_backward(
                grad.to(dtype), output.to(dtype), threshold
            )
            assert ours.dtype == dtype and torch.equal(ours, expected)


@pytest.mark.parametrize("how", ["missing", "raises"])
def test_mlp_gradients_are_the_same_without_the_aten_op(
    monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    private = {dtype: mlp_gradients(dtype) for dtype in (F64, torch.float32, torch.bfloat16)}
    with monkeypatch.context() as patch:
        if how == "missing":  # an ATen namespace without the op: AttributeError
            patch.setattr(torch.ops, "aten", SimpleNamespace())
        else:

            def not_registered(*args: Any) -> torch.Tensor:
                raise RuntimeError("No such operator aten::threshold_backward")

            patch.setattr(torch.ops.aten, "threshold_backward", not_registered)
        chosen = pick_threshold_backward()
    assert chosen is relu_threshold_backward
    monkeypatch.setattr(vae_backprop, "threshold_backward", chosen)
    for dtype, expected in private.items():  # equal as numbers (a cut entry may be -0.0)
        for ours, theirs in zip(mlp_gradients(dtype), expected, strict=True):
            assert torch.equal(ours, theirs)


@pytest.mark.parametrize("name", LAYOUTS)
def test_samples_are_one_hot_per_group_and_padding_is_never_drawn(name: str) -> None:
    blocks = LAYOUTS[name]
    layout = PaddedLayout(blocks, CPU)
    logits = torch.zeros(200, layout.width)
    encoded = layout.sample(logits, torch.ones(2), torch.Generator().manual_seed(0))
    assert encoded.shape == (200, max(b.stop for b in blocks))
    for block in blocks:
        if block.activation == "softmax":
            part = encoded[:, block.start : block.stop]
            assert set(part.sum(dim=1).tolist()) == {1.0}
            assert (part.sum(dim=0) > 0).all()  # uniform logits: every category gets drawn
