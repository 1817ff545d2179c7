"""Pair metrics: hand computations, agreement of the fast path with the pure functions, and
independent column shuffles destroying pair scores but not column scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation.fidelity import column_fidelity
from simulacra.evaluation.pairs import (
    contingency_similarity,
    correlation_similarity,
    cramers_v,
    discretise,
    mutual_information_difference,
    normalised_mutual_information,
    pair_fidelity,
    pair_trends_means,
)
from simulacra.evaluation.prepare import prepare


def test_correlation_similarity_by_hand() -> None:
    x = np.arange(10.0)
    up = pd.DataFrame({"a": x, "b": 2 * x})
    down = pd.DataFrame({"a": x, "b": -x})
    assert correlation_similarity(up, up) == pytest.approx(1.0)
    assert correlation_similarity(up, down) == pytest.approx(0.0)  # r = 1 vs r = -1
    noisy = pd.DataFrame({"a": x, "b": [0, 2, 1, 4, 3, 6, 5, 8, 7, 9.0]})
    r = float(np.corrcoef(x, noisy["b"])[0, 1])
    assert correlation_similarity(up, noisy) == pytest.approx(1 - abs(1 - r) / 2)


def test_spearman_ignores_monotone_transforms() -> None:
    x = np.arange(1.0, 30.0)
    real = pd.DataFrame({"a": x, "b": x})
    synth = pd.DataFrame({"a": x, "b": np.exp(x)})
    assert correlation_similarity(real, synth, method="spearman") == pytest.approx(1.0)
    assert correlation_similarity(real, synth, method="pearson") < 0.9


def test_contingency_similarity_by_hand() -> None:
    real = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"]})
    synth = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "u", "v", "v"]})
    # joint shares: real 1/4 each; synth (x,u)=1/2, (y,v)=1/2 -> TVD = 1/2 * (4 * 1/4) = 1/2
    assert contingency_similarity(real, synth) == pytest.approx(0.5)
    assert contingency_similarity(real, real) == pytest.approx(1.0)


def test_discretise_uses_open_outer_bins_and_a_null_bin() -> None:
    real = np.array([0.0, 5.0, 10.0, np.nan])
    synth = np.array([-100.0, 100.0, np.nan])
    r, s = discretise(real, synth, bins=10)
    assert r[0] == 1 and r[2] == 10 and r[3] == 11
    assert list(s) == [1, 10, 11]


def test_mutual_information() -> None:
    dependent = np.array([[0.5, 0.0], [0.0, 0.5]])
    independent = np.full((2, 2), 0.25)
    assert normalised_mutual_information(dependent) == pytest.approx(1.0)
    assert normalised_mutual_information(independent) == pytest.approx(0.0)
    real = pd.DataFrame({"a": ["x", "y"] * 50, "b": ["x", "y"] * 50})
    shuffled = pd.DataFrame({"a": ["x", "y"] * 50, "b": ["x", "x", "y", "y"] * 25})
    assert mutual_information_difference(real, shuffled) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def sample(diamonds: pd.DataFrame) -> pd.DataFrame:
    return diamonds.sample(3000, random_state=0).reset_index(drop=True)


def test_fast_pairs_agree_with_pure_functions(sample: pd.DataFrame) -> None:
    other = sample.sample(frac=1.0, random_state=1).reset_index(drop=True)
    other["price"] = other["price"] * 1.1
    tables = prepare(sample, other)
    by_pair = {tuple(p["columns"]): p for p in pair_fidelity(tables)}
    assert len(by_pair) == 45
    numeric = by_pair[("carat", "price")]
    assert numeric["score"] == pytest.approx(
        correlation_similarity(sample[["carat", "price"]], other[["carat", "price"]])
    )
    pair = by_pair[("carat", "cut")]
    assert pair["score"] == pytest.approx(
        contingency_similarity(sample[["carat", "cut"]], other[["carat", "cut"]], ["carat"])
    )
    pair = by_pair[("color", "clarity")]
    assert pair["mutual_information_difference"] == pytest.approx(
        mutual_information_difference(sample[["color", "clarity"]], other[["color", "clarity"]])
    )


def test_shuffling_columns_destroys_pairs_but_not_columns(sample: pd.DataFrame) -> None:
    rng = np.random.default_rng(0)
    shuffled = pd.DataFrame({c: rng.permutation(sample[c].to_numpy()) for c in sample.columns})
    tables = prepare(sample, shuffled)
    for name in tables.columns:
        numerical = name in tables.numerical
        entry = column_fidelity(tables.real[name], tables.synthetic[name], numerical)
        assert entry["shape"] == pytest.approx(1.0)
    scores = {tuple(p["columns"]): p["score"] for p in pair_fidelity(tables)}
    # carat, price, x, y and z are strongly correlated in diamonds (r > 0.85)
    assert scores[("carat", "price")] < 0.6
    assert scores[("x", "y")] < 0.6
    identical = {tuple(p["columns"]): p["score"] for p in pair_fidelity(prepare(sample, sample))}
    assert all(v == pytest.approx(1.0) for v in identical.values())


def test_cramers_v_matches_scipy() -> None:
    from scipy.stats.contingency import association

    counts = np.array([[30, 5, 0, 1], [4, 25, 0, 9], [0, 0, 0, 0], [2, 3, 0, 21]], dtype=float)
    kept = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    expected = association(kept.astype(int), method="cramer")
    assert cramers_v(counts / counts.sum()) == pytest.approx(expected, abs=1e-12)
    assert cramers_v(np.array([[0.5, 0.5]])) == 0.0


def test_each_pair_says_whether_sdmetrics_default_counts_it() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    x = rng.normal(size=n)
    group = rng.choice(list("abc"), n)
    real = pd.DataFrame(
        {
            "x": x,
            "y": x + rng.normal(0, 0.5, n),  # r about 0.9: counted
            "z": rng.normal(size=n),  # r about 0 with both: skipped
            "group": group,
            "size": np.where(group == "a", "big", rng.choice(["big", "small"], n)),  # V about 0.5
        }
    )
    synth = real.assign(y=rng.normal(size=n))  # the one strong numerical pair is lost
    pairs = {tuple(p["columns"]): p for p in pair_fidelity(prepare(real, synth))}
    assert pairs[("x", "y")]["kinds"] == ["numerical", "numerical"]
    assert pairs[("x", "y")]["real_association"] == pytest.approx(0.89, abs=0.02)
    assert pairs[("x", "y")]["sdmetrics_default"] is True
    assert pairs[("x", "z")]["sdmetrics_default"] is False
    assert pairs[("group", "size")]["real_association"] == pytest.approx(0.5, abs=0.05)
    assert pairs[("group", "size")]["sdmetrics_default"] is True
    assert pairs[("x", "group")]["sdmetrics_default"] is False
    means = pair_trends_means(list(pairs.values()))
    assert means["pairs"] == 10 and means["pairs_in_sdmetrics_default"] == 2
    strong = [pairs[("x", "y")]["score"], pairs[("group", "size")]["score"]]
    assert means["sdmetrics_default"] == pytest.approx(np.mean(strong))
    assert means["all_pairs"] == pytest.approx(np.mean([p["score"] for p in pairs.values()]))
    assert means["sdmetrics_default"] < means["all_pairs"]  # the weak pairs were all kept
