"""PyTorch helpers: the fused Adam matches torch.optim.Adam, also where the private kernel is
missing; seeded_torch with and without PyTorch's private fill switch; flat parameters share
storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

from simulacra._torch import (
    FlatParameters,
    FusedAdam,
    fused_adam_works,
    seeded_torch,
)

SETTINGS: dict[str, Any] = {"lr": 1e-2, "betas": (0.5, 0.9), "weight_decay": 1e-3}
CPU = torch.device("cpu")


def adam_run(make: Callable[[list[torch.Tensor]], Any], steps: int = 6) -> list[torch.Tensor]:
    """The parameters after `steps` steps of the optimiser `make(params)` on fixed random
    gradients (no gradient for the second tensor at step 3)."""
    gen = torch.Generator().manual_seed(0)
    params = [torch.randn(7, 3, generator=gen), torch.randn(5, generator=gen)]
    params = [p.requires_grad_() for p in params]
    optimiser = make(params)
    for step in range(steps):
        for p in params:
            p.grad = torch.randn(p.shape, generator=gen)
        if step == 3:
            params[1].grad = None
        optimiser.step()
    return [p.detach() for p in params]


def make_fused_adam_unavailable(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """torch._fused_adam_ missing, or raising as on a PyTorch without its CPU kernel (< 2.4)."""
    if how == "missing":
        monkeypatch.delattr(torch, "_fused_adam_")
        return

    def no_cpu_kernel(*args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("Could not run 'aten::_fused_adam_' with the 'CPU' backend")

    monkeypatch.setattr(torch, "_fused_adam_", no_cpu_kernel)


def test_fused_adam_gives_the_parameters_of_torch_optim_adam() -> None:
    torch.manual_seed(0)
    ours = [torch.randn(7, 3), torch.randn(5)]
    theirs = [p.clone().requires_grad_() for p in ours]
    ours = [p.requires_grad_() for p in ours]
    fused, reference = FusedAdam(ours, **SETTINGS), torch.optim.Adam(theirs, **SETTINGS)
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


@pytest.mark.skipif(torch.__version__ < "2.4", reason="no fused Adam CPU kernel before 2.4")
def test_fused_adam_takes_the_fused_kernel_where_pytorch_has_it() -> None:
    assert fused_adam_works(CPU, torch.float32)
    assert FusedAdam([torch.zeros(3, requires_grad=True)], lr=0.1).fused


@pytest.mark.parametrize("how", ["missing", "raises"])
def test_fused_adam_falls_back_to_torch_optim_adam_with_the_same_parameters(
    monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if not fused_adam_works(CPU, torch.float32):
        pytest.skip("this PyTorch has no fused CPU kernel to compare the fallback with")
    start = adam_run(lambda params: None, steps=0)
    fused = adam_run(lambda params: FusedAdam(params, **SETTINGS))
    make_fused_adam_unavailable(monkeypatch, how)
    assert not fused_adam_works(CPU, torch.float32)
    made: list[FusedAdam] = []

    def fallback_adam(params: list[torch.Tensor]) -> FusedAdam:
        made.append(FusedAdam(params, **SETTINGS))
        return made[-1]

    fallback = adam_run(fallback_adam)
    assert not made[0].fused
    for before, p, q in zip(start, fused, fallback, strict=True):
        assert (p - before).abs().min() > 1e-3  # every entry moved
        torch.testing.assert_close(q, p, atol=1e-6, rtol=1e-6)
    made[0].zero_grad()
    assert all(p.grad is None for p in made[0].params)


def test_fused_adam_probe_rejects_a_kernel_that_computes_another_update(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not fused_adam_works(CPU, torch.float32):
        pytest.skip("this PyTorch has no fused CPU kernel")
    real = torch._fused_adam_

    def without_weight_decay(*args: Any, **kwargs: Any) -> None:
        real(*args, **{**kwargs, "weight_decay": 0.0})

    monkeypatch.setattr(torch, "_fused_adam_", without_weight_decay)
    assert not fused_adam_works(CPU, torch.float32)
    assert not FusedAdam([torch.zeros(2, requires_grad=True)], lr=0.1).fused


def seeded_draws(threads: int) -> tuple[torch.Tensor, int, bool]:
    """Numbers drawn under seeded_torch(7, threads), and the threads and deterministic flag
    seen inside."""
    with seeded_torch(7, threads):
        return torch.rand(4), torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()


def test_seeded_torch_seeds_and_restores_the_global_state() -> None:
    threads, state = torch.get_num_threads(), torch.random.get_rng_state()
    switches: Any = torch.utils.deterministic  # type: ignore[attr-defined]
    fill = switches.fill_uninitialized_memory
    with seeded_torch(7, threads + 1):
        assert switches.fill_uninitialized_memory is False
    assert switches.fill_uninitialized_memory == fill
    draws, inside, deterministic = seeded_draws(threads + 1)
    assert torch.equal(draws, seeded_draws(threads + 1)[0])
    assert (inside, deterministic) == (threads + 1, True)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("how", ["no switch", "no module"])
def test_seeded_torch_works_without_the_private_fill_switch(
    monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    threads = torch.get_num_threads()
    expected = seeded_draws(threads + 1)
    switches: Any = torch.utils.deterministic  # type: ignore[attr-defined]
    if how == "no switch":  # a property of the module's class
        monkeypatch.delattr(type(switches), "fill_uninitialized_memory")
    else:  # a PyTorch before torch.utils.deterministic
        monkeypatch.delattr(torch.utils, "deterministic")
    draws, inside, deterministic = seeded_draws(threads + 1)
    assert torch.equal(draws, expected[0]) and (inside, deterministic) == expected[1:]
    if how == "no switch":  # nothing was set in the missing switch's place
        assert "fill_uninitialized_memory" not in vars(switches)
    else:
        assert not hasattr(torch.utils, "deterministic")
    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()


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
