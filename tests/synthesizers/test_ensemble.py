"""The ensemble: members learn from most rows, the discriminator from the rest only, and the rows
it keeps follow the real data more closely than the plain mixture of the members."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import ParameterError, Synthesizer, seeding

QUICK: dict[str, Any] = {"verbose": False, "seed": 0}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=2_000)
    group = np.where(x + rng.normal(scale=0.3, size=2_000) > 0, "high", "low")
    return pd.DataFrame({"x": x, "y": x + rng.normal(scale=0.2, size=2_000), "group": group})


def _fit(table: pd.DataFrame, sharpness: float) -> Synthesizer:
    # a faithful member and one that knows little of the pairs (a VAE after one short epoch)
    params = {"tvae": {"epochs": 1, "batch_size": 500, "encoder_dims": [8], "decoder_dims": [8]}}
    members = ["copula", "tvae"]
    return Synthesizer(
        "ensemble", members=members, member_params=params, sharpness=sharpness, **QUICK
    ).fit(table)


def test_members_learn_from_most_rows_and_the_discriminator_from_the_rest(
    table: pd.DataFrame,
) -> None:
    syn = _fit(table, 1.0)
    info = syn.fit_info_
    assert info["held_out_rows"] == 400 and info["member_rows"] == 1_600
    assert syn.members_[0].fit_info_["rows"] == 1_600  # the copula; mst's count is noisy
    assert "held-out rows" in syn.describe()["model"]["discriminator"]


def test_the_kept_rows_follow_the_data_better_than_the_plain_mixture(
    table: pd.DataFrame,
) -> None:
    real = table["x"].corr(table["y"], method="spearman")
    mixed = _fit(table, 0.0).sample(3_000, seed=1)
    kept = _fit(table, 1.0).sample(3_000, seed=1)
    gap_mixed = abs(mixed["x"].corr(mixed["y"], method="spearman") - real)
    gap_kept = abs(kept["x"].corr(kept["y"], method="spearman") - real)
    assert gap_kept < gap_mixed / 2 and gap_mixed > 0.1


def test_unknown_members_are_refused_by_name(table: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="unknown member 'nope'"):
        Synthesizer("ensemble", members=["copula", "nope"], **QUICK).fit(table)
    with pytest.raises(ParameterError, match="names no member"):
        Synthesizer("ensemble", members=["copula"], member_params={"mst": {}}, **QUICK).fit(table)


def test_every_kept_row_keeps_the_rules(table: pd.DataFrame) -> None:
    ordered = table.assign(z=table["x"].abs() + 1.0)
    syn = Synthesizer(
        "ensemble",
        members=["copula", "tvae"],
        member_params={"tvae": {"epochs": 1, "encoder_dims": [8], "decoder_dims": [8]}},
        rules=["x <= z"],
        **QUICK,
    ).fit(ordered)
    sample = syn.sample(1_000, seed=2)
    assert (sample["x"] <= sample["z"]).all()


def test_a_member_whose_rows_are_easy_to_tell_is_left_out(table: pd.DataFrame, tmp_path) -> None:
    syn = _fit(table, 1.0)
    described = syn.describe()["model"]
    # the one-epoch VAE's rows are recognisable: under 80% of an equal share, left out
    assert "tvae" in described["left_out"] and [m.name for m in syn.members_] == ["copula"]
    assert described["kept_share"] == {"copula": 1.0}
    assert "under 80% of an equal share" in described["left_out"]["tvae"]
    path = tmp_path / "e.simulacra"
    syn.save(path)
    again = Synthesizer.load(path)
    assert again.describe()["model"]["left_out"] == described["left_out"]
    assert again.sample(500, seed=3).equals(syn.sample(500, seed=3))


def test_members_that_all_help_share_the_kept_rows(table: pd.DataFrame) -> None:
    syn = Synthesizer("ensemble", members=["copula", "copula"], **QUICK).fit(table)
    shares = syn.describe()["model"]["kept_share"]
    assert set(shares) == {"copula (1)", "copula (2)"}
    assert abs(sum(shares.values()) - 1) < 1e-3 and min(shares.values()) > 0.4
    assert "left_out" not in syn.describe()["model"]


def test_a_column_constant_in_the_members_rows_is_copied_there(table: pd.DataFrame) -> None:
    # one row in 2,000 is not 0 and the ensemble holds it out: the members see a constant
    held_out = seeding.rng(0, "fit").permutation(len(table))[0]
    probe = table.assign(delinquent=0)
    probe.loc[held_out, "delinquent"] = 3
    syn = Synthesizer("ensemble", members=["copula"], **QUICK).fit(probe)
    assert syn.members_[0].metadata_["delinquent"].kind == "constant"
    assert syn.metadata_["delinquent"].kind == "numerical"
    sample = syn.sample(500, seed=0)
    assert len(sample) == 500 and (sample["delinquent"] == 0).all()
