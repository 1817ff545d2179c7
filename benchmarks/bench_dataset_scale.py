"""Sampling a dataset at scale (issue 28): seconds and peak memory of `simulacra sample
MODEL --scale S -o FOLDER` as the child table grows to 10 million rows.

A generated shop (`CUSTOMERS` customers with an age and a segment; each with a Poisson
number of purchases, 20 on average, with a day, an amount and a channel that follow the
customer) is learned once as a dataset (children as rows, `--epochs 20`); then the command
samples it at growing scales into Parquet, each run in its own process, whose peak resident
memory (the command forked from a small launcher, `common.run_measured`) is reported beside
the rows written.
Customers, a table with children, are drawn whole; purchases stream to their file 10,000
customers at a time, so memory should grow with the customers, not with the purchases.

    .venv/bin/python benchmarks/bench_dataset_scale.py [--scales 10,50,250]
Writes results/dataset_scale/dataset_scale.json and .md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from common import run_measured, table, write_results

CUSTOMERS = 2_000
SCALES = (10, 50, 250)  # about 0.4, 2 and 10 million purchases
SIMULACRA = str(Path(sys.executable).with_name("simulacra"))


def shop(customers: int = CUSTOMERS, seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    people = pd.DataFrame(
        {
            "customer_id": np.arange(1, customers + 1),
            "age": rng.integers(18, 80, customers),
            "segment": rng.choice(["retail", "business"], customers, p=[0.7, 0.3]),
        }
    )
    per = rng.poisson(np.where(people["segment"] == "business", 40, 12))
    owner = np.repeat(np.arange(customers), per)
    business = people["segment"].to_numpy()[owner] == "business"
    purchases = pd.DataFrame(
        {
            "customer_id": people["customer_id"].to_numpy()[owner],
            "day": rng.integers(0, 365, per.sum()),
            "amount": np.round(rng.gamma(2.0, np.where(business, 200.0, 30.0)), 2),
            "channel": np.where(
                rng.random(per.sum()) < np.where(business, 0.8, 0.3), "online", "store"
            ),
        }
    )
    return {"customers": people, "purchases": purchases}


def one(scale: float, work: Path) -> dict[str, Any]:
    out = work / f"out_{scale:g}"
    seconds, peak, _ = run_measured([SIMULACRA, "sample", str(work / "shop.simulacra"), "--scale",
                         str(scale), "-o", str(out), "--seed", "0"])  # fmt: skip
    rows = {p.stem: pq.ParquetFile(p).metadata.num_rows for p in out.glob("*.parquet")}
    return {"scale": scale, "seconds": seconds, "peak_mib": peak, "rows": rows}


def markdown(data: dict[str, Any]) -> str:
    body = [
        [f"{r['scale']:g}", f"{r['rows']['customers']:,}", f"{r['rows']['purchases']:,}",
         f"{r['seconds']:.1f}", f"{r['rows']['purchases'] / r['seconds']:,.0f}",
         f"{r['peak_mib']:,.0f}"]
        for r in data["runs"]
    ]  # fmt: skip
    return "\n".join([
        "# Sampling a dataset at scale",
        "",
        f"A generated shop of {data['customers']:,} customers and {data['purchases']:,} "
        f"purchases, learned once (children as rows, {data['epochs']} epochs, fit "
        f"{data['fit_seconds']:.0f} s), sampled by `simulacra sample --scale S` into Parquet, "
        "one process per scale, one thread.",
        "",
        table(["scale", "customers", "purchases", "seconds", "purchases/s", "peak MiB"], body),
        "",
        "Customers (a table with children) are drawn whole; purchases stream to their file "
        "10,000 customers at a time.",
    ]) + "\n"  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(map(str, SCALES)))
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = "1"
    data: dict[str, Any] = {"customers": CUSTOMERS, "epochs": args.epochs, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = work / "shop"
        folder.mkdir()
        for name, frame in shop().items():
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        data["purchases"] = len(pd.read_parquet(folder / "purchases.parquet"))
        started = time.perf_counter()
        subprocess.run([SIMULACRA, "fit", str(folder), "--epochs", str(args.epochs), "-o",
                        str(work / "shop.simulacra")], check=True)  # fmt: skip
        data["fit_seconds"] = time.perf_counter() - started
        for scale in (float(s) for s in args.scales.split(",")):
            # each scale in a fresh interpreter
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(scale), str(work)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            data["runs"].append(read_json(done.stdout))
            print(data["runs"][-1], file=sys.stderr, flush=True)
    write_results("dataset_scale", data, markdown(data))


def read_json(text: str) -> dict[str, Any]:
    import json

    return json.loads(text.strip().splitlines()[-1])


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        import json

        print(json.dumps(one(float(sys.argv[2]), Path(sys.argv[3]))))
    else:
        main()
