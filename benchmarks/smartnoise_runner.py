"""Fit smartnoise-synth's MST or AIM on a CSV and write a synthetic CSV; run under the
interpreter of smartnoise's own virtual environment ($SMARTNOISE_PYTHON), never imported by
simulacra. Rows with nulls are dropped (smartnoise's transformers do not take nulls); numbers
are binned by smartnoise's own DP preprocessor with `--preprocessor-share` of epsilon.

    $SMARTNOISE_PYTHON smartnoise_runner.py --data train.csv --model mst --epsilon 1
        --rows 4000 --out synth.csv --categorical a,b --continuous x,y
Prints one JSON line: {"fit_s": ..., "sample_s": ...}.
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd
from snsynth import Synthesizer


def main() -> None:
    parser = argparse.ArgumentParser()
    for flag in ("--data", "--model", "--out", "--categorical", "--continuous"):
        parser.add_argument(flag, default="")
    parser.add_argument("--epsilon", type=float, required=True)
    parser.add_argument("--delta", type=float, default=None)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--preprocessor-share", type=float, default=0.2)
    args = parser.parse_args()
    frame = pd.read_csv(args.data).dropna().reset_index(drop=True)
    categorical = [c for c in args.categorical.split(",") if c]
    continuous = [c for c in args.continuous.split(",") if c]
    for column in categorical:
        frame[column] = frame[column].astype(str)
    options = {} if args.delta is None else {"delta": args.delta}
    synth = Synthesizer.create(args.model, epsilon=args.epsilon, verbose=False, **options)
    started = time.perf_counter()
    synth.fit(
        frame,
        categorical_columns=categorical,
        continuous_columns=continuous,
        preprocessor_eps=args.preprocessor_share * args.epsilon,
    )
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    out = synth.sample(args.rows)
    sample_s = time.perf_counter() - started
    out.to_csv(args.out, index=False)
    print(json.dumps({"fit_s": fit_s, "sample_s": sample_s}))


if __name__ == "__main__":
    main()
