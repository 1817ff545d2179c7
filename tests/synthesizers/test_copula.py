from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import ConditionError, Metadata, NotFittedError, ParameterError, Synthesizer
from simulacra.evaluation.fidelity import ks_complement, tv_complement
from simulacra.synthesizers.copula import nearest_correlation

from ..mixed_table import mixed_table

NUMERIC = ["carat", "depth", "table", "price", "x", "y", "z"]


@pytest.fixture(scope="module")
def fitted(diamonds: pd.DataFrame) -> Synthesizer:
    return Synthesizer("copula", seed=0, verbose=False).fit(diamonds)


def test_marginals_and_correlations_survive(fitted: Synthesizer, diamonds: pd.DataFrame) -> None:
    synth = fitted.sample(len(diamonds), seed=1)
    for name in NUMERIC:
        assert ks_complement(diamonds[name], synth[name]) >= 0.9, name
    for name in ("cut", "color", "clarity"):
        assert tv_complement(diamonds[name], synth[name]) >= 0.95, name
    gap = diamonds[NUMERIC].corr(method="spearman") - synth[NUMERIC].corr(method="spearman")
    assert np.abs(gap.to_numpy()).max() < 0.1
    assert synth.dtypes.equals(diamonds.dtypes)
    assert set(synth["cut"]) == set(diamonds["cut"])


def test_same_seed_same_rows_and_new_rows_without_seed(fitted: Synthesizer) -> None:
    a = fitted.sample(1_000, seed=5)
    b = fitted.sample(1_000, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not fitted.sample(1_000).equals(fitted.sample(1_000))


def test_chunked_sampling_equals_one_shot(fitted: Synthesizer) -> None:
    whole = pd.concat(list(fitted.iter_sample(2_500, seed=4, chunk_rows=1_000)), ignore_index=True)
    again = pd.concat(list(fitted.iter_sample(2_500, seed=4, chunk_rows=1_000)), ignore_index=True)
    pd.testing.assert_frame_equal(whole, again)
    assert len(whole) == 2_500


def test_save_load_samples_identical_rows(fitted: Synthesizer, tmp_path: Path) -> None:
    path = fitted.save(tmp_path / "m.simulacra")
    loaded = Synthesizer.load(path)
    pd.testing.assert_frame_equal(loaded.sample(500, seed=9), fitted.sample(500, seed=9))
    assert loaded.describe()["columns"] == fitted.describe()["columns"]


def test_fit_is_deterministic(diamonds: pd.DataFrame, tmp_path: Path) -> None:
    a = Synthesizer("copula", seed=3, verbose=False).fit(diamonds).save(tmp_path / "a.simulacra")
    b = Synthesizer("copula", seed=3, verbose=False).fit(diamonds).save(tmp_path / "b.simulacra")
    assert Synthesizer.load(a).sample(200, seed=0).equals(Synthesizer.load(b).sample(200, seed=0))


def test_categorical_conditions_are_exact(fitted: Synthesizer, diamonds: pd.DataFrame) -> None:
    rows = fitted.sample(2_000, conditions={"cut": "Fair", "color": "J"}, seed=2)
    assert len(rows) == 2_000
    assert (rows["cut"] == "Fair").all() and (rows["color"] == "J").all()
    real = diamonds[(diamonds.cut == "Fair")]
    # the condition shifts the other columns the way the real data does
    assert rows["price"].median() > diamonds["price"].median()
    assert (
        abs(rows["depth"].mean() - real["depth"].mean())
        < abs(diamonds["depth"].mean() - real["depth"].mean()) + 0.3
    )


def test_numerical_conditions_use_gaussian_conditioning(fitted: Synthesizer) -> None:
    cheap = fitted.sample(1_000, conditions={"price": 400}, seed=1)
    dear = fitted.sample(1_000, conditions={"price": 15_000}, seed=1)
    assert (cheap["price"] == 400).all()
    assert cheap["carat"].mean() < 0.5 < 1.5 < dear["carat"].mean()


def test_bad_conditions_are_named(fitted: Synthesizer) -> None:
    with pytest.raises(ConditionError, match="unknown column 'colour'"):
        fitted.sample(10, conditions={"colour": "J"})
    with pytest.raises(ConditionError, match="no category 'Perfect'"):
        fitted.sample(10, conditions={"cut": "Perfect"})
    with pytest.raises(ConditionError, match="outside the learned range"):
        fitted.sample(10, conditions={"price": 10**9})


def test_parametric_marginals_are_described(diamonds: pd.DataFrame) -> None:
    syn = Synthesizer("copula", marginals="parametric", verbose=False).fit(diamonds)
    described = syn.describe()["columns"]
    families = {"normal", "truncnorm", "lognorm", "gamma", "beta", "uniform", "t", "expon"}
    for name in NUMERIC:
        assert described[name]["marginal"] in families
        assert described[name]["ks"] < 0.2
    synth = syn.sample(5_000, seed=0)
    assert ks_complement(diamonds["depth"], synth["depth"]) > 0.85


def test_parameters_are_checked() -> None:
    with pytest.raises(ParameterError, match="marginals must be one of"):
        Synthesizer("copula", marginals="kde").fit(mixed_table(50))
    with pytest.raises(ParameterError, match="unknown synthesizer 'gpt'"):
        Synthesizer("gpt")
    with pytest.raises(NotFittedError):
        Synthesizer("copula").sample(5)


def test_every_kind_round_trips_through_the_copula() -> None:
    table = mixed_table(1_000)
    synth = Synthesizer("copula", verbose=False).fit(table).sample(1_500, seed=0)
    assert synth.dtypes.astype(str).tolist() == table.dtypes.astype(str).tolist()
    assert synth["id"].is_unique and synth["story_id"].is_unique
    corr_real = table["x"].corr(table["y"])
    assert abs(synth["x"].corr(synth["y"]) - corr_real) < 0.1


def test_nearest_correlation_is_positive_definite() -> None:
    bad = np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])
    fixed = nearest_correlation(bad)
    assert np.linalg.eigvalsh(fixed).min() > 0
    assert np.allclose(np.diag(fixed), 1)


def test_high_cardinality_column_is_capped_and_fast() -> None:
    rng = np.random.default_rng(0)
    codes = np.char.add("c", rng.integers(0, 100_000, 200_000).astype(str))
    table = pd.DataFrame({"code": codes, "v": rng.normal(size=len(codes))})
    syn = Synthesizer("copula", verbose=False).fit(table)
    described = syn.describe()["columns"]["code"]
    assert described["categories"] == 1_000 and "tail" in described
    synth = syn.sample(20_000, seed=0)
    counts = pd.Series(codes).value_counts()
    # categories seen in fewer than min_count (5) rows are never emitted as they are
    assert set(synth["code"]) <= set(counts.index[counts >= 5]) | {"other"}
    assert synth["code"].nunique() > 2_000  # the tail is re-drawn, not collapsed


def test_two_category_conditions_follow_the_joint_distribution(diamonds: pd.DataFrame) -> None:
    syn = Synthesizer("copula", seed=0, verbose=False).fit(diamonds)
    rows = syn.sample(20_000, conditions={"cut": "Ideal", "color": "J"}, seed=0)
    unconditioned = syn.sample(200_000, seed=1)
    both = unconditioned[(unconditioned.cut == "Ideal") & (unconditioned.color == "J")]
    # the conditional sampler and rejection from the same model agree
    assert ks_complement(both["price"], rows["price"]) > 0.9
    assert ks_complement(both["carat"], rows["carat"]) > 0.9


def test_metadata_overrides_are_honoured(tmp_path: Path) -> None:
    table = mixed_table(600)
    meta = Metadata.infer(table)
    meta.set_kind("level", "categorical")
    meta.set_kind("id", "datetime")  # integers read as epoch seconds
    synth = Synthesizer("copula", verbose=False).fit(table, meta).sample(800, seed=0)
    assert set(synth["level"]) <= {1, 2, 3} and synth["level"].dtype == table["level"].dtype
    assert synth["id"].between(table["id"].min(), table["id"].max()).all()
    assert synth["id"].dtype == table["id"].dtype


def test_min_count_is_a_parameter_of_every_table_model() -> None:
    table = pd.DataFrame({"c": ["a"] * 50 + ["b"] * 50 + ["seen_twice"] * 2, "v": np.arange(102.0)})
    pooled = Synthesizer("copula", seed=0, verbose=False).fit(table).sample(3_000, seed=0)
    assert "seen_twice" not in set(pooled["c"])
    kept = Synthesizer("copula", seed=0, verbose=False, min_count=1).fit(table)
    assert "seen_twice" in set(kept.sample(3_000, seed=0)["c"])
    from simulacra.registry import get, names

    assert all("min_count" in get(name)._param_names() for name in names("table"))
