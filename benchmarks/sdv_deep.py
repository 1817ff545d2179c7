"""Run SDV's CTGANSynthesizer or TVAESynthesizer on a Parquet table and time it (comparison only).

Runs inside the separate SDV virtualenv (never imported by simulacra), called by bench_deep.py:
    $SDV_PYTHON benchmarks/sdv_deep.py --synth ctgan --data real.parquet \
        --epochs 10 --batch-size 500 --threads 1 --rows 100000 --out synth.parquet --json t.json
Epochs are timed one by one (wall and process CPU seconds, medians reported) by standing in for
the tqdm iterator SDV's models loop over; the data transformer is timed apart.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import pandas as pd
import torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synth", choices=["ctgan", "tvae"], required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    import warnings

    import ctgan.synthesizers.ctgan as ctgan_module
    import ctgan.synthesizers.tvae as tvae_module
    from sdv.metadata import Metadata
    from sdv.single_table import CTGANSynthesizer, TVAESynthesizer

    warnings.simplefilter("ignore")
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    spent = {"transformer": 0.0}
    base = ctgan_module.DataTransformer

    class TimedTransformer(base):  # type: ignore[misc, valid-type]
        def fit(self, *a, **k):  # noqa: ANN002, ANN003, ANN202
            started = time.perf_counter()
            out = super().fit(*a, **k)
            spent["transformer"] += time.perf_counter() - started
            return out

        def transform(self, *a, **k):  # noqa: ANN002, ANN003, ANN202
            started = time.perf_counter()
            out = super().transform(*a, **k)
            spent["transformer"] += time.perf_counter() - started
            return out

    ctgan_module.DataTransformer = TimedTransformer
    tvae_module.DataTransformer = TimedTransformer
    epochs: list[tuple[float, float]] = []

    class TimedEpochs(list):  # type: ignore[type-arg]
        """Stands in for tqdm over the epochs: records wall and CPU seconds of each epoch."""

        def __iter__(self):  # noqa: ANN204
            for item in super().__iter__():
                wall, cpu = time.perf_counter(), time.process_time()
                yield item
                epochs.append((time.perf_counter() - wall, time.process_time() - cpu))

        def set_description(self, *a, **k) -> None:  # noqa: ANN002, ANN003
            return None

    ctgan_module.tqdm = lambda it, **k: TimedEpochs(it)
    tvae_module.tqdm = lambda it, **k: TimedEpochs(it)

    real = pd.read_parquet(args.data)
    metadata = Metadata.detect_from_dataframes({"table": real})
    cls = CTGANSynthesizer if args.synth == "ctgan" else TVAESynthesizer
    synth = cls(metadata, epochs=args.epochs, batch_size=args.batch_size, enable_gpu=False)
    started = time.perf_counter()
    processed = synth.preprocess({"table": real})
    preprocess = time.perf_counter() - started
    started = time.perf_counter()
    synth.fit_processed_data(processed)
    model = time.perf_counter() - started
    started = time.perf_counter()
    synthetic = synth.sample(args.rows)
    if isinstance(synthetic, dict):  # SDV 2 returns {table name: frame}
        synthetic = synthetic["table"]
    sample = time.perf_counter() - started
    synthetic.to_parquet(args.out)
    result = {
        "threads": torch.get_num_threads(),
        "fit_seconds": preprocess + model,
        "transformer_seconds": preprocess + spent["transformer"],
        "seconds_per_epoch": statistics.median(e[0] for e in epochs),
        "cpu_seconds_per_epoch": statistics.median(e[1] for e in epochs),
        "epoch_seconds": [e[0] for e in epochs],
        "sample_seconds": sample,
    }
    with open(args.json, "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main()
