"""Where the autoregressive model's sampling time goes, against what one core can do (issue 26).

For each table (bench_realism's split), the default autoregressive model is fitted within
`--budget` seconds (the network's size does not depend on the budget) and samples `--rows`
rows on one thread: once timed, once under PyTorch's profiler for the seconds of the
network's matrix products (`aten::addmm`, `aten::mm`) against all operations' seconds, and once
more for their multiply-adds (the profiler's flop count, which slows the other operations).
Beside them, the same product shape alone (`PEAK_SHAPE`, bfloat16, one thread): about the most
multiply-adds per second this core gives. With TabularARGN's rows/s from the last speed run
(results/speed/speed.json, same machine), the rows/s a target of 10x would need, and the
multiply-adds per second those rows would take at the network's multiply-adds per row.

    .venv/bin/python benchmarks/bench_sampling_profile.py [--tables diamonds,wa_churn]
Writes results/sampling_profile/sampling_profile.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import simulacra
from bench_realism import load
from common import table, write_results

TABLES = ["diamonds", "wa_churn"]
PEAK_SHAPE = (8192, 512, 256)  # rows x inputs x outputs: the trunk's widest product
PRODUCTS = ("aten::addmm", "aten::mm")
SPEED = Path(__file__).parent / "results" / "speed" / "speed.json"
TARGET = 10.0


def peak_gmacs() -> float:
    """Multiply-adds per second (billions) of one bfloat16 product of PEAK_SHAPE."""
    import torch

    rows, inputs, outputs = PEAK_SHAPE
    a = torch.randn(rows, inputs, dtype=torch.bfloat16)
    w = torch.randn(inputs, outputs, dtype=torch.bfloat16)
    b = torch.randn(outputs, dtype=torch.bfloat16)
    for _ in range(5):
        torch.addmm(b, a, w)
    repeats = 50
    started = time.perf_counter()
    for _ in range(repeats):
        torch.addmm(b, a, w)
    seconds = (time.perf_counter() - started) / repeats
    return rows * inputs * outputs / seconds / 1e9


def peer_rows_per_second() -> dict[str, float]:
    """TabularARGN's sampling rows/s per table from the last speed run (empty without one)."""
    if not SPEED.exists():
        return {}
    rows = json.loads(SPEED.read_text()).get("rows", [])
    return {
        r["table"]: r["rows_per_second"]
        for r in rows
        if r.get("model") == "mostlyai_tabularargn" and "rows_per_second" in r
    }


def profile_table(name: str, rows: int, budget: float) -> dict[str, Any]:
    from torch.profiler import ProfilerActivity, profile

    train, _, _ = load(name, quick=False)
    model = simulacra.Synthesizer("autoregressive", seed=0, verbose=False, time_budget=budget)
    model.fit(train)
    model.sample(1_000, seed=1)  # first-call costs out of the timing
    started = time.perf_counter()
    model.sample(rows, seed=1)
    seconds = time.perf_counter() - started
    with profile(activities=[ProfilerActivity.CPU]) as timing:
        model.sample(rows, seed=1)
    events = timing.key_averages()
    total = sum(e.self_cpu_time_total for e in events) / 1e6
    product_seconds = sum(e.self_cpu_time_total for e in events if e.key in PRODUCTS) / 1e6
    # counting flops records every call's shapes, which slows the other operations several
    # times over (index_select 0.17 -> 0.80 s on wa_churn): a run of its own
    with profile(activities=[ProfilerActivity.CPU], with_flops=True) as counting:
        model.sample(rows, seed=1)
    products = [e for e in counting.key_averages() if e.key in PRODUCTS]
    macs = sum(e.flops for e in products) / 2  # the profiler counts 2 flops per multiply-add
    return {
        "table": name,
        "columns": train.shape[1],
        "hidden_dims": list(model._setting("hidden_dims")),
        "rows": rows,
        "rows_per_second": rows / seconds,
        "profiled_seconds": total,
        "product_seconds": product_seconds,
        "product_share": product_seconds / total,
        "macs_per_row": macs / rows,
        "product_gmacs": macs / product_seconds / 1e9,
    }


def markdown(data: dict[str, Any]) -> str:
    peak = data["peak_gmacs"]
    lines = [
        "# Autoregressive sampling: where the time goes",
        "",
        f"One thread; the default network fitted within {data['budget']:.0f} s, sampling "
        f"{data['rows']:,} rows. Matrix products: the network's `addmm`/`mm` calls under "
        "PyTorch's profiler (multiply-adds counted by it). One core's bfloat16 product of "
        f"{' x '.join(map(str, PEAK_SHAPE))} alone: **{peak:.0f} billion multiply-adds/s**.",
        "",
    ]
    body = []
    for r in data["tables"]:
        need = r.get("rows_needed")
        body.append([
            r["table"], str(r["columns"]), "x".join(map(str, r["hidden_dims"])),
            f"{r['rows_per_second']:,.0f}", f"{r['product_share']:.0%}",
            f"{r['macs_per_row'] / 1e6:.2f}", f"{r['product_gmacs']:.0f}",
            "-" if need is None else f"{r['peer_rows_per_second']:,.0f}",
            "-" if need is None else f"{need:,.0f}",
            "-" if need is None else f"{r['gmacs_needed']:.0f} ({r['gmacs_needed'] / peak:.1f}x)",
        ])  # fmt: skip
    headers = [
        "table", "columns", "network", "rows/s", "time in matrix products",
        "multiply-adds per row (M)", "their rate (G/s)", "TabularARGN rows/s (speed run)",
        f"rows/s for {TARGET:g}x", "G multiply-adds/s that needs (x the peak)",
    ]  # fmt: skip
    lines.append(table(headers, body))
    lines += [
        "",
        "The matrix products alone bound what any change outside them can give: at most "
        "1 / (their share) times the rows/s. A target of 10x TabularARGN's rows/s with this "
        "network needs the multiply-adds per second in the last column; above 1x the peak it "
        "needs fewer multiply-adds per row (a smaller network) or other hardware.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per fit")
    args = parser.parse_args()
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = "1"
    import torch

    torch.set_num_threads(1)
    peers = peer_rows_per_second()
    data: dict[str, Any] = {"rows": args.rows, "budget": args.budget, "peak_gmacs": peak_gmacs()}
    data["tables"] = []
    for name in args.tables.split(","):
        row = profile_table(name, args.rows, args.budget)
        if name in peers:
            row["peer_rows_per_second"] = peers[name]
            row["rows_needed"] = TARGET * peers[name]
            row["gmacs_needed"] = row["rows_needed"] * row["macs_per_row"] / 1e9
        data["tables"].append(row)
    write_results("sampling_profile", data, markdown(data))


if __name__ == "__main__":
    main()
