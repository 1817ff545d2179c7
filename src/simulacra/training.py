"""The one training loop of every neural model, tables and images alike (`Trainer`).

A model defines its networks and what one round of training does (an epoch over its rows or
images, one DP-SGD epoch of Poisson batches, one streamed pass of Dask buffers, one upscaler
step) and hands that to `Trainer.run`, which owns the rest:

- PyTorch's random state, seeded from the model's seed and restored afterwards, and the threads
  (`_torch.seeded_torch`); mixed precision (`torch.autocast`) when a dtype is given;
- the progress bar, counting rounds against the planned total, with the time left shown as a
  bound ("≤") when training may stop early;
- per-round history: every loss the round returns, its wall and CPU seconds;
- stopping: after the planned rounds, when the round returns None (an exhausted source), when
  `stop()` says so (early stopping, a spent privacy budget, a streamed step limit), or when the
  next round would end past `seconds` (a time budget: rounds are assumed to last as long as the
  slowest so far; the first round always runs). `History.out_of_time` says it was the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import torch

from ._progress import new_progress
from ._torch import seeded_torch


@dataclass
class History:
    """What a run recorded: one value per round for each loss, and the rounds' seconds."""

    losses: dict[str, list[float]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    out_of_time: bool = False  # stopped because the next round would overrun `Trainer.seconds`

    @property
    def rounds(self) -> int:
        return len(self.seconds)

    def add(self, losses: dict[str, float], seconds: float, cpu_seconds: float) -> None:
        for key, value in losses.items():
            self.losses.setdefault(key, []).append(float(value))
        self.seconds.append(seconds)
        self.cpu_seconds.append(cpu_seconds)


@dataclass
class Trainer:
    """Runs rounds of training for `name` (see the module docstring)."""

    name: str
    rounds: int
    verbose: bool = True
    seed: int | None = None  # PyTorch's seed (None: leave PyTorch's random state alone)
    threads: int | None = None
    autocast: tuple[str, torch.dtype] | None = None  # (device type, dtype) of mixed precision
    stops_early: bool = False
    loss_format: str = "{:+.3f}"
    seconds: float | None = None  # wall-clock seconds the rounds may take (None: no limit)

    def run(
        self,
        round_: Callable[[int], dict[str, float] | None],
        stop: Callable[[], bool] = lambda: False,
        setup: Callable[[], int | None] | None = None,
    ) -> History:
        """Call `round_(k)` for k = 0, 1, ... until the planned rounds are done, it returns
        None, or `stop()` is true after a round; `setup()` runs first, inside the same seeded
        PyTorch state (building the networks), and may return the planned rounds (a DP-SGD
        plan known only once the networks are built)."""
        history = History()
        begun = time.perf_counter()  # the time budget counts setup too
        with ExitStack() as stack:
            if self.seed is not None:
                stack.enter_context(seeded_torch(self.seed, self.threads))
            if self.autocast is not None:
                device, dtype = self.autocast
                # no weight cache: it lives until the context exits and would freeze weights
                stack.enter_context(torch.autocast(device, dtype=dtype, cache_enabled=False))
            planned = setup() if setup is not None else None
            if planned is not None:
                self.rounds = planned
            self._rounds(round_, stop, history, begun)
        return history

    def run_each(self, rounds: Iterator[dict[str, float]]) -> History:
        """`run` over the rounds an iterator yields (a model's generator of epochs, which
        then runs to its end: what it does after its last epoch, such as loading averaged
        weights, happens too)."""
        history = self.run(lambda _: next(rounds, None))
        if not history.out_of_time and next(rounds, None) is not None:
            raise RuntimeError(f"{self.name}: training yielded more than {self.rounds} rounds")
        return history

    def _rounds(
        self,
        round_: Callable[[int], dict[str, float] | None],
        stop: Callable[[], bool],
        history: History,
        begun: float,
    ) -> None:
        at_most = self.stops_early or self.seconds is not None
        with new_progress(self.verbose) as progress:
            task = progress.add_task(
                f"training {self.name}", total=self.rounds, info="", at_most=at_most
            )
            for k in range(self.rounds):
                started, cpu = time.perf_counter(), time.process_time()
                losses = round_(k)
                if losses is None:
                    progress.update(task, total=k)
                    break
                history.add(losses, time.perf_counter() - started, time.process_time() - cpu)
                info = "  ".join(f"{key} {self.loss_format.format(v)}" for key, v in losses.items())
                progress.update(task, advance=1, info=info)
                if stop() or (k + 1 < self.rounds and self._out_of_time(begun, history)):
                    progress.update(task, total=k + 1)
                    break

    def _out_of_time(self, begun: float, history: History) -> bool:
        """Whether a round as slow as the slowest so far would end past `seconds`."""
        if self.seconds is None:
            return False
        history.out_of_time = time.perf_counter() - begun + max(history.seconds) > self.seconds
        return history.out_of_time
