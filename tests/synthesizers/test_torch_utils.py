"""PyTorch helpers: the fused Adam matches torch.optim.Adam; flat parameters share storage."""

from __future__ import annotations

import torch

from simulacra.synthesizers.torch_utils import FlatParameters, FusedAdam


def test_fused_adam_gives_the_parameters_of_torch_optim_adam() -> None:
    torch.manual_seed(0)
    ours = [torch.randn(7, 3), torch.randn(5)]
    theirs = [p.clone().requires_grad_() for p in ours]
    ours = [p.requires_grad_() for p in ours]
    settings = {"lr": 1e-2, "betas": (0.5, 0.9), "weight_decay": 1e-3}
    fused, reference = FusedAdam(ours, **settings), torch.optim.Adam(theirs, **settings)  # type: ignore[arg-type]
    for step in range(5):
        grads = [torch.randn_like(p) for p in ours]
        for p, q, g in zip(ours, theirs, grads, strict=True):
            p.grad, q.grad = g.clone(), g.clone()
        if step == 3:  # a parameter without a gradient is left alone, as torch.optim does
            ours[1].grad = theirs[1].grad = None
        fused.step()
        reference.step()
    for p, q in zip(ours, theirs, strict=True):
        assert torch.allclose(p, q, atol=1e-6)
    fused.zero_grad()
    assert all(p.grad is None for p in ours)


def test_flat_parameters_share_the_modules_storage() -> None:
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    before = [p.detach().clone() for p in net.parameters()]
    flat = FlatParameters([net.parameters()])
    assert flat.vector.shape == (4 * 3 + 3 + 3 * 2 + 2,)
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), before, strict=True))
    with torch.no_grad():
        flat.vector.add_(1.0)  # an optimiser step on the vector moves the module's weights
    assert torch.equal(net[0].bias, before[1] + 1.0)
    views = flat.split(flat.vector.detach().to(torch.bfloat16))[0]
    assert [v.shape for v in views] == [p.shape for p in net.parameters()]
    assert views[0].dtype == torch.bfloat16
