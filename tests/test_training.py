"""The one training loop (`simulacra.training.Trainer`): it stops where it should, records every
round, runs a generator of epochs to its end, and leaves PyTorch's random state as it found it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from simulacra.training import Trainer


def test_rounds_stop_at_the_plan_at_none_and_when_told() -> None:
    seen: list[int] = []

    def round_(k: int) -> dict[str, float] | None:
        seen.append(k)
        return {"loss": float(k)} if k < 4 else None

    history = Trainer("m", rounds=10, verbose=False).run(round_)
    assert seen == [0, 1, 2, 3, 4] and history.rounds == 4
    assert history.losses == {"loss": [0.0, 1.0, 2.0, 3.0]}
    assert len(history.seconds) == len(history.cpu_seconds) == 4

    stopped = Trainer("m", rounds=10, verbose=False).run(
        lambda k: {"loss": 1.0}, stop=lambda: len(seen) > 6 or bool(seen.append(0))
    )
    assert 1 <= stopped.rounds < 10
    assert Trainer("m", rounds=3, verbose=False).run(lambda k: {"a": 1.0}).rounds == 3


def test_rounds_stop_before_the_one_that_would_overrun_the_time_budget() -> None:
    import time

    def slow(k: int) -> dict[str, float]:
        time.sleep(0.05)
        return {"loss": float(k)}

    began = time.perf_counter()
    history = Trainer("m", rounds=100, verbose=False, seconds=0.3).run(slow)
    assert history.out_of_time and 2 <= history.rounds <= 6
    assert time.perf_counter() - began <= 0.3 + 0.25  # a round of slack on a busy machine
    once = Trainer("m", rounds=5, verbose=False, seconds=0.01).run(slow)
    assert once.rounds == 1 and once.out_of_time  # the first round always runs
    done = Trainer("m", rounds=3, verbose=False, seconds=60).run(slow)
    assert done.rounds == 3 and not done.out_of_time


def test_setup_may_set_the_planned_rounds() -> None:
    history = Trainer("m", rounds=0, verbose=False).run(lambda k: {"a": 1.0}, setup=lambda: 5)
    assert history.rounds == 5


def test_a_generator_of_epochs_runs_to_its_end() -> None:
    after: list[str] = []

    def epochs() -> Iterator[dict[str, float]]:
        for k in range(3):
            yield {"loss": float(k)}
        after.append("averaged weights loaded")

    history = Trainer("m", rounds=3, verbose=False).run_each(epochs())
    assert history.rounds == 3 and after == ["averaged weights loaded"]
    with pytest.raises(RuntimeError, match="more than 2 rounds"):
        Trainer("m", rounds=2, verbose=False).run_each(epochs())


def test_seeded_rounds_repeat_and_restore_torchs_state() -> None:
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    draws = [
        Trainer("m", rounds=2, verbose=False, seed=7)
        .run(lambda k: {"x": float(torch.rand(1))})
        .losses["x"]
        for _ in range(2)
    ]
    assert draws[0] == draws[1]
    assert torch.equal(torch.rand(1), before)  # the caller's stream is where it was
