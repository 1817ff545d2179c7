"""Fit and sample MOSTLY AI's TabularARGN (mostlyai-engine) in its own interpreter, for benchmarks.

mostlyai-engine is never a dependency of simulacra: it lives in a separate virtual environment
named by the MOSTLYAI_PYTHON environment variable, and bench_realism.py runs this script there:

    $MOSTLYAI_PYTHON benchmarks/mostlyai_runner.py --data train.parquet --rows 43152 \
        --out synth.parquet [--seed 0] [--threads 1] [--max-training-time 2] [--max-epochs 3]

The model runs at its defaults (MOSTLY_AI/Medium, at most 100 epochs with early stopping on the
engine's own validation split, value protection on) unless --max-training-time (minutes; the
engine keeps its best checkpoint when the time is up) or --max-epochs cap the training.
Prints one JSON line: {"fit_s": ..., "sample_s": ..., "version": ..., "threads": ...}.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="training table (Parquet)")
    parser.add_argument("--rows", type=int, required=True, help="synthetic rows to sample")
    parser.add_argument("--out", required=True, help="synthetic table to write (Parquet)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="PyTorch CPU threads")
    parser.add_argument("--max-epochs", type=float, help="cap on epochs (default: the engine's)")
    parser.add_argument("--max-training-time", type=float, help="cap in minutes (default: 14400)")
    args = parser.parse_args()

    import pandas as pd
    import torch
    from mostlyai.engine import TabularARGN, __version__

    warnings.simplefilter("ignore")
    torch.set_num_threads(args.threads)
    train = pd.read_parquet(args.data)
    params: dict = {"random_state": args.seed, "device": "cpu", "verbose": 0}
    if args.max_epochs is not None:
        params["max_epochs"] = args.max_epochs
    if args.max_training_time is not None:
        params["max_training_time"] = args.max_training_time
    with TabularARGN(**params) as model:
        started = time.perf_counter()
        model.fit(train)
        fitted = time.perf_counter()
        synthetic = model.sample(n_samples=args.rows)
        sampled = time.perf_counter()
    synthetic.to_parquet(args.out, index=False)
    result = {
        "fit_s": fitted - started,
        "sample_s": sampled - fitted,
        "version": __version__,
        "threads": torch.get_num_threads(),
        "params": {k: v for k, v in params.items() if k.startswith("max_")},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
