"""Fit and sample SDV's HMASynthesizer (multi-table) in its own interpreter, for
bench_multitable.

Runs inside the separate SDV virtualenv named by SDV_PYTHON (never imported by simulacra):

    $SDV_PYTHON benchmarks/sdv_hma.py --folder train/ --parent players --child fielding \
        --key playerID --out hma/

`--folder` holds `<table>.parquet` per table; the child's `--key` column names the parent's
primary key of the same name. Writes `<out>/<table>.parquet` and prints one JSON line:
{"fit_s", "sample_s", "version"}.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", required=True)
    parser.add_argument("--parent", required=True)
    parser.add_argument("--child", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import numpy as np
    import pandas as pd
    import sdv
    from sdv.metadata import Metadata
    from sdv.multi_table import HMASynthesizer

    warnings.simplefilter("ignore")
    np.random.seed(args.seed)  # noqa: NPY002 (SDV draws from the global numpy generator)
    folder = Path(args.folder)
    tables = {
        name: pd.read_parquet(folder / f"{name}.parquet") for name in (args.parent, args.child)
    }
    metadata = Metadata.detect_from_dataframes(tables)
    for name in tables:
        metadata.update_column(args.key, sdtype="id", table_name=name)
    metadata.set_primary_key(args.key, table_name=args.parent)
    metadata.remove_primary_key(table_name=args.child) if metadata.tables[
        args.child
    ].primary_key else None
    relations = [(r["parent_table_name"], r["child_table_name"]) for r in metadata.relationships]
    if (args.parent, args.child) not in relations:
        metadata.add_relationship(
            parent_table_name=args.parent,
            child_table_name=args.child,
            parent_primary_key=args.key,
            child_foreign_key=args.key,
        )
    synthesizer = HMASynthesizer(metadata, verbose=False)
    started = time.perf_counter()
    synthesizer.fit(tables)
    fitted = time.perf_counter()
    # SDV 2: as many rows of the parent table as it has, its children as HMA draws them
    sample = synthesizer.sample(num_rows=len(tables[args.parent]), main_table_name=args.parent)
    sampled = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in sample.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    result = {
        "fit_s": round(fitted - started, 1),
        "sample_s": round(sampled - fitted, 1),
        "version": sdv.__version__,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
