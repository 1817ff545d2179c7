"""Run small models on one thread.

The models and distance computations of an evaluation are small. With several BLAS/OpenMP
threads on a machine with few, busy cores, the threads mostly spin waiting for each other:
on 2 shared cores a 20,000-row logistic regression took 30 s of CPU with 2 threads and 0.35 s
with one. Every function that fits models runs under `one_thread()`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from threadpoolctl import threadpool_limits

P = ParamSpec("P")
R = TypeVar("R")


def one_thread(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate `function` so BLAS and OpenMP pools use a single thread while it runs."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with threadpool_limits(limits=1):
            return function(*args, **kwargs)

    return wrapper
