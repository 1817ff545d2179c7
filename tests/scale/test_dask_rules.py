"""Rules on Dask: a partitioned table fitted with declared rules keeps every rule in every
sampled row, as a local fit does, though a partition may lack the values a rule names (the
last one has no row with 'support' = none, which an if-then rule makes); the
combinations kept together are learned from every partition; a rule naming a value the
table never holds is one error; the command line fits and samples with --rule."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
import pytest
from dask.distributed import Client
from scipy import stats

from simulacra import Metadata, Synthesizer
from simulacra.io import read_table
from simulacra.scale.fitting import fit_dask
from simulacra.specs.rules import RuleError, parse_rule

from ..rule_table import RULES, rule_table
from .test_dask_sample import run

FAST = {"epochs": 3, "batch_size": 100, "hidden_dims": (64, 64), "verbose": False, "seed": 0}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    # sorted by plan: the last partition holds no 'free' row (a value two rules name)
    return rule_table(900).sort_values("plan", kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def metadata(table: pd.DataFrame) -> Metadata:
    return Metadata(Metadata.infer(table).columns, rules=RULES)


def frame_of(table: pd.DataFrame) -> dd.DataFrame:
    return dd.from_pandas(table, npartitions=3, sort=False)


def broken(sample: pd.DataFrame, table: pd.DataFrame, metadata: Metadata) -> dict[str, float]:
    return {r: float(parse_rule(r).broken(sample, metadata, table).mean()) for r in RULES}


def fitted(name: str, table: pd.DataFrame, metadata: Metadata | None, **params) -> Synthesizer:
    model = Synthesizer(name, **(FAST if name != "copula" else {"verbose": False}), **params)
    with dask.config.set(scheduler="threads", num_workers=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_dask(model, frame_of(table), metadata=metadata)


@pytest.mark.parametrize("name", ["copula", "autoregressive"])
def test_dask_fits_keep_every_rule(
    name: str, table: pd.DataFrame, metadata: Metadata, tmp_path: Path
) -> None:
    assert "free" not in set(frame_of(table).partitions[-1].compute()["plan"])
    model = fitted(name, table, metadata)
    assert model.rules_ is not None and model.rules_.texts == RULES
    sample = model.sample(600, seed=1)
    assert list(sample.columns) == list(table.columns)
    assert set(broken(sample, table, metadata).values()) == {0.0}
    # what the rules leave free is learned from every partition
    assert set(sample["plan"]) == {"free", "pro", "team"}
    assert set(zip(sample["city"], sample["zip"], strict=True)) == set(
        zip(table["city"], table["zip"], strict=True)
    )
    assert stats.ks_2samp(sample["score"], table["score"]).statistic < 0.15
    assert abs((sample["plan"] == "free").mean() - (table["plan"] == "free").mean()) < 0.08
    # saved and loaded, the model samples the same rows
    model.save(tmp_path / "m.simulacra")
    again = Synthesizer.load(tmp_path / "m.simulacra")
    pd.testing.assert_frame_equal(again.sample(200, seed=2), model.sample(200, seed=2))


def test_the_rules_sample_is_the_fits_pilot(
    table: pd.DataFrame, metadata: Metadata, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows the plan is built on are the fit's pilot rows, reparametrised and handed on:
    one pass picks them, not one for the rules and another for the fit."""
    import simulacra.scale.fitting as fitting
    import simulacra.scale.rule_frames as rule_frames

    calls, pick_rows = [], fitting.pick_rows

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return pick_rows(*args, **kwargs)

    monkeypatch.setattr(fitting, "pick_rows", counted)
    monkeypatch.setattr(rule_frames, "pick_rows", counted)
    model = fitted("copula", table, metadata)
    assert len(calls) == 1
    assert set(broken(model.sample(300, seed=4), table, metadata).values()) == {0.0}


def test_the_models_own_rules_count_too(table: pd.DataFrame, metadata: Metadata) -> None:
    rules = ["total = price * quantity", "fixed: city, zip"]
    model = fitted("copula", table, None, rules=rules)
    assert model.rules_ is not None and model.rules_.texts == rules
    sample = model.sample(500, seed=3)
    assert float(parse_rule(rules[0]).broken(sample, metadata, table).mean()) == 0.0
    assert set(zip(sample["city"], sample["zip"], strict=True)) <= set(
        zip(table["city"], table["zip"], strict=True)
    )


def test_a_rule_value_the_table_never_holds_is_one_error(table: pd.DataFrame) -> None:
    with pytest.raises(RuleError, match="'support' never holds 'nne'"):
        fitted("copula", table, None, rules=["if plan = free then support = nne"])


def test_cli_fits_with_rules_on_dask(
    client: Client, table: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i, part in enumerate(frame_of(table).partitions):
        part.compute().to_parquet(tmp_path / f"part-{i}.parquet", index=False)
    model, out = tmp_path / "m.simulacra", tmp_path / "s.csv"
    rules = ["--rule", "total = price * quantity", "--rule", "if plan = free then seats = 1"]
    args = ["fit", str(tmp_path / "*.parquet"), "-m", "copula", *rules, "-o", str(model)]
    code, _, err = run([*args, "--engine", "dask", "--scheduler", client.scheduler.address], capsys)
    assert code == 0, err
    code, _, err = run(["sample", str(model), "-n", "400", "-o", str(out)], capsys)
    assert code == 0, err
    sample = read_table(out)
    meta = Metadata.infer(table)
    for rule in rules[1::2]:
        assert float(parse_rule(rule).broken(sample, meta, table).mean()) == 0.0
    assert (sample["seats"] > 1).any()
