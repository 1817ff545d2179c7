"""Entity rows of sampled sequences: are they copies of real entities' rows?

The sequence benchmark (`bench_sequences.py`) reads privacy on features of whole sequences,
where an entity's many events dilute a copied part. Here each entity is one row: its static
columns (constant within every real entity) and its number of events, then the same with its
first event's columns added, for training, held-out and sampled entities of pbcseq and Males
(the panels of `bench_sequences.py`, the same seeded fifths held out). Each table is scored by
`simulacra.evaluate` with the held-out entities as the holdout: the share of sampled rows
closer to a training row than the holdout's 5th percentile distance (unseen entities: 5%),
membership inference AUC, and the detection AUC against the training rows.

    python benchmarks/bench_entity_privacy.py             # results/entity_privacy/
    python benchmarks/bench_entity_privacy.py --seeds 4 --tables pbcseq
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import pandas as pd

from bench_sequences import entity_columns, split
from common import write_results
from simulacra import Synthesizer, evaluate
from simulacra.evaluation.limits import Limits

PARTS = ("own", "with first event")


def entity_rows(
    events: pd.DataFrame, static: list[str], key: str, index: str, first: bool
) -> pd.DataFrame:
    """One row per entity: `static` and the number of events (and the first event's other
    columns when `first`)."""
    ordered = events.sort_values([key, index]).groupby(key, sort=False)
    names = static + ([c for c in events.columns if c not in static and c != key] if first else [])
    rows = ordered[names].first()
    rows["events"] = ordered.size()
    return rows.reset_index(drop=True)


def measure(name: str, seed: int) -> dict[str, Any]:
    """Our model fitted on `split(name, seed)`, as many entities sampled, both parts scored."""
    train, holdout, key, index = split(name, seed)
    static = entity_columns(train, key, index)
    model = Synthesizer(
        "autoregressive", sequence_key=key, sequence_index=index, seed=seed, verbose=False
    )
    sampled = model.fit(train).sample(int(train[key].nunique()), seed=seed)
    row: dict[str, Any] = {"seed": seed}
    for part, first in zip(PARTS, (False, True), strict=True):
        real, synthetic, held = (
            entity_rows(frame, static, key, index, first) for frame in (train, sampled, holdout)
        )
        report = evaluate(real, synthetic, holdout=held, seed=seed, verbose=False, limits=Limits())
        row[part] = {
            "closer_than_holdout_p5": report.privacy.share_closer_than_holdout_p5,
            "membership_auc": report.privacy.membership_auc,
            "detection_auc": report.fidelity.detection_auc,
        }
    return row


def markdown(results: dict[str, list[dict[str, Any]]]) -> str:
    lines = [
        "Each sampled entity as one row (its static columns and number of events; then with its "
        "first event's columns), scored against the training entities with the held-out ones "
        "as the holdout. Medians over the seeds [min, max]; unseen entities are closer than "
        "the holdout's 5th percentile in 5% by definition, membership AUC 0.5 is no signal.",
        "",
        "| table | rows | closer than holdout p5 | membership AUC | detection AUC | seeds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, rows in results.items():
        for part in PARTS:
            cells = []
            for measure_name in ("closer_than_holdout_p5", "membership_auc", "detection_auc"):
                values = np.array([r[part][measure_name] for r in rows], dtype=float)
                cells.append(f"{np.median(values):.3f} [{values.min():.3f}, {values.max():.3f}]")
            lines.append(f"| {name} | {part} | {' | '.join(cells)} | {len(rows)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="pbcseq,males")
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    results = {}
    for name in args.tables.split(","):
        results[name] = [measure(name, seed) for seed in range(args.seeds)]
        print(name, results[name][-1], flush=True)
    write_results("entity_privacy", {"results": results}, markdown(results))


if __name__ == "__main__":
    main()
