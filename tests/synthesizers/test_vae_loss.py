"""The TVAE loss functions: values and hand-derived gradients against autograd of the formulas."""

from __future__ import annotations

import torch

from simulacra.synthesizers.output_layout import PaddedLayout
from simulacra.synthesizers.vae_loss import GaussianLatent, Reconstruction

from .test_output_layout import BLOCKS, CPU

ROWS = 12


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
    encoded = torch.zeros(ROWS, 19, dtype=torch.float64)
    for block in BLOCKS:
        if block.activation == "softmax":
            pick = torch.randint(block.start, block.stop, (ROWS,), generator=generator)
            encoded[torch.arange(ROWS), pick] = 1.0
        else:
            encoded[:, block.start] = torch.rand(ROWS, generator=generator, dtype=torch.float64)
    return encoded


def test_reconstruction_matches_the_formula_and_its_gradient() -> None:
    layout = PaddedLayout(BLOCKS, CPU)
    gen = torch.Generator().manual_seed(0)
    encoded = encoded_rows(gen)
    logits = torch.randn(ROWS, layout.width, generator=gen, dtype=torch.float64) * 2
    logits.requires_grad_(True)
    sigma = 0.05 + torch.rand(layout.n_scalar, generator=gen, dtype=torch.float64)
    sigma.requires_grad_(True)
    scalars, classes = layout.targets(encoded)
    assert classes.shape == (ROWS, 3) and scalars.shape == (ROWS, 2)

    fast = Reconstruction.apply(logits, sigma, scalars, classes, layout)
    plain = plain_reconstruction(logits, sigma, encoded, layout)
    assert torch.allclose(fast, plain)
    grads_fast = torch.autograd.grad(fast * 3.0, (logits, sigma))
    grads_plain = torch.autograd.grad(plain * 3.0, (logits, sigma))
    for a, b in zip(grads_fast, grads_plain, strict=True):
        assert torch.allclose(a, b, atol=1e-10)
    assert torch.autograd.gradcheck(
        lambda lg, s: Reconstruction.apply(lg, s, scalars, classes, layout), (logits, sigma)
    )


def test_gaussian_latent_matches_reparameterisation_and_kl() -> None:
    gen = torch.Generator().manual_seed(1)
    stats = torch.randn(ROWS, 6, generator=gen, dtype=torch.float64, requires_grad=True)
    noise = torch.randn(ROWS, 3, generator=gen, dtype=torch.float64)
    z, kl = GaussianLatent.apply(stats, noise)
    mean, logvar = stats[:, :3], stats[:, 3:]
    plain_z = mean + noise * torch.exp(0.5 * logvar)
    plain_kl = -0.5 * torch.sum(1 + logvar - mean**2 - logvar.exp()) / ROWS
    assert torch.allclose(z, plain_z) and torch.allclose(kl, plain_kl)
    weights = torch.randn(ROWS, 3, generator=gen, dtype=torch.float64)
    fast = torch.autograd.grad((z * weights).sum() + 2 * kl, stats)[0]
    plain = torch.autograd.grad((plain_z * weights).sum() + 2 * plain_kl, stats)[0]
    assert torch.allclose(fast, plain, atol=1e-12)
    assert torch.autograd.gradcheck(lambda s: GaussianLatent.apply(s, noise), (stats,))


def test_padding_has_zero_probability_and_narrow_groups_are_widened() -> None:
    layout = PaddedLayout(BLOCKS, CPU)
    assert all(width >= 16 for _, _, width, _ in layout.slabs)
    logits = torch.zeros(4, layout.width)
    encoded = layout.sample(logits, torch.ones(2), torch.Generator().manual_seed(0))
    for block in BLOCKS:
        if block.activation == "softmax":
            assert set(encoded[:, block.start : block.stop].sum(dim=1).tolist()) == {1.0}
