"""Peer generators (SDV, mostlyai-engine) run in their own interpreters for `run_benchmark`.

A peer never loads in simulacra's process (their pins clash with ours): the interpreter named by
an environment variable runs a small script from `peers/` by path, which reads the training rows
as CSV and writes the synthetic rows as CSV; simulacra then evaluates them like any model's.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError

# model name in --models -> (environment variable, script in peers/, the peer's model name)
PEERS: dict[str, tuple[str, str, str]] = {
    "sdv-gaussiancopula": ("SDV_PYTHON", "run_sdv.py", "gaussiancopula"),
    "sdv-ctgan": ("SDV_PYTHON", "run_sdv.py", "ctgan"),
    "sdv-tvae": ("SDV_PYTHON", "run_sdv.py", "tvae"),
    "mostlyai-tabularargn": ("MOSTLYAI_PYTHON", "run_mostlyai.py", "tabularargn"),
}
_MODULES = {"SDV_PYTHON": "sdv", "MOSTLYAI_PYTHON": "mostlyai.engine"}
_SCRIPTS = Path(__file__).parent / "peers"


def peer_python(name: str) -> tuple[str | None, str]:
    """The interpreter that runs peer `name`, or None and why it cannot run."""
    variable = PEERS[name][0]
    python = os.environ.get(variable)
    if not python:
        return None, f"{variable} is not set (the path of a Python that has {_MODULES[variable]})"
    if not _imports(python, _MODULES[variable]):
        return None, f"{variable}={python} cannot import {_MODULES[variable]}"
    return python, ""


@functools.lru_cache(maxsize=8)
def _imports(python: str, module: str) -> bool:
    try:
        probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def run_peer(
    name: str, params: dict[str, Any], train: pd.DataFrame, rows: int, seed: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Fit peer `name` on `train` and sample `rows` rows in its interpreter; returns the rows,
    with the training table's datetime columns parsed back, and the peer's timings."""
    python, reason = peer_python(name)
    if python is None:
        raise DataError(f"peer {name} cannot run: {reason}")
    _, script, model = PEERS[name]
    with tempfile.TemporaryDirectory(prefix="simulacra-peer-") as folder:
        data, out = Path(folder) / "train.csv", Path(folder) / "synthetic.csv"
        train.to_csv(data, index=False)
        args = [python, str(_SCRIPTS / script), model, str(data), str(rows), str(out), str(seed)]
        done = subprocess.run([*args, json.dumps(params)], capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise DataError(f"peer {name} failed: {last}")
        synthetic = pd.read_csv(out)
    for column in train.columns:
        if pd.api.types.is_datetime64_any_dtype(train[column]) and column in synthetic:
            synthetic[column] = pd.to_datetime(synthetic[column], errors="coerce")
    return synthetic, json.loads(done.stdout.strip().splitlines()[-1])
