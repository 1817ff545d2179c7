"""The five areas of an evaluation, each computed from prepared tables.

Each returns its scores as plain numbers for the JSON report; fidelity and privacy also return
the arrays the HTML report draws, utility the notes the report states. Costly metrics work on
seeded subsamples whose sizes are set by `Limits` and stated in the report.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from .. import seeding
from ._space import feature_space
from .attacks import privacy_attacks
from .bias import share_differences, target_gap_by_group
from .detection import detection_auc, detection_importance, detection_score
from .diversity import category_coverage, knn_precision_recall, range_coverage
from .fidelity import column_fidelity, frequencies
from .limits import Limits
from .pairs import pair_fidelity, pair_trends_means
from .prepare import Tables, subsample
from .privacy import (
    attribute_inference,
    closest_distances,
    dcr_share,
    dcr_summary,
    exact_copy_share,
    far_share,
    membership_auc,
    nndr,
)
from .reference import reference_tables
from .rules import broken_rules
from .utility import utility_scores

# purposes of the evaluation's random streams: seeding.rng(seed, "evaluation", purpose)
DETECTION_REAL, DETECTION_SYNTHETIC, UTILITY_SPLIT, UTILITY_TRAIN, UTILITY_TEST = range(5)
DIVERSITY, DCR_TRAINING, DCR_SYNTHETIC, DCR_HOLDOUT = range(5, 9)
ATTRIBUTE_SYNTHETIC, ATTRIBUTE_TRAINING, ATTRIBUTE_HOLDOUT = range(9, 12)
MEMBERSHIP_REFERENCE, MEMBERSHIP_QUERIES = range(12, 14)
REFERENCE_SPLIT, DCR_SHARE_TRAINING, RULES_REAL, RULES_OTHER, IMPORTANCE = range(14, 19)
# 19: the privacy attacks (attacks.ATTACKS)

Scores = dict[str, Any]
_HIST_BINS = 40
_TOP_BARS = 10
MAX_RULES = 100
WORST_PAIRS = 4
_SCATTER_ROWS = 1_500
_PAIR_CELLS = 8


def fidelity_area(tables: Tables, limits: Limits, seed: int) -> tuple[Scores, Scores]:
    """Per-column and per-pair scores on whole tables, and the detection test on samples."""
    columns: Scores = {}
    marginals: Scores = {}
    for name in tables.columns:
        numerical = name in tables.numerical
        real, synth = tables.real[name], tables.synthetic[name]
        columns[name] = {"kind": tables.kinds[name], **column_fidelity(real, synth, numerical)}
        marginals[name] = _marginal(real, synth, numerical, tables.kinds[name])
    pairs = pair_fidelity(tables)
    real_sample = subsample(tables.real, limits.model_rows, seed, DETECTION_REAL)
    synth_sample = subsample(tables.synthetic, limits.model_rows, seed, DETECTION_SYNTHETIC)
    auc = detection_auc(real_sample, synth_sample, tables.categorical, seed=seed)
    small = limits.knn_rows  # permutation importance refits nothing but predicts many times
    importance = detection_importance(
        subsample(real_sample, small, seed, IMPORTANCE),
        subsample(synth_sample, small, seed, IMPORTANCE),
        tables.categorical,
        seed=seed,
    )
    ref, _ = reference_tables(tables, limits, seed)
    rules = broken_rules(
        tables,
        subsample(ref.real, limits.model_rows, seed, RULES_REAL),
        subsample(tables.synthetic, limits.model_rows, seed, RULES_OTHER),
        subsample(ref.synthetic, limits.model_rows, seed, RULES_OTHER),
    )
    shapes = [c["shape"] for c in columns.values() if np.isfinite(c["shape"])]
    trends = [p["score"] for p in pairs if p["score"] is not None and np.isfinite(p["score"])]
    scores: Scores = {
        "column_shapes": float(np.mean(shapes)) if shapes else None,
        "column_pair_trends": float(np.mean(trends)) if trends else None,
        "pair_trends_convention": pair_trends_means(pairs),
        "detection_auc": auc,
        "detection_score": detection_score(auc),
        "detection_rows": [len(real_sample), len(synth_sample)],
        "detection_importance": importance,
        "rules": rules[:MAX_RULES],
        "rules_checked": len(rules),
        "columns": columns,
        "pairs": sorted(pairs, key=lambda p: _or(p["score"], 1.0)),
    }
    worst = [p for p in scores["pairs"] if p["score"] is not None][:WORST_PAIRS]
    figures = {
        "worst_pairs": [_pair_figure(tables, p["columns"], seed) for p in worst],
        "marginals": marginals,
        "pairs": pairs,
        "columns": tables.columns,
        "numerical": tables.numerical,
    }
    return scores, figures


def utility_area(
    tables: Tables, target: str, limits: Limits, seed: int
) -> tuple[Scores | None, list[str]]:
    """Train-on-synthetic / train-on-real scores on real test rows (the holdout when given);
    None, with a note, when the real training or test rows hold a single target value (any
    model scores perfectly there, which says nothing)."""
    notes = []
    task = "classification" if target in tables.categorical else "regression"
    real, synth = tables.real, tables.synthetic
    if tables.holdout is not None:
        test = tables.holdout
    else:
        rng = seeding.rng(seed, "evaluation", UTILITY_SPLIT)
        is_test = rng.random(len(real)) < limits.holdout_share
        test, real = real[is_test].reset_index(drop=True), real[~is_test].reset_index(drop=True)
        notes.append(
            f"utility: no holdout given, so {limits.holdout_share:.0%} of the real rows were held "
            "out as test rows; the generator may have seen them, which flatters the synthetic "
            "models"
        )
    if task == "regression":
        real, synth, test = (f[f[target].notna()] for f in (real, synth, test))
    real = subsample(real, limits.model_rows, seed, UTILITY_TRAIN)
    # same purpose: the same rows when the tables are the same
    synth = subsample(synth, limits.model_rows, seed, UTILITY_TRAIN)
    test = subsample(test, limits.model_rows, seed, UTILITY_TEST)
    for label, frame in (("real training", real), ("test", test)):
        if frame[target].nunique(dropna=True) < 2:
            notes.append(
                f"utility: target '{target}' holds a single value in the {label} rows, so "
                "there is nothing to predict; utility was not measured"
            )
            return None, notes
    scores = utility_scores(real, synth, test, target, task, tables.categorical, seed)
    scores["rows"] = {"train_real": len(real), "train_synthetic": len(synth), "test": len(test)}
    return scores, notes


def diversity_area(tables: Tables, limits: Limits, seed: int) -> Scores:
    """Category and range coverage on whole tables, k-NN precision/recall on samples."""
    columns: Scores = {}
    for name in tables.columns:
        real, synth = tables.real[name], tables.synthetic[name]
        if name in tables.categorical:
            columns[name] = {"category_coverage": category_coverage(real, synth)}
        else:
            columns[name] = {"range_coverage": range_coverage(real, synth)}
    space = feature_space(tables)
    real = space.transform(subsample(tables.real, limits.knn_rows, seed, DIVERSITY))
    synth = space.transform(subsample(tables.synthetic, limits.knn_rows, seed, DIVERSITY))
    knn = knn_precision_recall(real, synth)
    return {
        "category_coverage": _mean(c.get("category_coverage") for c in columns.values()),
        "range_coverage": _mean(c.get("range_coverage") for c in columns.values()),
        "knn_precision": knn["precision"],
        "knn_recall": knn["recall"],
        "knn_k": int(knn["k"]),
        "knn_rows": [len(real), len(synth)],
        "columns": columns,
    }


def privacy_area(
    tables: Tables, sensitive: list[str], limits: Limits, seed: int
) -> tuple[Scores, Scores]:
    """Exact copies on whole tables; distances, membership, attribute inference and the
    anonymeter-style attacks (attacks.py) on samples."""
    scores: Scores = {
        "exact_copy_share": exact_copy_share(tables.synthetic, tables.real),
        "holdout_exact_copy_share": None,
        "membership_auc": None,
        "dcr_synthetic_p5": None,
        "dcr_holdout_p5": None,
        "share_closer_than_holdout_p5": None,
        "dcr_share": None,
        "far_share": None,
        "distance_ratio": None,
    }
    space = feature_space(tables)
    training = space.transform(subsample(tables.real, limits.reference_rows, seed, DCR_TRAINING))
    queries = space.transform(subsample(tables.synthetic, limits.query_rows, seed, DCR_SYNTHETIC))
    d1, d2 = closest_distances(queries, training)
    scores["dcr_synthetic"] = dcr_summary(d1)
    scores["dcr_synthetic_p5"] = scores["dcr_synthetic"]["p5"]
    scores["nndr_synthetic"] = dcr_summary(nndr(d1, d2))
    figures: Scores = {"dcr_synthetic": d1, "dcr_holdout": None}
    holdout = tables.holdout
    if holdout is not None:
        scores["holdout_exact_copy_share"] = exact_copy_share(holdout, tables.real)
        h1, h2 = closest_distances(
            space.transform(subsample(holdout, limits.query_rows, seed, DCR_HOLDOUT)), training
        )
        scores["dcr_holdout"] = dcr_summary(h1)
        scores["dcr_holdout_p5"] = scores["dcr_holdout"]["p5"]
        scores["nndr_holdout"] = dcr_summary(nndr(h1, h2))
        scores["share_closer_than_holdout_p5"] = float(np.mean(d1 < scores["dcr_holdout_p5"]))
        scores["far_share"] = far_share(d1, h1)
        scores["distance_ratio"] = _ratio_of_means(d1, h1)
        scores["dcr_share"] = _dcr_share(tables, holdout, space, queries, limits, seed)
        figures["dcr_holdout"] = h1
        scores["membership_auc"] = _membership(tables, holdout, space, limits, seed)
    scores["dcr_rows"] = {"reference": len(training), "queries": len(queries)}
    attacks = []
    for name in sensitive:
        synth = subsample(tables.synthetic, limits.model_rows, seed, ATTRIBUTE_SYNTHETIC)
        train = subsample(tables.real, limits.model_rows, seed, ATTRIBUTE_TRAINING)
        held = (
            subsample(holdout, limits.model_rows, seed, ATTRIBUTE_HOLDOUT)
            if holdout is not None
            else None
        )
        attacks.append(attribute_inference(synth, train, held, name, tables.categorical, seed))
    scores["attribute_inference"] = attacks
    started = time.perf_counter()
    scores["attacks"] = privacy_attacks(tables, sensitive, limits, seed)
    figures["attacks_seconds"] = round(time.perf_counter() - started, 3)
    return scores, figures


def _dcr_share(
    tables: Tables,
    holdout: pd.DataFrame,
    space: Any,
    queries: np.ndarray,
    limits: Limits,
    seed: int,
) -> Scores:
    """DCR share against as many training rows as there are holdout rows (see `dcr_share`)."""
    size = min(len(holdout), len(tables.real), limits.reference_rows)
    training = space.transform(subsample(tables.real, size, seed, DCR_SHARE_TRAINING))
    held = space.transform(subsample(holdout, size, seed, DCR_SHARE_TRAINING))
    to_training, _ = closest_distances(queries, training)
    to_holdout, _ = closest_distances(queries, held)
    return {**dcr_share(to_training, to_holdout), "reference_rows": size}


def _ratio_of_means(synthetic: np.ndarray, holdout: np.ndarray) -> float | None:
    """Mean distance to the closest training row, synthetic / holdout rows: about 1 for
    realistic rows, far above 1 when synthetic rows sit away from every real one."""
    base = float(np.mean(holdout))
    return float(np.mean(synthetic)) / base if base > 0 else None


def _membership(
    tables: Tables, holdout: pd.DataFrame, space: Any, limits: Limits, seed: int
) -> float:
    size = min(limits.query_rows, len(holdout), len(tables.real))
    reference = space.transform(
        subsample(tables.synthetic, limits.reference_rows, seed, MEMBERSHIP_REFERENCE)
    )
    members = space.transform(subsample(tables.real, size, seed, MEMBERSHIP_QUERIES))
    outsiders = space.transform(subsample(holdout, size, seed, MEMBERSHIP_QUERIES))
    m1, _ = closest_distances(members, reference)
    o1, _ = closest_distances(outsiders, reference)
    return membership_auc(m1, o1)


def bias_area(tables: Tables, target: str | None, sensitive: list[str]) -> Scores:
    """Class balance of the target and of each sensitive column, and target rates by group."""
    scores: Scores = {"target_balance": None, "groups": {}}
    if target is not None and target in tables.categorical:
        scores["target_balance"] = share_differences(tables.real[target], tables.synthetic[target])
    for name in sensitive:
        real_groups, synth_groups = _groups(tables, name)
        entry: Scores = {"balance": share_differences(real_groups, synth_groups)}
        if target is not None and target != name:
            real = pd.DataFrame({"t": tables.real[target], "g": real_groups})
            synth = pd.DataFrame({"t": tables.synthetic[target], "g": synth_groups})
            entry["target_rates"] = target_gap_by_group(
                real, synth, "t", "g", categorical=target in tables.categorical
            )
        scores["groups"][name] = entry
    return scores


def _groups(tables: Tables, name: str) -> tuple[pd.Series, pd.Series]:
    """A sensitive column as groups; numerical ones are cut at the real quartiles."""
    real, synth = tables.real[name], tables.synthetic[name]
    if name in tables.categorical:
        return real, synth
    edges = np.unique(np.nanquantile(real.to_numpy(np.float64), [0, 0.25, 0.5, 0.75, 1.0]))
    edges[0], edges[-1] = -np.inf, np.inf
    labels = [f"q{i + 1}" for i in range(len(edges) - 1)]
    return (pd.cut(real, edges, labels=labels), pd.cut(synth, edges, labels=labels))


def _marginal(real: pd.Series, synth: pd.Series, numerical: bool, kind: str) -> Scores:
    if numerical:
        a = real.dropna().to_numpy(np.float64)
        b = synth.dropna().to_numpy(np.float64)
        both = np.concatenate([a, b])
        if len(both) == 0:
            return {"type": "empty"}
        lo, hi = np.percentile(both, [0.5, 99.5])
        hi = hi if hi > lo else lo + 1.0
        if hi - lo <= _HIST_BINS and np.all(both == np.round(both)):
            edges = np.arange(np.floor(lo) - 0.5, np.ceil(hi) + 1.0)  # a bar per whole number
            lo, hi = edges[0], edges[-1]
        else:
            edges = np.linspace(lo, hi, _HIST_BINS + 1)
        return {
            "type": "histogram",
            "kind": kind,
            "edges": edges,
            "real": np.histogram(np.clip(a, lo, hi), edges)[0] / max(len(a), 1),
            "synthetic": np.histogram(np.clip(b, lo, hi), edges)[0] / max(len(b), 1),
        }
    p, q = frequencies(real, synth)
    order = p.sort_values(ascending=False).index
    top = list(order[:_TOP_BARS])
    labels = [str(v) for v in top]
    real_shares = [float(p[v]) for v in top]
    synth_shares = [float(q[v]) for v in top]
    if len(order) > _TOP_BARS:
        labels.append(f"{len(order) - _TOP_BARS} others")
        real_shares.append(float(1.0 - sum(real_shares)))
        synth_shares.append(float(1.0 - sum(synth_shares)))
    return {"type": "bars", "labels": labels, "real": real_shares, "synthetic": synth_shares}


def _pair_figure(tables: Tables, columns: list[str], seed: int) -> Scores:
    """What `plots.pair_png` draws: sampled points of two numerical columns, or the shares of
    the two columns' value combinations (the real table's 8 commonest values, or 8 real-quantile
    bins) in each table."""
    a, b = columns
    if a in tables.numerical and b in tables.numerical:
        sides = {
            label: subsample(frame[[a, b]].dropna(), _SCATTER_ROWS, seed, IMPORTANCE)
            for label, frame in (("real", tables.real), ("synthetic", tables.synthetic))
        }
        return {
            "type": "scatter",
            "columns": columns,
            **{k: [v[a].to_numpy(), v[b].to_numpy()] for k, v in sides.items()},
        }
    cells = {name: _cells(tables, name) for name in columns}
    out: Scores = {"type": "heatmap", "columns": columns}
    for label, frame in (("real", tables.real), ("synthetic", tables.synthetic)):
        ca, cb = (cells[n][0](frame[n]) for n in columns)
        joint = np.bincount(
            ca * len(cells[b][1]) + cb, minlength=len(cells[a][1]) * len(cells[b][1])
        )
        out[label] = (joint / max(len(frame), 1)).reshape(len(cells[a][1]), len(cells[b][1]))
    used = out["real"] + out["synthetic"] > 0
    rows, cols = used.any(axis=1), used.any(axis=0)  # drop cells empty in both tables
    for label in ("real", "synthetic"):
        out[label] = out[label][rows][:, cols]
    out["labels_a"] = [v for v, keep in zip(cells[a][1], rows, strict=True) if keep]
    out["labels_b"] = [v for v, keep in zip(cells[b][1], cols, strict=True) if keep]
    return out


def _cells(tables: Tables, name: str) -> tuple[Any, list[str]]:
    """A function from a column to cell indices, and the cells' labels (last: other / null)."""
    real = tables.real[name]
    if name in tables.numerical:
        edges = np.unique(np.nanquantile(real.to_numpy(np.float64), np.linspace(0, 1, 9)))
        inner = edges[1:-1]
        labels = [f"≤ {e:.3g}" for e in inner] + [f"> {edges[-2]:.3g}" if len(edges) > 1 else "all"]

        def numbers(values: pd.Series) -> np.ndarray:
            x = values.to_numpy(np.float64)
            return np.where(np.isnan(x), len(labels), np.searchsorted(inner, x, side="left"))

        return numbers, [*labels, "null"]
    top = min(_PAIR_CELLS, len(real.cat.categories))
    labels = [str(c) for c in real.cat.categories[:top]]

    def categories(values: pd.Series) -> np.ndarray:
        code = values.cat.codes.to_numpy().astype(np.int64)
        return np.where((code < 0) | (code >= top), top, code)

    return categories, [*labels, "other / null"]


def _mean(values: Any) -> float | None:
    kept = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(kept)) if kept else None


def _or(value: float | None, default: float) -> float:
    return default if value is None or not np.isfinite(value) else value
