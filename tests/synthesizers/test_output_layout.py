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


def test_padded_order_puts_scalars_first_and_targets_name_each_groups_class() -> None:
    layout = PaddedLayout(BLOCKS, CPU)
    assert layout.n_tanh == 1 and layout.n_scalar == 2 and layout.width > 19
    position = layout.to_encoded(torch.arange(layout.width, dtype=torch.float32)[None])[0]
    assert position[0] == 0 and position[16] == 1  # tanh, then normal
    assert len(set(position.tolist())) == 19  # every encoded column has its own place
    encoded = torch.zeros(3, 19)
    encoded[:, 0], encoded[:, 16] = torch.tensor([0.1, 0.2, 0.3]), 5.0
    for row, (mode, cat, null) in enumerate([(1, 4, 17), (2, 11, 18), (1, 7, 17)]):
        encoded[row, [mode, cat, null]] = 1.0
    scalars, classes = layout.targets(encoded)
    assert torch.equal(scalars, encoded[:, [0, 16]])
    # all three groups are padded into the one 16-wide bucket, in block order
    assert classes.tolist() == [[0, 0, 0], [1, 7, 1], [0, 3, 0]]
