"""The Dask client a command runs on: an existing scheduler, or a LocalCluster of its own."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..errors import ClusterError

if TYPE_CHECKING:
    from dask.distributed import Client


def machine_workers() -> int:
    """Worker processes for a LocalCluster sized to this machine: one per usable core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    memory_limit: str | int | None = None,
    processes: bool = True,
    announce: Callable[[str], object] | None = None,
) -> Iterator[Client]:
    """A client on `scheduler` (e.g. "tcp://host:8786"), or, without one, on a LocalCluster
    of `workers` single-threaded workers (default: one per core) that starts and stops with
    the block. `announce` receives one line naming the dashboard."""
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            if announce is not None:
                announce(f"dask scheduler {scheduler}; dashboard {client.dashboard_link}")
            yield client
        return
    count = workers if workers is not None else machine_workers()
    try:
        cluster = LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=processes,
            memory_limit=memory_limit if memory_limit is not None else "auto",
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    except (RuntimeError, OSError, TimeoutError) as exc:  # e.g. "Nanny failed to start."
        raise ClusterError(
            f"a local Dask cluster of {count} workers could not start ({exc}); start one "
            "and give --scheduler, or use --engine local"
        ) from exc
    with cluster, Client(cluster) as client:
        if announce is not None:
            announce(f"dask LocalCluster of {count} workers; dashboard {client.dashboard_link}")
        yield client
