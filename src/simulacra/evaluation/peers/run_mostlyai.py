"""Fit MOSTLY AI's TabularARGN (mostlyai-engine) on a CSV and write a CSV of synthetic rows:
run by path with an interpreter that has mostlyai-engine (MOSTLYAI_PYTHON), never imported by
simulacra.

    $MOSTLYAI_PYTHON run_mostlyai.py tabularargn TRAIN.csv ROWS OUT.csv SEED '{"max_epochs": 3}'

Prints one JSON line: fit_s, sample_s, version.
"""

import json
import sys
import time
import warnings


def main() -> None:
    _, data, rows, out, seed, params = sys.argv[1:7]
    import pandas as pd
    import torch
    from mostlyai.engine import TabularARGN, __version__

    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    frame = pd.read_csv(data)
    settings = {"random_state": int(seed), "device": "cpu", "verbose": 0, **json.loads(params)}
    with TabularARGN(**settings) as model:
        started = time.perf_counter()
        model.fit(frame)
        fitted = time.perf_counter()
        model.sample(n_samples=int(rows)).to_csv(out, index=False)
        sampled = time.perf_counter()
    print(json.dumps({"fit_s": fitted - started, "sample_s": sampled - fitted,
                      "version": __version__}))  # fmt: skip


if __name__ == "__main__":
    main()
