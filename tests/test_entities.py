"""Entity keys (`_entities`): a column whose values repeat over a few rows each is recognised
by its values and name, never modelled as a category, and sampled as new keys with the real
spread of rows per key, the same in any chunking, after a reload and (noisily) under DP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import Metadata, Synthesizer
from simulacra._entities import MAX_GROUP, assign_groups, group_sizes, is_entity_key
from simulacra.errors import MetadataError
from simulacra.metadata import Column

SIZES = [1, 2, 3, 4]
SHARES = [0.4, 0.3, 0.2, 0.1]


def crashes(keys: int = 1_500, seed: int = 0) -> pd.DataFrame:
    """Occupants of crashes: a case id shared by each crash's occupants, a text report id
    likewise, a zip code (repeating, but not named like a key) and two measurements."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice(SIZES, size=keys, p=SHARES)
    case = np.repeat(np.arange(500_000, 500_000 + keys), sizes)
    rows = len(case)
    return pd.DataFrame(
        {
            "case_id": case,
            "REPORTID": [f"R-{c:07d}" for c in case],
            "zip": rng.integers(10_000, 10_300, rows),
            "store_id": rng.integers(0, 12, rows),
            "age": rng.normal(40, 12, rows).round(),
            "belted": rng.choice(["yes", "no"], rows, p=[0.8, 0.2]),
        }
    )


def test_keys_are_recognised_by_values_and_name() -> None:
    table = crashes()
    metadata = Metadata.infer(table)
    assert metadata["case_id"].kind == "id" and metadata["case_id"].entity
    assert metadata["REPORTID"].kind == "id" and metadata["REPORTID"].entity
    assert metadata["REPORTID"].pattern == "R-{7 digits}"
    assert "entity key" in (metadata["case_id"].note or "")
    assert metadata["case_id"].start == int(table["case_id"].max()) + 1
    # a repeating column not named like a key, and a key of a dozen stores, are modelled
    assert metadata["zip"].kind == "numerical" and not metadata["zip"].entity
    assert metadata["store_id"].kind != "id"
    # unique ids stay plain ids; a key with empty cells is not taken for one
    unique = Metadata.infer(pd.DataFrame({"row_id": np.arange(300)}))
    assert unique["row_id"].kind == "id" and not unique["row_id"].entity
    holed = table["case_id"].astype("float64")
    holed.iloc[::50] = np.nan
    assert not is_entity_key("case_id", holed)


def test_metadata_keeps_the_flag_and_refuses_it_off_ids(tmp_path) -> None:
    metadata = Metadata.infer(crashes())
    path = tmp_path / "meta.json"
    metadata.save(path)
    assert Metadata.load(path)["case_id"].entity is True
    with pytest.raises(MetadataError, match="'entity' marks an id column"):
        Column("numerical", dtype="int64", entity=True)
    with pytest.raises(MetadataError, match="'entity' must be true or false"):
        Column("id", dtype="int64", entity="yes")


def _rows_per_key(keys: pd.Series) -> pd.Series:
    return keys.value_counts().value_counts(normalize=True).sort_index()


def test_samples_keep_the_spread_of_rows_per_key_and_no_real_key() -> None:
    table = crashes()
    model = Synthesizer("copula", verbose=False).fit(table)
    sample = model.sample(12_000, seed=1)
    for key in ("case_id", "REPORTID"):
        spread = _rows_per_key(sample[key])
        assert np.abs(spread.reindex(SIZES).to_numpy() - SHARES).max() < 0.03
        # a key's rows are consecutive: the number of runs equals the number of keys
        runs = int((sample[key] != sample[key].shift()).sum())
        assert runs == sample[key].nunique()
    assert not sample["case_id"].isin(table["case_id"]).any()
    assert sample["REPORTID"].isin(table["REPORTID"]).mean() < 0.01  # chance hits of the space
    assert sample["case_id"].dtype == table["case_id"].dtype
    assert "entity" in model.describe()["columns"]["case_id"]


def test_keys_agree_over_chunks_and_after_a_reload(tmp_path) -> None:
    model = Synthesizer("copula", verbose=False).fit(crashes())
    column = model.transformer_.columns_["case_id"]
    rng = np.random.default_rng(0)
    whole = column.decode(np.zeros((25_000, 0)), rng, 0)
    parts = [column.decode(np.zeros((n, 0)), rng, o) for o, n in ((0, 9_999), (9_999, 15_001))]
    assert pd.concat(parts, ignore_index=True).equals(whole)
    path = tmp_path / "model.simulacra"
    model.save(path)
    again = Synthesizer.load(path)
    assert again.sample(3_000, seed=4).equals(model.sample(3_000, seed=4))


def test_group_helpers() -> None:
    keys = pd.Series([1, 1, 2, 3, 3, 3] + [9] * 100)
    sizes = group_sizes(keys)
    assert len(sizes) == MAX_GROUP and sizes[0] == 1 and sizes[1] == 1 and sizes[2] == 1
    assert sizes[MAX_GROUP - 1] == 1  # a key of 100 rows counts at the cap
    groups = assign_groups(np.array([0.0, 1.0]), 7, np.random.default_rng(0))
    assert groups.tolist() == [0, 0, 1, 1, 2, 2, 3]
    assert assign_groups(np.zeros(4), 3, np.random.default_rng(0)).tolist() == [0, 1, 2]


def test_dp_learns_rows_per_key_with_noise_and_pays_for_it() -> None:
    table = crashes(keys=3_000)
    metadata = Metadata.infer(table)
    model = Synthesizer("mst", epsilon=2.0, verbose=False).fit(table, metadata)
    sample = model.sample(8_000, seed=2)
    spread = _rows_per_key(sample["case_id"])
    assert np.abs(spread.reindex(SIZES).fillna(0).to_numpy() - SHARES).max() < 0.08
    assert not sample["case_id"].isin(table["case_id"]).any()
    column = model.transformer_.columns_["case_id"]
    assert column.sources_["rows per key"].startswith("DP")
    # the key's histogram counts as two measurements (and its null share as one)
    assert model.transformer_.privacy_["measurements"] >= 4
    assert model.privacy_["epsilon_spent"] <= 2.0 + 1e-9
    assert model.privacy_["rho_spent"]["metadata statistics"] > 0
