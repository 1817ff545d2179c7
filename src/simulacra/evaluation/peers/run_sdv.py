"""Fit one SDV 2 synthesizer on a CSV and write a CSV of synthetic rows: run by path with an
interpreter that has SDV (SDV_PYTHON), never imported by simulacra.

    $SDV_PYTHON run_sdv.py MODEL TRAIN.csv ROWS OUT.csv SEED '{"epochs": 5}'

MODEL: gaussiancopula, ctgan or tvae. Prints one JSON line: fit_s, sample_s, version.
"""

import json
import sys
import time
import warnings


def main() -> None:
    model, data, rows, out, seed, params = sys.argv[1:7]
    import numpy as np
    import pandas as pd
    import sdv
    import torch
    from sdv.metadata import Metadata
    from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer

    warnings.simplefilter("ignore")
    np.random.seed(int(seed))  # noqa: NPY002 (SDV draws from the global generator)
    torch.manual_seed(int(seed))
    frame = pd.read_csv(data)
    metadata = Metadata.detect_from_dataframes({"table": frame})
    classes = {
        "gaussiancopula": GaussianCopulaSynthesizer,
        "ctgan": CTGANSynthesizer,
        "tvae": TVAESynthesizer,
    }
    synthesizer = classes[model](metadata, **json.loads(params))
    started = time.perf_counter()
    synthesizer.fit({"table": frame})
    fitted = time.perf_counter()
    sample = synthesizer.sample(int(rows))
    if isinstance(sample, dict):  # SDV 2.0 returns {table name: frame}
        sample = sample["table"]
    sample.to_csv(out, index=False)
    sampled = time.perf_counter()
    print(json.dumps({"fit_s": fitted - started, "sample_s": sampled - fitted,
                      "version": sdv.__version__}))  # fmt: skip


if __name__ == "__main__":
    main()
