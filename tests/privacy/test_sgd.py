"""DP-SGD's mechanics: ghost clipping gives the clipped sum of per-row gradients exactly, every
row's contribution is bounded by the clipping norm (the mechanism's sensitivity), noise and
batches come from the OS (not from torch's seeded generator), and a parameter left out of a
release is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from simulacra import Synthesizer
from simulacra.privacy.budget import PrivacyBudget
from simulacra.privacy.ledger import PrivacyLedger
from simulacra.privacy.sgd import DPSGD


@pytest.fixture(scope="module")
def fitted() -> Synthesizer:
    rng = np.random.default_rng(0)
    n = 400
    table = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "g": rng.choice(["a", "b", "c"], n),
            "y": rng.gamma(2.0, 3.0, n),
        }
    )
    params = {"epochs": 1, "batch_size": 100, "hidden_dims": [16, 8], "verbose": False}
    syn = Synthesizer("autoregressive", **params).fit(table)
    syn._group_logits()  # type: ignore[attr-defined]  # the loss's index, dropped after training
    return syn


def _dpsgd(syn: Synthesizer, clip: float) -> DPSGD:
    dp = DPSGD(
        syn.net_,  # type: ignore[attr-defined]
        PrivacyLedger(PrivacyBudget(1.0, 1e-5)),
        rows=64,
        batch_size=64,
        epochs=1,
        max_grad_norm=clip,
    )
    dp.noise_multiplier = 0.0
    return dp


def _tokens(syn: Synthesizer, rows: int) -> torch.Tensor:
    sizes = torch.tensor(syn.sizes_)  # type: ignore[attr-defined]
    return (torch.rand(rows, len(sizes)) * sizes).long()


@pytest.mark.parametrize("clip", [1e-3, 0.05, 1e6])
def test_ghost_clipping_equals_clipped_per_row_gradients(fitted: Synthesizer, clip: float) -> None:
    syn = fitted
    net = syn.net_  # type: ignore[attr-defined]
    tokens = _tokens(syn, 64)
    hidden = syn._random_hidden(len(tokens))  # type: ignore[attr-defined]
    syn._ghost_gradients(_dpsgd(syn, clip), tokens, hidden)  # type: ignore[attr-defined]
    ghost = [p.grad.clone() for p in net.parameters()]
    sizes = syn._sizes  # type: ignore[attr-defined]

    def loss_of_row(call, row, hide):  # type: ignore[no-untyped-def]
        logits = call(torch.where(hide, sizes, row)[None])
        return syn._row_losses(logits, row[None], hide[None])[0]  # type: ignore[attr-defined]

    _dpsgd(syn, clip).gradients(loss_of_row, (tokens, hidden))
    for mine, theirs in zip(ghost, net.parameters(), strict=True):
        assert torch.allclose(mine, theirs.grad, atol=1e-6, rtol=1e-4)


def test_one_row_moves_the_clipped_sum_by_at_most_the_clipping_norm(
    fitted: Synthesizer,
) -> None:
    """The sensitivity of DP-SGD's sum: adding one row changes it by at most max_grad_norm."""
    syn = fitted
    net = syn.net_  # type: ignore[attr-defined]
    clip = 0.01
    tokens = _tokens(syn, 33)
    hidden = syn._random_hidden(33)  # type: ignore[attr-defined]

    def summed(rows: slice) -> torch.Tensor:
        dp = _dpsgd(syn, clip)
        syn._ghost_gradients(dp, tokens[rows], hidden[rows])  # type: ignore[attr-defined]
        grads = torch.cat([p.grad.reshape(-1) for p in net.parameters()])
        return grads.detach() * dp.expected_batch

    without, with_row = summed(slice(0, 32)), summed(slice(0, 33))
    assert float((with_row - without).norm()) <= clip * (1 + 1e-4)
    assert float(with_row.norm()) > 2 * clip  # many rows, each clipped to the bound


def test_noise_and_batches_do_not_come_from_torchs_seed(fitted: Synthesizer) -> None:
    syn = fitted
    draws = []
    for _ in range(2):
        torch.manual_seed(0)
        dp = _dpsgd(syn, 1.0)
        dp.noise_multiplier = 1.0
        dp.sample_rate = 0.5
        batch = dp.batch(200, torch.device("cpu"))
        tokens = _tokens(syn, 8)
        syn._ghost_gradients(dp, tokens, syn._random_hidden(8))  # type: ignore[attr-defined]
        draws.append((batch, syn.net_.head.bias.grad.clone()))  # type: ignore[attr-defined]
    assert not torch.equal(draws[0][0], draws[1][0])
    assert not torch.equal(draws[0][1], draws[1][1])


def test_a_parameter_left_out_of_a_release_is_refused(fitted: Synthesizer) -> None:
    dp = _dpsgd(fitted, 1.0)
    first = next(fitted.net_.parameters())  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="every trainable parameter"):
        dp.release({first: torch.zeros_like(first)})
