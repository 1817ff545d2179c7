"""Quality of the diffusion synthesizer (`ddpm`) against its number of sampling steps.

For each table (the realism benchmark's split: bench_realism.load) the model is fitted once at
its defaults (or within `--budget` seconds); then, for each sampler (DPM-Solver++(2M), the
default, and DDIM at each `eta`: 0 deterministic, 1 ancestral DDPM steps) and each number of
sampling steps, it samples as many rows as the training table and measures the
realism benchmark's C2ST AUC (with the holdout floor), column shapes and pair trends, and the
sampling seconds.

    .venv/bin/python benchmarks/bench_diffusion_steps.py [--tables diamonds,wa_churn]
        [--steps 5,10,20,50] [--samplers dpm,ddim] [--etas 0,1] [--epochs N] [--budget S]
Everything runs on one thread; writes results/diffusion_steps/diffusion_steps.json
and .md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from threadpoolctl import threadpool_limits

import simulacra
from bench_realism import SEED, TABLES, c2st, fidelity, holdout_floor, load
from common import machine, table, write_results
from simulacra.evaluation.prepare import prepare

STEPS = (5, 10, 20, 50)
SAMPLERS = ("dpm", "ddim")
ETAS = (0.0, 1.0)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def variants(samplers: list[str], etas: list[float]) -> list[tuple[str, float]]:
    """(sampler, eta) pairs: eta is DDIM's alone."""
    return [(s, e) for s in samplers for e in (etas if s == "ddim" else [0.0])]


def bench_table(
    name: str, steps: list[int], pairs: list[tuple[str, float]], params: dict[str, Any]
):
    train, test, _ = load(name, quick=False)
    metadata = simulacra.Metadata.infer(train)
    floor = holdout_floor(train, test, metadata)
    syn = simulacra.Synthesizer("ddpm", seed=SEED, verbose=False, **params)
    started = time.perf_counter()
    syn.fit(train)
    fit_seconds = time.perf_counter() - started
    progress(f"[{name}] fit {fit_seconds:.0f} s; holdout floor {floor:.3f}")
    info = {"train_rows": len(train), "floor_auc": floor, "fit_seconds": fit_seconds}
    rows = []
    for sampler, eta in pairs:
        for count in steps:
            syn.sampler, syn.eta, syn.sampling_steps = sampler, eta, count
            started = time.perf_counter()
            synth = syn.sample(len(train), seed=SEED + 1)
            seconds = time.perf_counter() - started
            tables = prepare(train, synth, metadata, test)
            row = {
                "table": name,
                "sampler": sampler,
                "eta": eta,
                "sampling_steps": count,
                "sample_seconds": seconds,
                "c2st_auc": c2st(tables.real, tables.synthetic, tables.categorical),
                **fidelity(tables),
            }
            progress(
                f"[{name}] {sampler} eta {eta:g}, {count} steps: "
                f"C2ST {row['c2st_auc']:.3f}, shapes "
                f"{row['column_shapes']:.3f}, pairs {row['column_pair_trends']:.3f}, "
                f"sample {seconds:.1f} s"
            )
            rows.append(row)
    return info, rows


def markdown(data: dict[str, Any]) -> str:
    info = data["machine"]
    lines = [
        "# Diffusion (ddpm): quality against the number of sampling steps",
        "",
        f"Machine: {info['cpus']} CPUs (shared with other jobs), {info['platform']}, "
        f"{info['date']}; one thread; total run {data['seconds'] / 60:.1f} min.",
        f"Model: ddpm ({', '.join(f'{k}={v}' for k, v in data['params'].items()) or 'defaults'})"
        ", fitted once per table; only `sampler`, `sampling_steps` and `eta` change between"
        " rows.",
    ]
    headers = ["sampler", "eta", "sampling steps", "C2ST AUC", "holdout floor", "shapes", "pairs",
               "sample s", "sample rows/s"]  # fmt: skip
    for name, tinfo in data["tables"].items():
        body = [
            [r.get("sampler", "ddim"), f"{r['eta']:g}", r["sampling_steps"], r["c2st_auc"],
             tinfo["floor_auc"],
             r["column_shapes"], r["column_pair_trends"], r["sample_seconds"],
             f"{tinfo['train_rows'] / r['sample_seconds']:,.0f}"]
            for r in data["rows"] if r["table"] == name
        ]  # fmt: skip
        lines += [
            "",
            f"## {name}",
            "",
            f"{tinfo['train_rows']:,} training rows (the realism benchmark's split); fit "
            f"{tinfo['fit_seconds']:.0f} s; each row samples {tinfo['train_rows']:,} rows.",
            "",
            table(headers, body),
        ]
    lines += [
        "",
        "C2ST AUC, shapes and pairs as in realism.md (0.5 C2ST = indistinguishable; 1 = "
        "identical shapes and pairs). dpm: DPM-Solver++(2M) steps (second order, "
        "deterministic); ddim eta 0: deterministic DDIM steps; eta 1: ancestral (DDPM) steps. "
        "Sampling cost grows linearly with the steps: one network pass per step.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="diamonds,wa_churn")
    parser.add_argument("--steps", default=",".join(map(str, STEPS)))
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    parser.add_argument("--etas", default=",".join(f"{e:g}" for e in ETAS))
    parser.add_argument("--epochs", type=int, help="training epochs (default: the model's)")
    parser.add_argument("--budget", type=float, help="fit seconds (the model's time_budget)")
    args = parser.parse_args()
    tables = args.tables.split(",")
    unknown = [t for t in tables if t not in TABLES]
    if unknown:
        parser.error(f"unknown table: {', '.join(unknown)}")
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = "1"
    params: dict[str, Any] = {} if args.epochs is None else {"epochs": args.epochs}
    if args.budget is not None:
        params["time_budget"] = args.budget
    steps = [int(s) for s in args.steps.split(",")]
    pairs = variants(args.samplers.split(","), [float(e) for e in args.etas.split(",")])
    started = time.perf_counter()
    data: dict[str, Any] = {"machine": machine(), "params": params, "tables": {}, "rows": []}
    with threadpool_limits(limits=1):
        for name in tables:
            info, rows = bench_table(name, steps, pairs, params)
            data["tables"][name] = info
            data["rows"] += rows
    data["seconds"] = time.perf_counter() - started
    write_results("diffusion_steps", data, markdown(data))


if __name__ == "__main__":
    main()
