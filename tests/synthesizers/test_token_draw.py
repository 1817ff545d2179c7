"""Drawing tokens from the autoregressive network: prefix groups, row blocks, precision."""

from __future__ import annotations

import numpy as np
import torch

from simulacra.synthesizers.token_draw import BLOCK_ROWS, PAD_ROWS, TokenDraw, relu
from simulacra.synthesizers.token_net import TokenNet

SIZES = [3, 2, 5, 4, 7]


def random_net(seed: int = 0) -> TokenNet:
    torch.manual_seed(seed)
    net = TokenNet(SIZES, [64, 32]).eval()
    with torch.no_grad():  # sharper than the initial weights: distributions that differ by row
        for p in net.parameters():
            p.mul_(3.0)
    return net


def draw(net: TokenNet, rows: int, seed: int, grouped: bool, **kwargs: object) -> torch.Tensor:
    """`rows` unconditioned rows drawn through `fill` (prefix groups, then blocks) or
    through the row-by-row path only."""
    gen = torch.Generator().manual_seed(seed)
    sizes = torch.tensor(SIZES)
    inputs = sizes.expand(rows, -1).clone()
    unknown = torch.ones_like(inputs, dtype=torch.bool)
    uniforms = 1.0 - torch.rand(inputs.shape, generator=gen)
    drawer = TokenDraw(net, 1.0, **kwargs)  # type: ignore[arg-type]
    order = list(range(len(SIZES)))
    with torch.inference_mode():
        if grouped:
            drawer.fill(inputs, unknown, order, uniforms)
        else:
            drawer._fill_rows(drawer.first_layer(inputs), inputs, unknown, order, uniforms)
    return inputs


def test_prefix_groups_draw_what_rows_drawn_one_by_one_draw() -> None:
    net = random_net()
    grouped, rows = draw(net, 20_000, 1, True), draw(net, 20_000, 1, False)
    same = (grouped == rows).all(dim=1).float().mean().item()
    assert same > 0.999  # only float rounding between the two paths may move a token
    assert torch.equal(grouped, draw(net, 20_000, 1, True))  # same uniforms, same tokens


def test_tokens_follow_the_network_distribution() -> None:
    net = random_net(2)
    tokens = draw(net, 40_000, 3, True)
    drawer = TokenDraw(net, 1.0)
    with torch.inference_mode():
        hidden = drawer.first_layer(torch.tensor([SIZES]))
        first = torch.softmax(drawer.logits(hidden, 0), dim=1)[0].numpy()
        # the second column given the first's most frequent token
        top = int(np.argmax(first))
        known = torch.tensor([[top, *SIZES[1:]]])
        second = torch.softmax(drawer.logits(drawer.first_layer(known), 1), dim=1)[0].numpy()
    seen = np.bincount(tokens[:, 0].numpy(), minlength=SIZES[0]) / len(tokens)
    np.testing.assert_allclose(seen, first, atol=0.01)
    given = tokens[tokens[:, 0] == top, 1].numpy()
    shares = np.bincount(given, minlength=SIZES[1]) / len(given)
    np.testing.assert_allclose(shares, second, atol=0.02)


def test_a_forbidden_token_is_never_drawn() -> None:
    shift = torch.zeros(SIZES[2])
    shift[[0, 3]] = float("-inf")
    tokens = draw(random_net(), 5_000, 4, True, shifts={2: shift})
    assert not torch.isin(tokens[:, 2], torch.tensor([0, 3])).any()


def test_bfloat16_draws_nearly_every_row_as_float32() -> None:
    net = random_net(5)
    wide = draw(net, 10_000, 6, True)
    narrow = draw(net, 10_000, 6, True, dtype=torch.bfloat16)
    assert (wide == narrow).all(dim=1).float().mean().item() > 0.9
    assert torch.equal(narrow, draw(net, 10_000, 6, True, dtype=torch.bfloat16))


def test_the_bfloat16_relu_is_torch_relu() -> None:
    x = torch.randn(300, 40).to(torch.bfloat16)
    x[0, :3] = torch.tensor([-0.0, 0.0, float("-inf")])
    assert torch.equal(relu(x.clone()), torch.relu(x))


def test_the_network_sees_few_row_counts_however_the_groups_fall() -> None:
    # bfloat16 products on the CPU keep memory for every row count they meet: prefix groups,
    # a sample's last block and partly known blocks (whose counts change from column to
    # column and from sample to sample) are padded to multiples of PAD_ROWS, so a long
    # stream meets a bounded set
    net = random_net(4)
    counts: set[int] = set()
    drawer = TokenDraw(net, 1.0, dtype=torch.bfloat16)
    network = drawer._network_logits

    def counted(first: torch.Tensor, j: int) -> torch.Tensor:
        counts.add(len(first))
        return network(first, j)

    drawer._network_logits = counted  # type: ignore[method-assign]
    order = list(range(len(SIZES)))
    for seed in range(6):
        gen = torch.Generator().manual_seed(seed)
        inputs = torch.tensor(SIZES).expand(3_000, -1).clone()
        unknown = torch.ones_like(inputs, dtype=torch.bool)
        unknown[::3, 2] = False  # a column known in some rows: the partly known path
        inputs[::3, 2] = 1
        with torch.inference_mode():
            drawer.fill(inputs, unknown, order, 1.0 - torch.rand(inputs.shape, generator=gen))
    assert BLOCK_ROWS % PAD_ROWS == 0 and len(counts) > 2
    assert all(c % PAD_ROWS == 0 for c in counts), sorted(counts)


def test_padding_leaves_each_rows_logits_as_they_were() -> None:
    net = random_net(5)
    drawer = TokenDraw(net, 1.0)
    inputs = torch.tensor(SIZES).expand(77, -1).clone()
    inputs[:, 0] = torch.arange(77) % SIZES[0]
    with torch.inference_mode():
        first = drawer.first_layer(inputs)
        for j in range(len(SIZES)):
            assert torch.allclose(drawer.logits(first, j), drawer._network_logits(first, j))
            assert drawer.logits(first, j).shape == (77, SIZES[j])
