"""Transfer (`fit_from`, `simulacra fit --init`): a model of a small table starts from a base
model of a related large one: shared columns keep the base's encodings and weights, the others
start fresh, the base's privacy is stated beside the fit's, files and seeds behave as ever."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import Metadata, Synthesizer
from simulacra.cli import main
from simulacra.errors import DataError, ParameterError
from simulacra.evaluation.detection import detection_auc
from simulacra.evaluation.prepare import prepare

FAST = {"epochs": 60, "hidden_dims": (128, 128), "verbose": False}
MU = {"a": -2.0, "b": 0.0, "c": 3.0}


def related_table(n: int, seed: int) -> pd.DataFrame:
    """A label that shifts a number, a second number tied to the first, and a flag."""
    rng = np.random.default_rng(seed)
    group = rng.choice(list(MU), n, p=[0.5, 0.3, 0.2])
    y = np.array([MU[g] for g in group]) + rng.normal(size=n)
    z = 2.0 * y + rng.normal(scale=0.5, size=n)
    flag = np.where(y > 1.0, "high", "low")
    return pd.DataFrame({"group": group, "y": y, "z": z, "flag": flag})


def saved_base(
    name: str, params: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Synthesizer, Path]:
    """A `name` model of 3,000 related rows, and its file (base.simulacra)."""
    model = Synthesizer(name, seed=0, **params).fit(related_table(3_000, 1))
    path = tmp_path_factory.mktemp("base") / "base.simulacra"
    model.save(path)
    return model, path


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Synthesizer, Path]:
    return saved_base("autoregressive", FAST, tmp_path_factory)


def c2st(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    tables = prepare(real, synthetic, Metadata.infer(real))
    return detection_auc(tables.real, tables.synthetic, tables.categorical)


def against_scratch(
    name: str, params: dict[str, Any], base: Path
) -> tuple[float, float, Synthesizer]:
    """C2ST on 1,000 unseen rows of a `name` fit of 100 related rows started from `base`, and
    of one from scratch; and the started model."""
    small, unseen = related_table(100, 2), related_table(1_000, 3)
    scratch = Synthesizer(name, seed=0, **params).fit(small)
    started = Synthesizer(name, seed=0, **params).fit_from(base, small)
    auc_scratch = c2st(unseen, scratch.sample(1_000, seed=4))
    auc_init = c2st(unseen, started.sample(1_000, seed=4))
    return auc_init, auc_scratch, started


def test_a_base_of_a_large_related_table_beats_scratch_on_100_rows(
    base: tuple[Synthesizer, Path],
) -> None:
    auc_init, auc_scratch, started = against_scratch("autoregressive", FAST, base[1])
    assert auc_init < auc_scratch - 0.05, (auc_init, auc_scratch)
    assert auc_init < 0.65
    summary = started.describe()["init"]["summary"]
    assert summary == "initialised from base.simulacra: 4 of 4 columns shared"


def test_saved_reloaded_and_seeded_alike(base: tuple[Synthesizer, Path], tmp_path: Path) -> None:
    small = related_table(100, 2)
    one = Synthesizer("autoregressive", seed=3, **FAST).fit_from(base[0], small)
    two = Synthesizer("autoregressive", seed=3, **FAST).fit_from(base[0], small)
    pd.testing.assert_frame_equal(one.sample(200, seed=5), two.sample(200, seed=5))
    one.save(tmp_path / "m.simulacra")
    loaded = Synthesizer.load(tmp_path / "m.simulacra")
    pd.testing.assert_frame_equal(one.sample(200, seed=5), loaded.sample(200, seed=5))
    assert loaded.describe()["init"] == one.describe()["init"]
    assert "a fitted autoregressive model: 4 of 4" in one.describe()["init"]["summary"]


def test_new_columns_start_fresh_and_missing_ones_are_dropped(
    base: tuple[Synthesizer, Path],
) -> None:
    small = related_table(100, 2).drop(columns=["z"])
    small["w"] = np.random.default_rng(0).normal(size=100)  # the base lacks it
    small["flag"] = np.where(small["y"] > 1.0, "up", "down")  # values the base never saw
    model = Synthesizer("autoregressive", seed=0, **FAST).fit_from(base[1], small)
    init = model.describe()["init"]
    assert init["summary"] == "initialised from base.simulacra: 2 of 4 columns shared"
    assert init["shared_columns"] == ["group", "y"]
    rows = model.sample(300, seed=1)
    assert list(rows.columns) == list(small.columns)
    assert set(rows["flag"]) <= {"up", "down"}
    # the shared columns keep the base's encoding: the base's bins, not 100 rows' own
    values = pd.Series(np.linspace(-5.0, 6.0, 50))
    ours, theirs = (m.transformer_.columns_["y"] for m in (model, base[0]))
    np.testing.assert_array_equal(
        ours.encode(values, np.random.default_rng(0)),
        theirs.encode(values, np.random.default_rng(0)),
    )


def test_one_clear_error_for_a_base_that_cannot_start_the_fit(
    base: tuple[Synthesizer, Path],
) -> None:
    small = related_table(100, 2)
    copula = Synthesizer("copula", verbose=False).fit(small)
    with pytest.raises(ParameterError, match="holds a 'copula' model, not 'autoregressive'"):
        Synthesizer("autoregressive", **FAST).fit_from(copula, small)
    with pytest.raises(ParameterError, match="copula cannot start from a base model"):
        Synthesizer("copula", verbose=False).fit_from(base[0], small)
    other = pd.DataFrame({"q": np.arange(100.0), "r": ["x", "y"] * 50})
    with pytest.raises(DataError, match="shares no column with the table"):
        Synthesizer("autoregressive", **FAST).fit_from(base[0], other)
    with pytest.raises(ParameterError, match="has layers"):
        Synthesizer("autoregressive", **{**FAST, "hidden_dims": (64,)}).fit_from(base[0], small)
    with pytest.raises(ParameterError, match="epsilon cannot start"):
        Synthesizer("autoregressive", epsilon=1.0, **FAST).fit_from(base[0], small)


def test_a_dp_base_states_its_privacy_beside_the_fit() -> None:
    big = related_table(1_000, 1)
    dp = Synthesizer("autoregressive", epsilon=1.0, infer_schema=True, epochs=2, verbose=False)
    dp.fit(big)
    model = Synthesizer("autoregressive", seed=0, epochs=5, verbose=False)
    model.fit_from(dp, related_table(100, 2))
    privacy = model.describe()["init"]["privacy"]
    assert privacy["this table"].startswith("100 rows; no DP")
    base_side = privacy["base model's table"]
    assert "differential_privacy" in base_side and "carry over" in base_side["note"]
    assert model.hidden_dims == dp._setting("hidden_dims")  # the base's network shape


def test_cli_fit_init(base: tuple[Synthesizer, Path], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "small.csv"
    related_table(100, 2).to_csv(data, index=False)
    out = tmp_path / "m.simulacra"
    with pytest.raises(SystemExit) as done:
        main(["--quiet", "fit", str(data), "--init", str(base[1]), "-o", str(out),
              "--epochs", "5"])  # fmt: skip
    assert done.value.code in (0, None)
    assert "initialised from base.simulacra: 4 of 4 columns shared" in capsys.readouterr().out
    assert Synthesizer.load(out).init_ is not None
    with pytest.raises(SystemExit) as done:
        main(["--quiet", "fit", str(data), "-m", "copula", "--init", str(base[1]),
              "-o", str(tmp_path / "c.simulacra")])  # fmt: skip
    assert done.value.code == 1
    assert "copula cannot start from a base model" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::simulacra.errors.DataNote")  # a few rows break the rule
def test_rules_and_conditions_hold_in_a_fit_from_a_base() -> None:
    rules = ["if group = c then flag = high"]
    base = Synthesizer("autoregressive", rules=rules, **FAST).fit(related_table(1_000, 1))
    model = Synthesizer("autoregressive", rules=rules, **FAST).fit_from(base, related_table(100, 2))
    rows = model.sample(300, conditions={"group": "c"}, seed=1)
    assert (rows["group"] == "c").all() and (rows["flag"] == "high").all()
    assert model.describe()["init"]["summary"].endswith("4 of 4 columns shared")
