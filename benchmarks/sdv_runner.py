"""Fit and sample SDV's GaussianCopulaSynthesizer in its own interpreter, for benchmarks.

SDV needs pandas < 3 while simulacra runs on pandas 3, so the comparison runs SDV in a separate
virtual environment named by the SDV_PYTHON environment variable (see `sdv_available`). This file
only imports SDV when run as a script; SDV is never a dependency of simulacra.

    $SDV_PYTHON benchmarks/sdv_runner.py --synth gaussiancopula --data real.parquet \
        --rows 53940 --out sdv.parquet

(CTGAN and TVAE, timed epoch by epoch, run through sdv_deep.py.)

prints one JSON line: {"fit_s": ..., "sample_s": ..., "version": ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path


def sdv_available() -> str | None:
    """The SDV interpreter from SDV_PYTHON if it can import sdv, else None."""
    python = os.environ.get("SDV_PYTHON")
    if not python:
        return None
    probe = subprocess.run([python, "-c", "import sdv"], capture_output=True)
    return python if probe.returncode == 0 else None


def run_sdv(python: str, synth: str, data: Path, rows: int, out: Path, **params: int) -> dict:
    """Run this script under `python` and return its JSON result."""
    args = [
        python,
        __file__,
        "--synth",
        synth,
        "--data",
        str(data),
        "--rows",
        str(rows),
        "--out",
        str(out),
    ]
    for key, value in params.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _main() -> None:
    import pandas as pd
    import sdv
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    parser = argparse.ArgumentParser()
    parser.add_argument("--synth", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.synth != "gaussiancopula":
        parser.error("only gaussiancopula here; CTGAN and TVAE run through sdv_deep.py")
    frame = pd.read_parquet(args.data)
    warnings.simplefilter("ignore")
    metadata = Metadata.detect_from_dataframes({"table": frame})
    synthesizer = GaussianCopulaSynthesizer(metadata)
    started = time.perf_counter()
    synthesizer.fit({"table": frame})
    fitted = time.perf_counter()
    sample = synthesizer.sample(args.rows)
    if isinstance(sample, dict):  # SDV 2 returns {table name: frame}
        sample = sample["table"]
    sampled = time.perf_counter()
    sample.to_parquet(args.out, index=False)
    result = {"fit_s": fitted - started, "sample_s": sampled - fitted, "version": sdv.__version__}
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(_main())
