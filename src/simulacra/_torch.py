"""PyTorch helpers shared by the table and image models: device choice, seeding, threads,
state arrays.

Training runs inside `seeded_torch`, which forks PyTorch's global random state, seeds it from
the synthesizer's numpy generator and restores it afterwards, so the same seed gives the same
weights on CPU without touching anybody else's random stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from .errors import ParameterError


def resolve_device(device: str) -> torch.device:
    """ "auto" -> the first CUDA GPU when present, else the CPU; otherwise the named device."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except RuntimeError as exc:
        raise ParameterError(f"device must be 'auto', 'cpu' or 'cuda[:k]', not {device!r}") from exc
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ParameterError(f"device {device!r} asked for, but no CUDA GPU is available")
    return chosen


def torch_seed(rng: np.random.Generator) -> int:
    """A 62-bit seed for PyTorch drawn from a numpy generator."""
    return int(rng.integers(2**62))


def torch_generator(rng: np.random.Generator, device: torch.device) -> torch.Generator:
    """A PyTorch generator on `device` seeded from `rng` (for sampling without global state)."""
    return torch.Generator(device=device).manual_seed(torch_seed(rng))


def default_threads() -> int:
    """One CPU thread: the networks are small MLPs on batches of a few hundred rows, which gain
    little from more threads, and OpenMP threads that spin on shared cores slow such steps down
    by an order of magnitude (measured on the 2-core development machine)."""
    return 1


@contextmanager
def torch_threads(threads: int | None = None) -> Iterator[None]:
    """Run the block with `threads` CPU threads (`default_threads()` when None), restored
    afterwards: the one thread policy, for training and sampling alike."""
    old_threads = torch.get_num_threads()
    torch.set_num_threads(threads or default_threads())
    try:
        yield
    finally:
        torch.set_num_threads(old_threads)


@contextmanager
def seeded_torch(seed: int, threads: int | None = None) -> Iterator[None]:
    """Run the block with PyTorch's global RNG seeded with `seed` (restored afterwards),
    deterministic algorithms requested where PyTorch has them, and `threads` CPU threads."""
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    old_deterministic = torch.are_deterministic_algorithms_enabled()
    old_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    # deterministic mode also NaN-fills every new tensor: a kernel per allocation that buys
    # nothing here (no kernel of ours reads memory it did not write). The switch is private
    # and not in every PyTorch: left alone where it is missing.
    switches: Any = getattr(torch.utils, "deterministic", None)
    has_fill = hasattr(switches, "fill_uninitialized_memory")
    old_fill = getattr(switches, "fill_uninitialized_memory", None)
    with torch.random.fork_rng(devices=devices), torch_threads(threads):
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
        if has_fill:
            switches.fill_uninitialized_memory = False
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(old_deterministic, warn_only=old_warn)
            if has_fill:
                switches.fill_uninitialized_memory = old_fill


def training_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for training, or None for plain float32.

    "auto" picks bfloat16 on CUDA GPUs that support it (automatic mixed precision) and on CPUs
    with native bfloat16 matrix units (oneDNN reports support), where the small matrix products
    that dominate a step run about 4x faster; weights and optimiser state stay float32.
    """
    if precision == "float32":
        return None
    if precision == "bfloat16":
        return torch.bfloat16
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    if device.type == "cpu" and torch.backends.mkldnn.is_available():
        supported = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
        if supported is not None and supported():
            return torch.bfloat16
    return None


def sampling_dtype(precision: str, device: torch.device) -> torch.dtype:
    """The dtype of a network's matrix products when sampling: bfloat16 where training would
    use it (`training_dtype`), else float32. Inputs and weights are rounded to it, products
    accumulate in float32 (oneDNN, CUDA); the same seed gives the same bytes on one machine.
    """
    return training_dtype(precision, device) or torch.float32


def module_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """A module's state_dict as numpy arrays (for safetensors; no pickle)."""
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def load_module_state(module: torch.nn.Module, state: dict[str, Any]) -> None:
    """Load numpy arrays written by `module_state` into `module` (shapes must match)."""
    tensors = {k: torch.from_numpy(np.array(v)) for k, v in state.items()}
    try:
        module.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:  # missing, extra or mis-shaped weights
        raise ValueError(f"the saved weights do not fit the network ({exc})") from exc


class FlatParameters:
    """Groups of parameters as views into one float32 vector.

    A hand-written training step (vae_backprop.py) then casts every weight to the compute
    precision in one kernel, writes all gradients into one buffer, and the optimiser updates
    one tensor. The modules keep their parameters, now views into the vector, so `state_dict`,
    saving and sampling see the trained values."""

    def __init__(self, groups: list[Iterator[torch.nn.Parameter]]):
        params = [list(group) for group in groups]
        flat = [p for group in params for p in group]
        self._shapes = [[p.shape for p in group] for group in params]
        self._sizes = [p.numel() for p in flat]
        self.vector = torch.nn.Parameter(torch.cat([p.detach().reshape(-1) for p in flat]))
        for p, part in zip(flat, self.vector.data.split(self._sizes), strict=True):
            p.data = part.view(p.shape)

    def split(self, flat: torch.Tensor) -> list[list[torch.Tensor]]:
        """A tensor shaped like the vector (a cast copy, a gradient buffer) as views shaped
        like the parameters, per group, in order."""
        parts = iter(flat.split(self._sizes))
        return [[next(parts).view(shape) for shape in shapes] for shapes in self._shapes]


class FusedAdam:
    """Adam with L2 weight decay, the update of `torch.optim.Adam(fused=True)`, through the
    same fused PyTorch kernel but without torch.optim's per-step bookkeeping (state lookups,
    grouping by device and dtype, hooks), which costs about 0.2 ms a step: a tenth of a TVAE
    step on a CPU. tests/test_torch.py checks that both give the same
    parameters.

    The kernel, `torch._fused_adam_`, is private: it runs on CPUs only from PyTorch 2.4 and may
    change. The constructor tries it once on a small probe (`fused_adam_works`); where it is
    missing, raises or disagrees with `torch.optim.Adam`, every step goes through
    `torch.optim.Adam` with the same settings instead (`fused` says which path runs)."""

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
        eps: float = 1e-8,
    ):
        self.params = list(params)
        self.lr, self.betas, self.weight_decay, self.eps = lr, betas, weight_decay, eps
        kinds = {(p.device, p.dtype) for p in self.params}
        self.fused = all(fused_adam_works(device, dtype) for device, dtype in kinds)
        self._fallback = None
        if not self.fused:
            self._fallback = torch.optim.Adam(
                self.params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay
            )
        own_state = self.params if self.fused else []  # torch.optim.Adam keeps its own
        self._mean = [torch.zeros_like(p) for p in own_state]
        self._square = [torch.zeros_like(p) for p in own_state]
        self._steps = [torch.zeros((), device=p.device) for p in own_state]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        if self._fallback is not None:
            for group in self._fallback.param_groups:
                group["lr"] = self.lr  # `lr` may be changed between steps (schedules)
            self._fallback.step()
            return
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        if not live:
            return
        grads = [g for g in (self.params[i].grad for i in live) if g is not None]
        fused_adam_step(
            [self.params[i] for i in live],
            grads,
            [self._mean[i] for i in live],
            [self._square[i] for i in live],
            [self._steps[i] for i in live],
            lr=self.lr,
            betas=self.betas,
            weight_decay=self.weight_decay,
            eps=self.eps,
        )


def fused_adam_step(
    params: list[torch.Tensor],
    grads: list[torch.Tensor],
    means: list[torch.Tensor],
    squares: list[torch.Tensor],
    steps: list[torch.Tensor],
    *,
    lr: float,
    betas: tuple[float, float],
    weight_decay: float,
    eps: float,
) -> None:
    """One Adam step, in place, through PyTorch's private fused kernel."""
    torch._foreach_add_(steps, 1)
    torch._fused_adam_(
        params,
        grads,
        means,
        squares,
        [],
        steps,
        lr=lr,
        beta1=betas[0],
        beta2=betas[1],
        weight_decay=weight_decay,
        eps=eps,
        amsgrad=False,
        maximize=False,
    )


@torch.no_grad()
def fused_adam_works(device: torch.device, dtype: torch.dtype) -> bool:
    """Whether `fused_adam_step` runs for tensors of `dtype` on `device` and gives the
    parameters of `torch.optim.Adam` after two steps on a small probe.

    False where the private kernel is missing (AttributeError), is not built for the device
    or takes other arguments (RuntimeError, NotImplementedError, TypeError) or computes
    another update."""
    lr, betas, weight_decay, eps = 0.1, (0.8, 0.9), 0.01, 1e-8
    start = torch.tensor([0.5, -1.5, 2.0], device=device).to(dtype)
    grads = [torch.tensor(g, device=device).to(dtype) for g in ([0.3, -2.0, 0.0], [1.0, 0.5, -4])]
    ours, mean, square = start.clone(), torch.zeros_like(start), torch.zeros_like(start)
    steps = torch.zeros((), device=device)
    try:
        for grad in grads:
            fused_adam_step(
                [ours], [grad], [mean], [square], [steps],
                lr=lr, betas=betas, weight_decay=weight_decay, eps=eps,
            )  # fmt: skip
    except (AttributeError, RuntimeError, TypeError):  # NotImplementedError is a RuntimeError
        return False
    reference = start.clone().requires_grad_()
    adam = torch.optim.Adam([reference], lr=lr, betas=betas, weight_decay=weight_decay, eps=eps)
    for grad in grads:
        reference.grad = grad.clone()
        adam.step()
    tolerance = 1e-2 if dtype in (torch.bfloat16, torch.float16) else 1e-6
    return torch.allclose(ours, reference.detach(), atol=tolerance, rtol=tolerance)
