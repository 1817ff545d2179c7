"""Fit and sample SDV's PARSynthesizer (sequences) in its own interpreter, for bench_sequences.

Runs inside the separate SDV virtualenv named by SDV_PYTHON (never imported by simulacra; see
`sdv_runner.sdv_available`):

    $SDV_PYTHON benchmarks/sdv_par.py --data events.parquet --key id --index day \
        --context futime,status --sequences 250 --epochs 128 --out par.parquet

`--context`: columns constant within each entity, given to PAR as its context columns (PAR
then models them once per sequence). Prints one JSON line: {"fit_s", "sample_s", "version",
"epochs"}.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("--context", default="")
    parser.add_argument("--sequences", type=int, required=True)
    parser.add_argument("--epochs", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import numpy as np
    import pandas as pd
    import sdv
    import torch
    from sdv.metadata import Metadata
    from sdv.sequential import PARSynthesizer

    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)  # noqa: NPY002 (SDV draws from the global numpy generator)
    frame = pd.read_parquet(args.data)
    metadata = Metadata.detect_from_dataframes({"events": frame})
    metadata.update_column(args.key, sdtype="id", table_name="events")
    metadata.set_sequence_key(args.key, table_name="events")
    if pd.api.types.is_numeric_dtype(frame[args.index]):  # a few years read as categories
        metadata.update_column(args.index, sdtype="numerical", table_name="events")
    metadata.set_sequence_index(args.index, table_name="events")
    context = [c for c in args.context.split(",") if c]
    synthesizer = PARSynthesizer(
        metadata, context_columns=context, epochs=args.epochs, cuda=False, verbose=False
    )
    started = time.perf_counter()
    synthesizer.fit({"events": frame})  # SDV 2 takes {table name: frame}
    fitted = time.perf_counter()
    sample = synthesizer.sample_sequences(args.sequences)
    if isinstance(sample, dict):
        sample = sample["events"]
    sampled = time.perf_counter()
    sample.to_parquet(args.out, index=False)
    result = {
        "fit_s": round(fitted - started, 1),
        "sample_s": round(sampled - fitted, 1),
        "version": sdv.__version__,
        "epochs": args.epochs,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
