"""Vectorised output activations: groups padded by width, the padded order round-trips."""

from __future__ import annotations

import torch

from simulacra.synthesizers.output_layout import OutputLayout, PaddedLayout
from simulacra.transforms.base import Block

BLOCKS = [
    Block("x", "value", "tanh", 0, 1),
    Block("x", "mode", "softmax", 1, 3),
    Block("c", "value", "softmax", 4, 12, discrete=True),
    Block("z", "value", "normal", 16, 1),
    Block("z", "null", "softmax", 17, 2),
]
CPU = torch.device("cpu")


def test_gumbel_activation_gives_probabilities_per_group_and_tanh_scalars() -> None:
    layout = OutputLayout(BLOCKS, CPU)
    logits = torch.randn(64, 19, generator=torch.Generator().manual_seed(0)) * 3
    out = layout.gumbel_activate(logits, 0.2, torch.Generator().manual_seed(1))
    assert out.shape == logits.shape
    for block in BLOCKS:
        part = out[:, block.start : block.stop]
        if block.activation == "softmax":
            assert torch.allclose(part.sum(dim=1), torch.ones(64), atol=1e-5)
            assert (part >= 0).all()
    assert torch.equal(out[:, 0], torch.tanh(logits[:, 0]))
    assert torch.equal(out[:, 16], logits[:, 16])
    onehot = layout.decode_sample(logits, torch.Generator().manual_seed(2))
    assert set(onehot[:, 4:16].sum(dim=1).tolist()) == {1.0}


def test_padded_order_round_trips_and_masks_padding() -> None:
    layout = PaddedLayout(BLOCKS, CPU)
    encoded = torch.randn(10, 19)
    padded = layout.to_padded(encoded)
    assert layout.n_tanh == 1 and layout.n_scalar == 2
    assert padded.shape[1] == layout.width > 19
    assert torch.equal(layout.to_encoded(padded), encoded)
    target = layout.to_padded(torch.nn.functional.one_hot(1 + torch.arange(10) % 3, 19).float())
    loss = layout.cross_entropy(torch.zeros_like(padded), target)
    # uniform logits: each one-hot row pays log(width) of its own group only
    assert torch.isclose(loss, torch.tensor(10 * torch.log(torch.tensor(3.0)).item()), atol=1e-3)
