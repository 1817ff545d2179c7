"""Fit and sample MOSTLY AI's TabularARGN (mostlyai-engine) in its own interpreter, for benchmarks.

mostlyai-engine is never a dependency of simulacra: it lives in a separate virtual environment
named by the MOSTLYAI_PYTHON environment variable, and bench_realism.py runs this script there:

    $MOSTLYAI_PYTHON benchmarks/mostlyai_runner.py --data train.parquet --rows 43152 \
        --out synth.parquet [--seed 0] [--threads 1] [--max-training-time 2] [--max-epochs 3] \
        [--key id --context sex,age]

With --key (and --context), the events table is learned as sequences, the way the engine's
users do it: the columns named in --context (constant within every entity) form a context
table, one row per entity, learned by a flat TabularARGN; the events by a sequential
TabularARGN given that context (`tgt_context_key`). Sampling draws --rows new context rows,
then one sequence for each; the output is the events with their context columns joined back.

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
    parser.add_argument("--key", help="sequence key: learn the events as sequences per key")
    parser.add_argument("--context", default="", help="with --key: the entity-level columns")
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
    if args.key:
        synthetic, started, fitted, sampled = sequences(TabularARGN, params, train, args)
    else:
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


def sequences(engine, params: dict, train, args: argparse.Namespace):
    """(events, started, fitted, sampled) of a context model and a sequential model given
    the context, `args.rows` new entities, their keys numbered from 0."""
    import pandas as pd

    key = args.key
    context_columns = [c for c in args.context.split(",") if c]
    context = train.groupby(key, sort=False)[context_columns].first().reset_index()
    events = train.drop(columns=context_columns)
    started = time.perf_counter()
    flat = engine(**params) if context_columns else None
    if flat is not None:
        flat.fit(context.drop(columns=[key]))
    sequential = engine(**params, tgt_context_key=key, ctx_data=context, ctx_primary_key=key)
    sequential.fit(events)
    fitted = time.perf_counter()
    if flat is not None:
        new = flat.sample(n_samples=args.rows).reset_index(drop=True)
    else:
        new = pd.DataFrame(index=range(args.rows))
    new.insert(0, key, range(args.rows))
    sampled_events = sequential.sample(ctx_data=new)
    synthetic = sampled_events.merge(new, on=key, how="left")[list(train.columns)]
    sampled = time.perf_counter()
    for model in (flat, sequential):
        if model is not None:
            model.close()
    return synthetic, started, fitted, sampled


if __name__ == "__main__":
    main()
